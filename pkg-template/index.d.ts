// The package's public types: the classes and functions of index.js (api.js,
// errors.js) and the JSON shapes that cross them (docs/RULESET.md is the reference
// of the rule-set format and of every result). Kept by hand beside the JavaScript
// they describe; tests/js/types.test.mjs compiles a use of every declared member
// with `tsc --strict` and checks the result shapes against real results.

/** Milliseconds since the epoch, or RFC 3339 text such as "2026-11-20T09:30:00Z". */
export type Instant = number | string;
/**
 * A duration: a whole number and a unit (`ms`, `s`, `m`, `h`, `d` or `w`), like "90s",
 * "30m", "36h", "7d", "2w"; more than 0 and at most 36,525 days.
 */
export type Duration = `${bigint}${'ms' | 's' | 'm' | 'h' | 'd' | 'w'}`;
export type Scalar = string | number | boolean;

/** The operators of a condition, each with its argument (the rule-set reference, section 3). */
export interface Operators {
    /** The value is this text (case ignored), number or boolean. */
    equals: Scalar;
    /** The value equals one of these (1 to 10,000). */
    in: Scalar[];
    /** The field has a value, and it equals none of these. */
    notIn: Scalar[];
    /** The text holds one of these. */
    contains: string | string[];
    startsWith: string | string[];
    endsWith: string | string[];
    /** The text holds one of these as a whole word. */
    word: string | string[];
    /** The whole text matches one of these patterns: `*` any run of characters, `?` one. */
    like: string | string[];
    gt: number;
    gte: number;
    lt: number;
    lte: number;
    /** The number is within [low, high], both included. */
    between: [low: number, high: number];
    /** Whether the field has a value: absent, null and a list of nulls have none. */
    exists: boolean;
    /** The value equals that of this other field of the same profile or event. */
    equalsField: string;
    /** The email's, URL's or host's domain is that of this other field. */
    sameDomainAs: string;
    /** The value is a date at most this long before now (profile conditions only). */
    withinLast: Duration;
    /** The value is a date at most this long after now (profile conditions only). */
    withinNext: Duration;
}

/**
 * Keys that may stand beside an operator: `escape` beside `like` (one ASCII punctuation
 * character that makes `*`, `?` or itself literal), `read: "number"` beside a numeric
 * operator (a text that is a number is read as that number).
 */
interface Modifiers {
    like: { escape?: string };
    gt: { read?: 'number' };
    gte: { read?: 'number' };
    lt: { read?: 'number' };
    lte: { read?: 'number' };
    between: { read?: 'number' };
}
type ModifierOf<O> = O extends keyof Modifiers ? Modifiers[O] : {};

/** Keys an object leaves out: each may be absent (or undefined), and nothing else. */
type Absent<K extends PropertyKey> = { [P in K]?: undefined };
type ConditionKey = 'all' | 'any' | 'not' | 'field' | 'escape' | 'read' | keyof Operators;

/**
 * A condition on a profile field or an event property: `all`, `any` or `not`, each alone
 * in its object, or a `FieldCondition`.
 */
export type Condition =
    | ({ all: Condition[] } & Absent<Exclude<ConditionKey, 'all'>>)
    | ({ any: Condition[] } & Absent<Exclude<ConditionKey, 'any'>>)
    | ({ not: Condition } & Absent<Exclude<ConditionKey, 'not'>>)
    | FieldCondition;

/** `field` (a dotted path such as "company.size") and exactly one operator. Text comparisons ignore case. */
export type FieldCondition = {
    [O in keyof Operators]: { field: string } & Pick<Operators, O> &
        ModifierOf<O> &
        Absent<Exclude<ConditionKey, 'field' | O | keyof ModifierOf<O>>>;
}[keyof Operators];

/** `"none"` (no decay, no expiry), or a half-life, an expiry or both. */
export type Recency =
    'none' | { halfLife: Duration; expireAfter?: Duration } | { expireAfter: Duration; halfLife?: undefined };

