// Type-checked (not run) by types.test.mjs: require() gets the same types.
import leadscore = require('leadscore');

const engine: leadscore.Engine = new leadscore.Engine('{}');
const result: leadscore.ScoreResult = engine.score({ profile: {} }, 0);
const held: leadscore.Qualification[] = engine.qualifyMany(new leadscore.LeadSet([{ profile: {} }]), 0);
const err = new leadscore.InputError('a', 'b', 'c');
const path: string = err.path;
// @ts-expect-error: now is a number
engine.score({}, 'now');
console.log(result.total, path, held.length);
export {};
