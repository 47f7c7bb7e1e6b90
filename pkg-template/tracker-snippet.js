// The entry of tracker.min.js, the prebuilt tracker for sites without a bundler
// (scripts/build-pkg.sh bundles it with tracker.js into one classic script; it is not
// shipped as such). Its configuration is the script element's data- attributes:
//
//   <script async src="/js/leadscore/tracker.min.js"
//           data-rules-url="/leadscore/rules.json" data-endpoint="https://collect.example.com/s"
//           data-consent="granted" data-allow="jobTitle,company.size"></script>
//
// It defines `window.leadscore` (start, track, identify, consent, optOut, onScore,
// score, ready). Calls made before it arrived, pushed as arrays onto
// `window.leadscore = window.leadscore || []`, are replayed in order once it has
// started. tracker.js's import of tracker-core.js becomes tracker-core.min.js beside
// this file: the core and the engine's JavaScript in one module.
import * as tracker from './tracker.js';

(() => {
    const script = document.currentScript;
    const d = (script && script.dataset) || {};
    const waiting = Array.isArray(window.leadscore) ? window.leadscore : [];
    const report = (e, what = 'error') => console.error(`leadscore tracker: ${what}:`, (e && e.message) || e);
    const api = { ...tracker, push: (call) => run(call) };
    const run = (call) => {
        try {
            const [name, ...args] = call;
            if (typeof api[name] === 'function' && name !== 'push') api[name](...args);
        } catch (e) {
            report(e);
        }
    };
    window.leadscore = api;
    if (d.rulesUrl || d.endpoint) {
        let forms = {};
        try {
            forms = d.forms ? JSON.parse(d.forms) : {};
        } catch (e) {
            report(e, 'data-forms is not JSON');
        }
        tracker.start({
            rulesUrl: d.rulesUrl,
            endpoint: d.endpoint,
            consent: d.consent === 'granted' || d.consent === 'true',
            beforeConsent: d.beforeConsent || 'memory',
            allow: d.allow || [],
            gpc: d.gpc === 'true',
            variant: d.variant,
            prefix: d.prefix || 'leadscore',
            wasmUrl: d.wasmUrl,
            forms,
        });
    }
    for (const call of waiting) run(call);
})();