export interface FitRule {
    id: string;
    description?: string;
    group?: string;
    /** Added when `when` holds (negative to subtract); not 0. */
    points: number;
    when: Condition;
}

/** What every engagement rule has. */
interface EngagementRuleBase {
    id: string;
    description?: string;
    group?: string;
    /** The event type, or a list of types, to match. */
    event: string | string[];
    /** A condition on the event's properties. */
    where?: Condition;
    /** Not 0; negative to subtract. */
    points: number;
}

/**
 * An engagement rule: per occurrence (each matching event adds its points, decayed by
 * `recency`, or its points per unit of the number at `perUnit`; at most `cap` in all,
 * or only the newest event with `once`: one or the other), a `count` or `sum` rule
 * (its points once, when enough events match), a repeating `count.every` rule (its
 * points for every so many events, at most `cap`), a `days` rule (its points once,
 * when matching events fall on enough different days), or a sequence (`then`: its
 * points once, when an event `then` matches follows one the rule matches).
 */
export type EngagementRule =
    | (EngagementRuleBase & {
          count?: undefined;
          sum?: undefined;
          days?: undefined;
          then?: undefined;
          /** Points per unit of the number at this property of each matching event. */
          perUnit?: string;
          recency?: Recency;
      } & ({ cap?: number; once?: false } | { once: true; cap?: undefined }))
    | (EngagementRuleBase & {
          count: { atLeast: number; every?: undefined; within?: Duration };
          sum?: undefined;
          days?: undefined;
          then?: undefined;
          perUnit?: undefined;
          cap?: undefined;
          once?: undefined;
          recency?: WindowRecency;
      })
    | (EngagementRuleBase & {
          count: { every: number; atLeast?: undefined; within?: Duration };
          sum?: undefined;
          days?: undefined;
          then?: undefined;
          perUnit?: undefined;
          cap?: number;
          once?: undefined;
          recency?: WindowRecency;
      })
    | (EngagementRuleBase & {
          sum: { property: string; atLeast: number; within?: Duration };
          count?: undefined;
          days?: undefined;
          then?: undefined;
          perUnit?: undefined;
          cap?: undefined;
          once?: undefined;
          recency?: WindowRecency;
      })
    | (EngagementRuleBase & {
          /** `utcOffset`: days start at 00:00 at this fixed offset (`"+02:00"`); UTC when absent. */
          days: { atLeast: number; within?: Duration; utcOffset?: string };
          count?: undefined;
          sum?: undefined;
          perUnit?: undefined;
          then?: undefined;
          cap?: undefined;
          once?: undefined;
          recency?: WindowRecency;
      })
    | (EngagementRuleBase & {
          /** The second event: at most `within` after one the rule's own `event` and `where` match. */
          then: { event: string | string[]; where?: Condition; within?: Duration };
          count?: undefined;
          sum?: undefined;
          days?: undefined;
          perUnit?: undefined;
          cap?: undefined;
          once?: undefined;
          recency?: Recency;
      });

/** The recency of a count or sum rule: an expiry at most (its window says how recent). */
type WindowRecency = 'none' | { expireAfter: Duration; halfLife?: undefined };

/**
 * A test of the profile (`when`), or of the events (`event`, and `where`). `label`: a
 * few words a sales rep reads ("works at a competitor"), given in the stage reason.
 */
export type Disqualifier =
    | {
          id: string;
          label?: string;
          description?: string;
          when: Condition;
          event?: undefined;
          where?: undefined;
          within?: undefined;
      }
    | {
          id: string;
          label?: string;
          description?: string;
          event: string | string[];
          where?: Condition;
          /** It holds only while a matching event is at most this old. */
          within?: Duration;
          when?: undefined;
      };

export interface StageTrigger {
    /** A few words a sales rep reads ("requested a demo"): the stage reason names the trigger by it. */
    label?: string;
    event: string | string[];
    where?: Condition;
    atLeast?: number;
    within?: Duration;
}

