// The backtest Web Worker: reads a history, backtests, compares and learns off the
// page's thread, with the package's backtest entry (`leadscore/backtest`,
// docs/BACKTEST.md: its own module, so the page's editor and visitor never load
// it), reporting progress as it goes. One history is held at a time.
//
// Messages in:  {id, op: 'load', text, mapping} | {id, op: 'backtest', rules, target}
//               {id, op: 'compare', rules, other, target} | {id, op: 'learn', rules, target}
// Messages out: {id, progress: {done, total, phase}} while working, then
//               {id, result} or {id, error: {message, problems?}}.
import * as leadscore from 'leadscore/backtest';

let history = null;
const ready = leadscore.init();

/** The backtest API, or an error saying the package was built without it. */
function api() {
    const { History, backtest, compareRuleSets, learn } = leadscore;
    if (!History || !backtest || !compareRuleSets || !learn) {
        throw new Error(
            'this build of the leadscore package has no backtest API (History, backtest, compareRuleSets, learn)',
        );
    }
    return { History, backtest, compareRuleSets, learn };
}

/** Progress at most every 50 ms: a message per part would flood the page. */
function progress(id) {
    let last = 0;
    return (done, total, phase) => {
        const t = performance.now();
        if (t - last < 50 && done < total) return;
        last = t;
        postMessage({ id, progress: { done, total, phase } });
    };
}

function summary(h) {
    return {
        leads: h.length,
        converted: h.converted,
        events: h.events,
        now: h.now,
        skipped: h.skipped,
        problems: h.problems,
        fields: h.fields,
    };
}

function needHistory() {
    if (!history) throw new Error('no history is loaded');
    return history;
}

const ops = {
    load({ id, text, mapping }) {
        const { History } = api();
        const h = new History(text, mapping, { onProgress: progress(id) });
        history?.free();
        history = h;
        return summary(h);
    },
    backtest({ id, rules, target }) {
        const { backtest } = api();
        const h = needHistory();
        using engine = new leadscore.Engine(rules);
        return backtest(engine, h, { target, onProgress: progress(id) });
    },
    compare({ id, rules, other, target }) {
        const { compareRuleSets } = api();
        const h = needHistory();
        using a = new leadscore.Engine(rules);
        using b = new leadscore.Engine(other);
        return compareRuleSets(a, b, h, { target, onProgress: progress(id) });
    },
    learn({ id, rules, target }) {
        const { learn } = api();
        const h = needHistory();
        let compareWith = null;
        try {
            compareWith = rules ? new leadscore.Engine(rules) : null;
        } catch {
            // Rules that do not compile are simply not compared.
        }
        try {
            return learn(h, { target, compareWith: compareWith ?? undefined, onProgress: progress(id) });
        } finally {
            compareWith?.free();
        }
    },
};

onmessage = async (e) => {
    const msg = e.data;
    try {
        await ready;
        const op = ops[msg.op];
        if (!op) throw new Error(`unknown operation ${msg.op}`);
        postMessage({ id: msg.id, result: op(msg) });
    } catch (err) {
        postMessage({ id: msg.id, error: { message: err.message, problems: err.problems } });
    }
};
