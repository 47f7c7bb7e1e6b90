// Type-checked (not run) by types.test.mjs with tsconfig.nodenext.json: a rule set kept
// in a .json file goes to `new Engine` as TypeScript types its import, texts as plain
// strings and pairs as plain lists. (types.test.mjs also imports every valid rule set
// of tests/cases so.)
import { Engine, defineRuleSet } from 'leadscore';
import type { RuleSetJson } from 'leadscore';
import b2b from '../../../examples/b2b-saas/ruleset.json' with { type: 'json' };
import productLed from '../../../examples/product-led/ruleset.json' with { type: 'json' };
import domainDefaults from '../../../examples/domain-defaults/ruleset.json' with { type: 'json' };
import peers from '../../../benches/peers/ruleset.json' with { type: 'json' };
import capAndOnce from './cap-and-once.json' with { type: 'json' };

const engines: Engine[] = [new Engine(b2b), new Engine(productLed), new Engine(domainDefaults), new Engine(peers)];
const kept: RuleSetJson[] = [b2b, productLed, domainDefaults, peers];

// Its keys and shapes are still checked: a rule with both `cap` and `once`,
// @ts-expect-error: refused when compiled, is refused here too.
new Engine(capAndOnce);
// defineRuleSet is for rule sets written in code, whose texts TypeScript knows.
// @ts-expect-error: a JSON import's texts are plain strings
defineRuleSet(b2b);

console.log(engines, kept);