/** The band a total falls in: every band but the last has `atLeast`, the last has none. */
export interface Band {
    name: string;
    atLeast: number;
}

/**
 * A rule set (the rule-set reference, docs/RULESET.md in the repository). Write one in
 * code with `defineRuleSet` to have it checked where it is written; a rule set read from
 * a JSON file is a `RuleSetJson`.
 */
export interface RuleSet {
    /** Where an editor finds the rule set's JSON Schema (`leadscore/ruleset.schema.json`); ignored. */
    $schema?: string;
    schema: 'leadscore.ruleset/v1';
    id: string;
    version: string;
    description?: string;
    /** Declared event types and their property types; undeclared events are not scored. */
    events?: Record<string, Record<string, 'string' | 'number' | 'boolean'>>;
    groups?: Record<string, { cap?: number; description?: string }>;
    fit?: FitRule[];
    engagement?: EngagementRule[];
    recency?: Recency;
    total?: { max?: number; floorAtZero?: boolean };
    disqualifiers?: Disqualifier[];
    stages?: {
        mql?: { threshold: number; minFit?: number; minEngagement?: number };
        sql?: { threshold: number; on?: StageTrigger[] } | { on: StageTrigger[]; threshold?: undefined };
        pql?: { on: StageTrigger[]; minFit?: number };
        recycle?: boolean;
    };
    grades?: { fit?: [a: number, b: number, c: number]; engagement?: [a: number, b: number, c: number] };
    bands?: [...Band[], { name: string; atLeast?: undefined }];
    anonymousHistory?: 'count' | 'ignore';
}

/**
 * A rule set as TypeScript types a JSON file of it (`import rules from './ruleset.json'
 * with { type: 'json' }`): the shapes of `RuleSet`, with texts as `string` and the
 * lists of fixed length (`between`, grades, bands) as plain lists, which is all such
 * an import tells. `new Engine` takes it.
 */
export interface RuleSetJson extends AsJson<RuleSet> {}

/**
 * `T` as a JSON import types it: texts widened to `string` (`T | (string & {})` still
 * offers `T`'s texts to an editor's completion), tuples to lists.
 */
type AsJson<T> = T extends string
    ? string extends T
        ? string
        : T | (string & {})
    : T extends readonly (infer E)[]
      ? AsJson<E>[]
      : T extends object
        ? { [K in keyof T]: AsJson<T[K]> }
        : T;

/**
 * Returns `ruleSet` as it is. In TypeScript it checks a rule set written in code as a
 * `RuleSet` where it is written (and an editor completes its keys, operators and
 * values), not only where it reaches `new Engine`.
 */
export declare function defineRuleSet(ruleSet: RuleSet): RuleSet;

/** A lead's fields, as the fit rules read them. */
export type Profile = Record<string, unknown>;

/** One event: every key besides `type`, `ts` and `id` is a property. A `Date` as `ts` is sent as its ISO text. */
export interface LeadEvent {
    type: string;
    ts: Instant | Date;
    id?: string;
    [property: string]: unknown;
}

export interface Lead {
    id?: string | number | null;
    profile?: Profile | null;
    events?: LeadEvent[] | null;
}

export type Stage = 'none' | 'mql' | 'pql' | 'sql';

export interface Problem {
    /** Where, as a JSON path such as `engagement[2].where.in`; "" for the whole input. */
    path: string;
    /** A stable code such as "unknownKey" or "wrongType". */
    code: string;
    message: string;
}

/** What `Engine.validate` answers. */
export interface Validation {
    /** Whether `new Engine` takes the rule set: there is no problem. */
    valid: boolean;
    /** Every problem found, as a `RuleSetError`'s `problems` lists them; empty when valid. */
    problems: Problem[];
    /**
     * What does not stop the rule set from compiling but is probably not meant, in
     * the shape of a problem (JSON path, code, message; the codes are listed in
     * docs/RULESET.md, "Warnings"); empty when `valid` is false.
     */
    warnings: Problem[];
}

