// A worker for benches/edge.mjs: the work a lead's Durable Object does for a signal
// (edge/src/lead-state.js: restore the saved session, track the signal's events,
// evaluate, save), `repeat` times in one request, timed with performance.now() around
// the work. workerd's clock moves in whole milliseconds, so one signal is too short to
// time alone: the answer is the mean of `repeat` runs.
import { Engine, Session } from 'leadscore';
import b2bSaas from '../examples/b2b-saas/ruleset.json';

let engine = null;

export default {
    async fetch(request) {
        const { signal, saved, repeat } = await request.json();
        const loadStart = performance.now();
        const cold = engine === null;
        engine ??= new Engine(b2bSaas);
        const loadMs = performance.now() - loadStart;
        const bytes = saved ? new Uint8Array(saved) : null;
        let transitions = 0;
        const start = performance.now();
        for (let r = 0; r < repeat; r++) {
            const session = bytes ? Session.restoreBytes(bytes) : new Session(signal.visitor);
            try {
                if (signal.lead && session.leadId !== signal.lead) session.identify(signal.lead);
                for (const e of signal.events) session.track(e, signal.at);
                session.updateProfile(signal.profile);
                transitions += session.evaluate(engine, signal.at).transitions.length;
                session.saveBytes();
            } finally {
                session.free();
            }
        }
        const ms = performance.now() - start;
        return Response.json({ perSignalMs: ms / repeat, transitions: transitions / repeat, cold, loadMs });
    },
};
