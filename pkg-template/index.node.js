// Node.js, import: the same instance as require('leadscore') (see node.js).
import cjs from './index.node.cjs';

export const {
    Engine,
    Session,
    LeadSet,
    InputError,
    RuleSetError,
    compileRuleSet,
    defineRuleSet,
    init,
    initSync,
    memoryBytes,
    limits,
    setLimits,
} = cjs;