export interface Contribution {
    /** The rule's id, or the group's name for a group cap. */
    id: string;
    kind: 'fit' | 'engagement' | 'groupCap' | 'totalMax' | 'floor';
    group?: string;
    description?: string;
    points: number;
    /** Events that matched (engagement rules only). */
    matched?: number;
    /** Present (true) when the rule's cap took points away. */
    capped?: true;
    /** Repeating rules (`count.every`): how many times the rule earned its points. */
    times?: number;
    /** Points-per-unit rules (`perUnit`): the units the points were earned for. */
    units?: number;
    /** Days rules (`days`): on how many different days the matching events fell. */
    days?: number;
    /** Sequence rules (`then`): the times (ms) of the pair the points are for. */
    pair?: { first: number; then: number };
}

export type SkipReason =
    | 'afterNow'
    | 'unknownType'
    | 'wrongPropertyType'
    | 'anonymousHistory'
    | 'invalid'
    | 'duplicate'
    | 'overHistoryLimit';

/** A score and stage without the explanation (`qualify`): the same figures as the `ScoreResult`. */
export interface Qualification {
    /** The lead's id (batch) or the session's subject, when known. */
    leadId?: string;
    total: number;
    fit: number;
    engagement: number;
    stage: Stage;
    grade: 'A' | 'B' | 'C' | 'D';
    level: 1 | 2 | 3 | 4;
    /** Grade and level together: "A1" … "D4". */
    matrix: string;
    /** The band of the total; `'disqualified'` for every disqualified lead, whatever its total. */
    band: string;
    disqualified: boolean;
}

/** A score with its explanation (`score`): a `Qualification` and why. */
export interface ScoreResult extends Qualification {
    rulesetId: string;
    rulesetVersion: string;
    now: number;
    stageReason: string;
    disqualifications?: { id: string; label?: string; description?: string }[];
    /** Every rule that fired and every limit that bit; the points add up to `total`. */
    contributions: Contribution[];
    events: {
        scored: number;
        skipped?: Partial<Record<SkipReason, number>>;
        /** The first few events refused as invalid. */
        problems?: Problem[];
    };
}

export interface Transition {
    from: Stage;
    to: Stage;
    rulesetId: string;
    rulesetVersion: string;
    /** The lead id when known, else the session id. */
    subject: string;
    /** The `now` of the evaluation that saw the change. */
    at: number;
    /** The same wherever and however often the transition is computed: drop repeats with it. */
    idempotencyKey: string;
    reason: string;
    total: number;
    reasons: Contribution[];
}

export interface Evaluation {
    result: ScoreResult;
    transitions: Transition[];
}

/** What `track` did with an event. */
export type Tracked = 'added' | 'duplicate' | 'addedDroppingOldest';

/** Why a rule set does not count an event. */
export type SetAsideReason = SkipReason | 'unusedType';

/** An event one rule set does not count, and why. */
export interface SetAside {
    rulesetId: string;
    rulesetVersion: string;
    /** Where the event is in the session's history, oldest first (absent in `track`'s answer). */
    index?: number;
    type?: string;
    ts?: number;
    /** The event's id: given, or made by the session from its content (`~` and 11 characters). */
    id?: string;
    reason: SetAsideReason;
    /** For an unknown or unused type: the known type nearest in spelling, when one is near. */
    didYouMean?: string;
    /** For a property of the wrong type: its name. */
    property?: string;
    message: string;
}

/** `track`'s answer: the event's fate, and the transitions it caused with the watched engines. */
export interface TrackResult {
    tracked: Tracked;
    transitions: Transition[];
    /** Each watched rule set that will never count the event, and why (absent when none). */
    setAside?: SetAside[];
    /** Set when a restored session that records stages watches no engine: no transition can be reported. */
    warning?: string;
}

/** What a session's `debug` option logs. */
export type DebugEntry =
    | SetAside
    | { reason: 'duplicate'; type: string; id: string; message: string }
    | { reason: 'nothingWatched'; message: string };

