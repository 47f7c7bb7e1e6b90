'use strict';
// Node.js, require(): leadscore.cjs reads leadscore_bg.wasm synchronously on load,
// so the package is ready with no await. index.node.js (import) re-exports this
// same module, so ESM and CommonJS code in one process share one instance.
const generated = require('./leadscore.cjs');
const { guardClasses, InputError, RuleSetError } = require('./common.cjs');

const { Engine, Session, LeadSet } = guardClasses(generated);

exports.Engine = Engine;
exports.Session = Session;
exports.LeadSet = LeadSet;
exports.InputError = InputError;
exports.RuleSetError = RuleSetError;
/** Already initialized on load; kept so that code shared with browsers runs unchanged. */
exports.init = () => Promise.resolve();
exports.initSync = () => {};
