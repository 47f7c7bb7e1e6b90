// Type-checked (not run) by types.test.mjs: the package's types are precise.
import {
    Engine,
    compileRuleSet,
    Session,
    LeadSet,
    InputError,
    RuleSetError,
    init,
    initSync,
    memoryBytes,
    limits,
    setLimits,
} from 'leadscore';
import type { CallLimits, RuleSetReads } from 'leadscore';
import type {
    RuleSet,
    Lead,
    ScoreResult,
    Qualification,
    Evaluation,
    Transition,
    Tracked,
    TrackResult,
    Stage,
    Problem,
    LeadEvent,
    SetAside,
    DebugEntry,
    SessionOptions,
} from 'leadscore';

const ruleset: RuleSet = {
    schema: 'leadscore.ruleset/v1',
    id: 'x',
    version: '1',
    fit: [{ id: 'vp', points: 20, when: { field: 'jobTitle', word: ['vp', 'director'] } }],
    engagement: [
        { id: 'pricing', event: 'page_view', where: { field: 'url', equals: '/pricing' }, points: 15, cap: 45 },
    ],
    disqualifiers: [{ id: 'rival', label: 'works at a competitor', when: { field: 'email', endsWith: '@rival.io' } }],
    stages: { mql: { threshold: 50 }, sql: { on: [{ label: 'requested a demo', event: 'form_submit' }] } },
};

await init();
await init(new URL('https://example.invalid/leadscore_bg.wasm'));
initSync(new Uint8Array(0));

const engine = new Engine(ruleset);
const fromText: Engine = Engine.fromJson(JSON.stringify(ruleset));
const compiled: Uint8Array = compileRuleSet(ruleset);
const loaded: Engine = Engine.fromCompiled(compiled);
Engine.fromCompiled(compiled.buffer as ArrayBuffer);
const lead: Lead = { id: 'ann', profile: { jobTitle: 'VP' }, events: [{ type: 'page_view', ts: 1, url: '/pricing' }] };
const now = Date.now();
const r: ScoreResult = engine.score(lead, now);
const total: number = r.total;
const stage: Stage = r.stage;
const many: ScoreResult[] = engine.scoreMany([lead], now);
const text: string = engine.scoreJson(JSON.stringify(lead), now);
const manyText: string = engine.scoreManyJson('[]', now);
const q: Qualification = engine.qualify(lead, now);
const qStage: Stage = q.stage;
const qualified: Qualification[] = engine.qualifyMany([lead], now);
const live: Qualification = new Session('v').qualify(engine, now);
const held = new LeadSet([lead]);
held.add([lead, { events: [] }]);
const heldCount: number = held.length + held.events;
const heldScores: ScoreResult[] = engine.scoreMany(held, now);
const heldQualified: Qualification[] = engine.qualifyMany(held, now);
// @ts-expect-error: a LeadSet holds a list of leads
new LeadSet(lead);
// @ts-expect-error: scoreManyJson takes JSON text, not a LeadSet
engine.scoreManyJson(held, now);
held.free();
// @ts-expect-error: a qualification carries no explanation
q.contributions;
const id: string = engine.id + engine.version + (engine.description ?? '');
const reads: RuleSetReads = engine.reads;
const readTypes: string[] = Object.keys(reads.events).concat(reads.profile);

const session = new Session('visitor');
session.identify('ann');
session.updateProfile({ jobTitle: 'VP' });
const event: LeadEvent = { type: 'page_view', ts: new Date(), url: '/pricing' };
session.watch(engine);
const result: TrackResult = session.track(event, now);
const tracked: Tracked = result.tracked;
const moved: Transition[] = result.transitions;
session.unwatch(engine);
const ev: Evaluation = session.evaluate(engine, now);
const transitions: Transition[] = ev.transitions;
const key: string | undefined = transitions[0]?.idempotencyKey;
const s2: Session = Session.restore(session.save());
const stored: Uint8Array = session.saveBytes();
const s3: Session = Session.restoreBytes(stored);
Session.restoreBytes(stored.buffer as ArrayBuffer).merge(s3);
// @ts-expect-error saved text goes to restore, not restoreBytes
Session.restoreBytes(session.save());
s2.merge(session);
const aside: SetAside[] = result.setAside ?? [];
const meant: string | undefined = aside[0]?.didYouMean;
const warning: string | undefined = result.warning;
const options: SessionOptions = {
    watch: [engine],
    debug: (entry: DebugEntry) => console.log(entry.reason, entry.message),
};
const watching: Session = Session.restore(session.save(), options);
Session.restoreBytes(stored, { debug: true }).free();
new Session('v', { watch: [engine] }).free();
// @ts-expect-error: watch takes engines
Session.restore(session.save(), { watch: engine });
// @ts-expect-error: debug is true or a function
new Session('v', { debug: 'yes' });
watching.free();
const st: Stage = s2.stage(engine);
const lid: string | undefined = s2.leadId;
const sessionId: string = s2.id;
const scored: ScoreResult = s2.score(engine, now);
const bytes: number = memoryBytes();
const inForce: CallLimits = limits();
setLimits({ maxCallMemory: inForce.maxCallMemory });
// @ts-expect-error: limits are numbers
setLimits({ maxInputBytes: '8MB' });
s2.free();
s3[Symbol.dispose]();
engine.free();
session[Symbol.dispose]();
held[Symbol.dispose]();
fromText[Symbol.dispose]();

try {
    new Engine('{}');
} catch (e) {
    if (e instanceof RuleSetError) {
        const problems: Problem[] = e.problems;
        console.log(problems.map((p) => `${p.path} ${p.code} ${p.message}`));
    } else if (e instanceof InputError) {
        const where: string = e.path + e.code + e.problems[0].message;
        const name: 'InputError' = e.name;
        console.log(where, name);
    }
}
const made: InputError = new InputError('event.ts', 'missingKey', 'the event has no "ts"');
const refused = new RuleSetError([{ path: 'id', code: 'missingKey', message: '"id" is required' }]);
const refusedName: 'RuleSetError' = refused.name;

// @ts-expect-error: now is a number
engine.score(lead, '2026-11-20');
// @ts-expect-error: a rule set needs a schema
new Engine({ id: 'x', version: '1' });
const badCondition: RuleSet = {
    schema: 'leadscore.ruleset/v1',
    id: 'x',
    version: '1',
    // @ts-expect-error: an unknown operator
    fit: [{ id: 'a', points: 1, when: { field: 'x', eq: 1 } }],
};
// @ts-expect-error: results are typed
const notThere = r.totl;
// @ts-expect-error: evaluate needs an Engine
session.evaluate({}, now);

console.log(fromText, total, stage, many, text, manyText, id, tracked, moved, key, st, lid, badCondition, notThere);
console.log(sessionId, scored, bytes, made, refusedName, loaded, meant, warning);