export interface SessionOptions {
    /** Engines `track` evaluates with from the start (saved state holds none). */
    watch?: Engine[];
    /** Log what does not count, once each: `true` to `console.debug`, or a function given each entry. */
    debug?: boolean | ((entry: DebugEntry) => void);
}

/**
 * A compiled rule set. Scoring never changes it; one engine serves any number of
 * leads and sessions.
 */
export declare class Engine {
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Compiles a rule set from JSON text.
     */
    static fromJson(ruleSet: string): Engine;
    /**
     * Checks a rule set (an object, a JSON import or JSON text, of any type) as the
     * constructor does, without throwing: every problem a `RuleSetError` would list.
     * For editors and CI. Needs `init()` where the constructor does.
     */
    static validate(ruleSet: unknown): Validation;
    /**
     * An engine from a compiled rule set: the bytes `compileRuleSet` returns or
     * `leadscore compile` writes. Bytes that are not one, are truncated, damaged or
     * of a newer format throw an `InputError` with the code `compiledRuleSet`.
     */
    static fromCompiled(bytes: Uint8Array | ArrayBuffer): Engine;
    /**
     * Compiles a rule set given as JSON text or as a plain object. A bad rule set
     * throws a `RuleSetError` whose `problems` lists every problem with its path.
     */
    constructor(ruleSet: RuleSet | string);
    /**
     * Compiles a rule set imported from a JSON file, which TypeScript types with plain
     * texts and lists (`RuleSetJson`): its keys and shapes are checked here, its texts
     * when it is compiled.
     */
    constructor(ruleSet: RuleSetJson);
    /**
     * `qualify` for a list of leads in one call (a backtest, an edge batch), or for
     * the leads a `LeadSet` holds.
     */
    qualifyMany(leads: Lead[] | LeadSet, now: number): Qualification[];
    /**
     * Scores one lead and gives its score and stage without the explanation:
     * the same figures as `score`, lighter to return.
     */
    qualify(lead: Lead, now: number): Qualification;
    /**
     * Scores a lead given as JSON text; returns the result as JSON text.
     */
    scoreJson(lead: string, now: number): string;
    /**
     * `scoreMany` over JSON text: a JSON list of leads in, a JSON list of results out.
     */
    scoreManyJson(leads: string, now: number): string;
    /**
     * Scores a list of leads in one call: the same results as `score` on each.
     * A lead that is not a lead throws, with its index in the error's path. A
     * `LeadSet` in place of the list scores the leads it holds, with no reading.
     */
    scoreMany(leads: Lead[] | LeadSet, now: number): ScoreResult[];
    /**
     * Scores one lead at `now` (milliseconds since the epoch).
     */
    score(lead: Lead, now: number): ScoreResult;
    readonly description: string | undefined;
    readonly id: string;
    /** What the rule set reads (`RuleSetReads`), the same whether it was compiled here or loaded compiled. */
    readonly reads: RuleSetReads;
    readonly version: string;
}

/**
 * What a rule set reads, as `engine.reads` gives it: the profile fields its fit
 * rules and profile disqualifiers test, and for each event type its engagement
 * rules, stage triggers and event disqualifiers look at, the properties their
 * `where` filters, `sum`s and `perUnit`s read (whole dotted paths, in byte order; a type whose
 * rules read no property has `[]`). What the tracker's signals may carry.
 */
export interface RuleSetReads {
    profile: string[];
    events: Record<string, string[]>;
}

/**
 * A rule set compiled ahead (a plain object or JSON text, as `new Engine` takes
 * it): the compact bytes `Engine.fromCompiled` loads, here or in the page module
 * (`leadscore/page`, which has no compiler). Throws a `RuleSetError` as `new Engine` does.
 */
export declare function compileRuleSet(ruleSet: RuleSet | string): Uint8Array;

/** What a Session's methods take: an `Engine` of this package or of its page module (`leadscore/page`). */
export type AnyEngine = Pick<Engine, 'id' | 'version' | 'description' | 'free'>;

