// The session loop of the peers' workload, timed the same way in Node
// (leadscore-modes.mjs) and in a Chromium page (leadscore-chromium.mjs, which serves
// this file to the page): no imports, the package's classes are passed in.
//
// Modes, each over the leads given, one session per lead:
//   'track + evaluate'                  updateProfile, then per event track + evaluate(engine)
//   'track, engine watched'             watch(engine): track evaluates and returns the transitions
//   WATCHED_READY                       the same, every session made, given its profile and
//                                       watching before the clock starts: the loop itself, as on
//                                       a page whose session lasts the visit
//   'track, engine watched + qualify'   and a live score (session.qualify) after each event
//   'track only'                        evaluate once, at the end
//   'track alone'                       the call itself: no profile, no evaluation; every answer
//                                       must be 'added'
// Each session's score (total and qualified stage) is compared with the hand-written
// one in untimed passes of each mode, before the timed ones and after: that score()
// per session is not the loop a page runs.

export const WATCHED_READY = 'track, engine watched, sessions set up first';
export const SESSION_MODES = [
    'track + evaluate',
    'track, engine watched',
    WATCHED_READY,
    'track, engine watched + qualify',
    'track only',
    'track alone',
];

/**
 * Runs every mode once to check it, `runs` timed passes of each (interleaved, with
 * `beforePass()` before each: Node collects garbage there), and a last check.
 * Returns the ms of each timed pass by mode, and the mismatches of the checks.
 */
export function sessionLoop({ Session, engine, leads, expected, asOf, runs, beforePass = () => {} }) {
    const wrong = (s, i) => {
        const r = s.score(engine, asOf);
        return r.total !== expected[i].score || (r.stage !== 'none') !== expected[i].mql;
    };
    // One pass of `mode`; with `check`, counts the sessions scored wrong. Returns the
    // mismatches, and the ms of the loop when the pass times a part of itself.
    function pass(mode, check) {
        let bad = 0;
        if (mode === 'track alone') {
            for (const l of leads) {
                const s = new Session(l.id);
                for (const e of l.events) if (s.track(e, asOf).tracked !== 'added') bad++;
                s.free();
            }
            return { bad };
        }
        if (mode === WATCHED_READY) {
            const sessions = leads.map((l) => {
                const s = new Session(l.id);
                s.updateProfile(l.profile);
                s.watch(engine);
                return s;
            });
            const t0 = performance.now();
            for (let i = 0; i < sessions.length; i++) {
                const s = sessions[i];
                for (const e of leads[i].events) s.track(e, asOf);
            }
            const ms = performance.now() - t0;
            sessions.forEach((s, i) => {
                if (check && wrong(s, i)) bad++;
                s.free();
            });
            return { bad, ms };
        }
        leads.forEach((l, i) => {
            const s = new Session(l.id);
            s.updateProfile(l.profile);
            if (mode.startsWith('track, engine watched')) s.watch(engine);
            for (const e of l.events) {
                s.track(e, asOf);
                if (mode === 'track + evaluate') s.evaluate(engine, asOf);
                else if (mode === 'track, engine watched + qualify') s.qualify(engine, asOf);
            }
            if (mode === 'track only') s.evaluate(engine, asOf);
            if (check && wrong(s, i)) bad++;
            s.free();
        });
        return { bad };
    }

    // A session alive through every pass, as a page's own is. With none alive, a
    // collection (Node's forced one before each pass) took the hidden class sessions
    // share, V8 threw away the code it had optimized for it, and each pass timed V8
    // optimizing track again (track alone 0.72 -> 1.06 µs per event in Node).
    const pageSession = new Session('page');
    let mismatches = SESSION_MODES.reduce((n, m) => n + pass(m, true).bad, 0);
    const times = Object.fromEntries(SESSION_MODES.map((m) => [m, []]));
    for (let r = 0; r < runs; r++) {
        for (let k = 0; k < SESSION_MODES.length; k++) {
            const mode = SESSION_MODES[(k + r) % SESSION_MODES.length];
            beforePass();
            const t0 = performance.now();
            const { bad, ms } = pass(mode, false);
            const whole = performance.now() - t0;
            mismatches += bad;
            times[mode].push(ms ?? whole);
        }
    }
    mismatches += SESSION_MODES.reduce((n, m) => n + pass(m, true).bad, 0);
    pageSession.free();
    return { times, mismatches };
}
