// The types of leadscore/page (page.js): the engine of a landing page. Sessions,
// errors, limits and the JSON shapes are those of the full package (index.d.ts);
// the Engine here loads compiled rule sets only and scores through sessions.
import type { RuleSetReads } from './index.js';

export {
    AnyEngine,
    CallLimits,
    Evaluation,
    InitInput,
    InputError,
    Lead,
    LeadEvent,
    Problem,
    Profile,
    Qualification,
    RuleSetError,
    RuleSetReads,
    ScoreResult,
    Session,
    Stage,
    TrackResult,
    Tracked,
    Transition,
    init,
    initSync,
    limits,
    memoryBytes,
    setLimits,
} from './index.js';

/**
 * A rule set compiled ahead, loaded: pass it to a `Session`'s `watch`, `evaluate`,
 * `qualify`, `score` and `stage`. Made only with `Engine.fromCompiled`: the page
 * module has no rule-set compiler, and `new Engine(ruleSet)` throws an `InputError`
 * (code `compiledOnly`) that says how to compile one.
 */
export declare class Engine {
    free(): void;
    [Symbol.dispose](): void;
    /** Throws: the page module loads compiled rule sets only (`Engine.fromCompiled`). */
    private constructor();
    /**
     * An engine from a compiled rule set: the bytes `compileRuleSet` (of the full
     * package, `leadscore`) returns or `leadscore compile` writes. Bytes that are not
     * one, are truncated, damaged or of a newer format throw an `InputError` with the
     * code `compiledRuleSet` saying which.
     */
    static fromCompiled(bytes: Uint8Array | ArrayBuffer): Engine;
    readonly description: string | undefined;
    readonly id: string;
    /** What the rule set reads: the same as the full package's `engine.reads`. */
    readonly reads: RuleSetReads;
    readonly version: string;
}