/**
 * Leads read and checked once, held in the module to be scored with any number of
 * rule sets: pass the set to `engine.scoreMany` or `engine.qualifyMany` in place of
 * a list (a backtest run again after each edit of the rules, two definitions
 * compared on the same leads). Each result is the one `score` gives the lead.
 * `free()` it (or a `using` block) to give its memory back.
 */
export declare class LeadSet {
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Adds leads after those held. All or none: a lead that is not a lead throws,
     * with its index in `leads` in the path, and the set stays as it was.
     */
    add(leads: Lead[]): void;
    /**
     * Holds `leads` (`[]` for an empty set, to `add` to later); a lead that is not
     * a lead throws, with its index in the path.
     */
    constructor(leads: Lead[]);
    /**
     * How many events the set holds, across its leads (at most 2,000,000).
     */
    readonly events: number;
    /**
     * How many leads the set holds (at most 1,000,000).
     */
    readonly length: number;
}

/**
 * One visitor's profile and events, observed one event at a time; remembers which
 * stage transitions it has reported. Save it with `save()`, bring it back with
 * `Session.restore(text)`.
 */
export declare class Session {
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Scores the session at `now` and reports each stage transition the first time
     * it happens.
     */
    evaluate(engine: AnyEngine, now: number): Evaluation;
    /**
     * Marks the visitor as a known lead; events tracked from now on are not anonymous.
     */
    identify(leadId: string): void;
    /**
     * Folds another session (say, a visitor's anonymous history) into this one.
     */
    merge(other: Session): void;
    /**
     * A new, anonymous session; `id` names the visitor (a cookie or device id).
     */
    constructor(id: string, options?: SessionOptions);
    /**
     * The session's score and stage at `now` without the explanation (a live score
     * on the page): the figures of `score`, lighter to return. Changes nothing.
     */
    qualify(engine: AnyEngine, now: number): Qualification;
    /**
     * Brings back a session from the bytes `saveBytes()` wrote.
     */
    static restoreBytes(saved: Uint8Array | ArrayBuffer, options?: SessionOptions): Session;
    /**
     * Brings back a session from the text `save()` wrote, watching `options.watch`.
     */
    static restore(saved: string, options?: SessionOptions): Session;
    /**
     * The session's state as bytes (the same data as `save()`, in MessagePack), for
     * `Session.restoreBytes`: for a store that keeps bytes (Workers KV, a cache),
     * with no JSON text to write and parse on each request.
     */
    saveBytes(): Uint8Array;
    /**
     * The session's state as compact JSON text, for `Session.restore`.
     */
    save(): string;
    /**
     * Scores the session at `now` without changing it.
     */
    score(engine: AnyEngine, now: number): ScoreResult;
    /**
     * The stage this session last reached with the engine's rule set and version.
     */
    stage(engine: AnyEngine): Stage;
    /**
     * Records an event (giving it an id from its content when it has none), then
     * evaluates the session at `now` with every watched engine: `{tracked,
     * transitions}`, with `setAside` for the watched rule sets that will never count
     * it and `warning` when a restored session watches nothing. `now` also refuses
     * events from the far future.
     */
    track(event: LeadEvent, now: number): TrackResult;
    /**
     * Stops evaluating with this engine's rule set on `track`.
     */
    unwatch(engine: AnyEngine): void;
    /**
     * Sets profile fields: each key replaces the session's value (null removes it).
     */
    updateProfile(patch: Profile): void;
    /**
     * Has `track` evaluate the session with this engine after every event and
     * return the stage transitions (once each). Watching the same rule set
     * (`id@version`) again replaces the engine watched for it.
     */
    watch(engine: AnyEngine): void;
    readonly id: string;
    /**
     * The lead id given to `identify`, if any.
     */
    readonly leadId: string | undefined;
}

/**
 * Bad input (a lead, an event, a profile, saved state or an argument); the call
 * changed nothing. `instanceof InputError` holds for every error named "InputError".
 */
export declare class InputError extends Error {
    constructor(path: string, code: string, message: string);
    name: 'InputError';
    /** Where, as a JSON path such as `events[3].ts`; "" for the whole argument. */
    path: string;
    /** A stable code such as "wrongType", "invalidTimestamp", "freed". */
    code: string;
    /** The one problem, as `{path, code, message}`. */
    problems: [Problem];
}

/**
 * A rule set that was refused whole, with every problem found in it.
 * `instanceof RuleSetError` holds for every error named "RuleSetError".
 */
export declare class RuleSetError extends Error {
    constructor(problems: Problem[]);
    name: 'RuleSetError';
    problems: Problem[];
}

/** `WebAssembly.Module` where the project's lib declares it (DOM, workers types), else never. */
type CompiledModule = typeof globalThis extends { WebAssembly: { Module: abstract new (...args: any[]) => infer M } }
    ? M
    : never;

/** Where the WebAssembly comes from: its URL, a fetch Response, its bytes or a compiled module. */
export type InitInput = string | URL | Request | Response | ArrayBuffer | ArrayBufferView | CompiledModule;

/**
 * Loads the WebAssembly; needed once in browsers before anything else. Without an
 * argument it fetches `leadscore_bg.wasm` next to the module. A promise may bring a
 * Response (`fetch(url)`), the bytes or a compiled module, not a URL. In Node.js and
 * Cloudflare Workers the package is ready on import and this resolves at once.
 */
export declare function init(
    input?: InitInput | Promise<Response | ArrayBuffer | ArrayBufferView | CompiledModule>,
): Promise<void>;

/** `init` from bytes or a compiled module, synchronously (browsers only; a no-op elsewhere). */
export declare function initSync(module: ArrayBuffer | ArrayBufferView | CompiledModule): void;

// `free()` is also `[Symbol.dispose]()`, for `using`. Declared here as @types/node
// does, so that projects whose `lib` predates esnext.disposable still type-check.
declare global {
    interface SymbolConstructor {
        readonly dispose: unique symbol;
    }
    // The DOM lib declares `WebAssembly.Module` with no members, so any value but
    // null and undefined would pass for one (`init(42)`, `initSync({})`). Every
    // compiled module has this tag (`Object.prototype.toString` reads it), and no
    // number, text or plain object has.
    namespace WebAssembly {
        interface Module {
            readonly [Symbol.toStringTag]: 'WebAssembly.Module';
        }
    }
}

/**
 * The size of the WebAssembly module's memory in bytes. It grows as inputs need and
 * never shrinks (WebAssembly memory cannot); a long-lived worker can watch it.
 */
export declare function memoryBytes(): number;

/** What one call may take in (docs/SECURITY.md); the same for every call of the module. */
export interface CallLimits {
    /**
     * Most bytes one input may have as it crosses: its MessagePack, or the UTF-8 of
     * JSON text. Refused (`tooLarge`) before anything is copied. Default 8 MiB.
     */
    maxInputBytes: number;
    /**
     * Most memory the leads one call reads may take once read (events and the profile
     * fields kept, estimated as they are read), across a list's leads. Default 16 MiB.
     */
    maxCallMemory: number;
    /**
     * Most steps (the rule-set reference, section 11) scoring the leads of one list
     * may take, across the parts a long list crosses in: the list is refused
     * (`tooCostly`, at the first lead past the limit) once they are spent. About a
     * second in Node.js at the default, 250,000,000; ordinary leads take some
     * thousand steps each.
     */
    maxCallSteps: number;
}

/** The call limits in force. */
export declare function limits(): CallLimits;

/**
 * Sets the call limits for every call from now on (the byte limits at least 65,536,
 * the steps at least 1,000,000; one left out stays as it is). Lower them where
 * memory or time is tight, as in a Worker's isolate.
 */
export declare function setLimits(limits: Partial<CallLimits>): void;
