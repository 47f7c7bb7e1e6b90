// The tracker's lazy part, imported by tracker.js after the page's `load` when the
// browser is idle: it loads the engine (`loadEngine`, the one place that names the
// engine's entries: the page engine for a compiled rule set, the full one for JSON),
// loads the rule set, keeps the visitor's Session in storage
// shared by the site's tabs, and turns each stage transition into one signal
// (docs/SIGNALS.md) that one sender across tabs delivers exactly once.
//
// Work is cut into tasks: each step that could take a while (loading, compiling,
// restoring, scoring a queue) ends its task, so that no task of the tracker's keeps
// the main thread 50 ms.

const STAGES = ['none', 'mql', 'pql', 'sql'];
const rank = (s) => STAGES.indexOf(s);
/** A signal's body stays under this many bytes: keepalive requests and beacons carry at most 64 KiB. */
const MAX_BODY = 60_000;
/** How many delivered idempotency keys are remembered, and signals waiting to go. */
const MAX_SENT = 100;
const MAX_OUTBOX = 50;
/** A signal given up after this many failed tries (not counting time offline). */
const MAX_TRIES = 30;
/** A signal in flight is another tab's to retry only after this long. */
const CLAIM_MS = 30_000;
/** Retries wait 1 s, 2 s, 4 s … at most 5 minutes, each between half and all of it (jitter). */
const BACKOFF_MS = 1000;
const BACKOFF_MAX_MS = 300_000;
/** How long a request that got no answer stays taken before it is tried again. */
const UNANSWERED_MS = 1000;
/** Ops scored per task while a queue is drained. */
const OPS_PER_TASK = 25;

/**
 * The engine's module for a rule set: the one function that names the engine's
 * entries. A compiled rule set is loaded by the page engine (`leadscore/page`,
 * './page.js', and its module leadscore_page_bg.wasm: no compiler, a third
 * smaller); a JSON rule set needs the full package ('./index.js', leadscore_bg.wasm),
 * which compiles it. `options.wasmUrl`, when given, is where that module is.
 */
export async function loadEngine(options, compiledRules) {
    const wasm = options.wasmUrl && String(options.wasmUrl);
    const wrong = compiledRules ? /(^|\/)leadscore_bg\.wasm([?#]|$)/ : /(^|\/)leadscore_page_bg\.wasm([?#]|$)/;
    if (wasm && wrong.test(wasm)) {
        throw new Error(
            `wasmUrl is ${wasm}, but a ${compiledRules ? 'compiled' : 'JSON'} rule set needs ${compiledRules ? 'leadscore_page_bg.wasm (the page engine)' : 'leadscore_bg.wasm (the full engine, which compiles JSON)'}`,
        );
    }
    const m = compiledRules ? await import('./page.js') : await import('./index.js');
    await tick();
    if (m.init) await m.init(options.wasmUrl);
    return m;
}

/** Ends the current task, so that the next step runs in a task of its own. */
const tick = () => (globalThis.scheduler && scheduler.yield ? scheduler.yield() : new Promise((r) => setTimeout(r, 0)));

/**
 * Rule sets compiled before the page's own, smallest first, each in a task of its
 * own. V8 compiles a WebAssembly function when it is first called: the first rule set
 * compiled in a page paid for all the compiler's functions in one task, 40 to 180 ms
 * with the CPU slowed 4x (benches/tracker.mjs). In these steps no task takes 50 ms,
 * and the page's rule set then compiles in a few.
 */
const WARM = { schema: 'leadscore.ruleset/v1', id: 'warm', version: '0' };
const WARM_UPS = [
    '{}',
    { ...WARM, fit: [{ id: 'f', points: 1, when: { field: 'f', word: ['x'] } }] },
    { ...WARM, engagement: [{ id: 'e', event: 'e', where: { field: 'p', startsWith: '/' }, points: 1, cap: 2 }] },
    {
        ...WARM,
        engagement: [{ id: 'e', event: 'e', points: 1 }],
        stages: { mql: { threshold: 1 }, sql: { on: [{ event: 'e' }] } },
    },
];

/** Compiles `json` after the warm-ups, each step in a task of its own. */
async function compiled(m, json) {
    for (const w of WARM_UPS) {
        try {
            new m.Engine(w).free();
        } catch {
            // '{}' is refused: its part is to call the module once.
        }
        await tick();
    }
    return new m.Engine(json);
}

/**
 * The rule set of `options`, not yet loaded: `{ json }` for `rules` given as an
 * object or JSON text, or what `rulesUrl` serves with a content type naming json;
 * `{ bytes }` for `rules` given as bytes (a Uint8Array or an ArrayBuffer), or what
 * `rulesUrl` serves with any other content type: a compiled rule set.
 */
export async function fetchRules(options, visitorId) {
    const given = options.rules;
    if (given instanceof Uint8Array || given instanceof ArrayBuffer)
        return { bytes: new Uint8Array(given), variant: options.variant };
    if (given) {
        const json = typeof given === 'string' ? JSON.parse(given) : given;
        return { json, variant: options.variant };
    }
    // `{visitor}` in the URL: the server picks the visitor's A/B variant from the id.
    const url = options.rulesUrl && options.rulesUrl.replace('{visitor}', encodeURIComponent(visitorId || ''));
    if (!url) throw new Error('start() needs rules or rulesUrl');
    const res = await fetch(url, { credentials: 'omit' });
    if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}`);
    const variant = options.variant ?? res.headers.get('x-leadscore-variant') ?? undefined;
    const type = res.headers.get('content-type') || '';
    if (/json/i.test(type)) {
        const text = await res.text();
        try {
            return { json: JSON.parse(text), variant };
        } catch (e) {
            throw new Error(`${url} is not JSON: ${e.message}`);
        }
    }
    return { bytes: new Uint8Array(await res.arrayBuffer()), variant };
}

/**
 * The rule set of `options` fetched, the engine's module its form needs loaded
 * (`loadEngine`), and the rule set loaded: `Engine.fromCompiled` for compiled
 * bytes, at once; `new Engine` for JSON, after the warm-ups.
 */
export async function loadRules(options, visitorId) {
    const rules = await fetchRules(options, visitorId);
    const m = await loadEngine(options, !!rules.bytes);
    await tick();
    const engine = rules.bytes ? m.Engine.fromCompiled(rules.bytes) : await compiled(m, rules.json);
    return { m, engine, variant: rules.variant };
}

// ---------------------------------------------------------------------------
// What a signal carries: only what the rule set reads (`engine.reads`)

/**
 * The values at `paths` (dotted, each step a key of an object, as rules read them)
 * in `from`, in objects of the same shape: nothing else of `from`.
 */
export function pick(from, paths) {
    const out = {};
    const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
    for (const p of paths) {
        const steps = p.split('.');
        let v = from;
        for (const step of steps) v = isObject(v) && Object.hasOwn(v, step) ? v[step] : undefined;
        if (v === undefined) continue;
        let into = out;
        for (const step of steps.slice(0, -1)) into = isObject(into[step]) ? into[step] : (into[step] = {});
        into[steps[steps.length - 1]] = v;
    }
    return out;
}

// ---------------------------------------------------------------------------
// The core

/**
 * Loads the engine and the rule set, brings back the visitor's session, scores
 * what it holds under the rule set (a new version re-scores the kept history), and
 * answers the tracker's handle on it. Never throws: a rule set that cannot be used
 * is said on the console, and the page goes on unscored.
 */
export async function boot(ctx) {
    // The core's module has just been evaluated: the rest in a task of its own.
    await tick();
    const { opts, io, report } = ctx;
    const tab = Math.random().toString(36).slice(2, 10);
    let m = null;
    let engine = null;
    let reads = null;
    let variant;
    let session = null;
    let rev = null;
    let top = {};
    let sent = [];
    let stopped = false;
    let sender = false;
    let electing = false;
    let release = null;
    let busy = false;
    let timer = 0;

    const granted = () => ctx.granted() && !!opts.endpoint;

    // --- state shared by tabs ------------------------------------------------

    function fresh() {
        if (session) session.free();
        const v = ctx.visitor();
        session = new m.Session(v ? v.id : 'v-' + tab);
        session.watch(engine);
    }

    function restored(saved) {
        try {
            return m.Session.restore(JSON.stringify(saved));
        } catch (e) {
            report(e, 'the saved session could not be restored');
            return null;
        }
    }

    /** Folds in what other tabs stored since this one last saved; true when something came. */
    function sync() {
        const st = io.get('state');
        if (!st || st.v !== 1) return false;
        for (const k of st.sent || []) if (!sent.includes(k)) sent.push(k);
        sent = sent.slice(-MAX_SENT);
        // What another lead identified on this browser reached is not this one's.
        const same = !st.lead || !session.leadId || st.lead === session.leadId;
        if (same)
            for (const [id, stage] of Object.entries(st.top || {}))
                if (rank(stage) > rank(top[id] || 'none')) top[id] = stage;
        if (st.rev === rev) return false;
        rev = st.rev;
        if (!same) return false;
        const saved = io.get('session');
        const other = saved && restored(saved);
        if (!other) return false;
        session.merge(other);
        other.free();
        // Events of two tabs together may cross a threshold neither reached alone.
        handle(session.evaluate(engine, Date.now()).transitions);
        return true;
    }

    function save() {
        sync();
        io.set('session', JSON.parse(session.save()));
        rev = Math.random().toString(36).slice(2);
        io.set('state', { v: 1, rev, lead: session.leadId, top, sent, rules: `${engine.id}@${engine.version}` });
    }

    // --- signals ---------------------------------------------------------------

    /** The signal of transition `t` (docs/SIGNALS.md). */
    function signal(t) {
        const q = session.qualify(engine, t.at);
        const saved = JSON.parse(session.save());
        const s = { v: 1, key: t.idempotencyKey, visitor: session.id };
        if (session.leadId) s.lead = session.leadId;
        s.ruleset = { id: t.rulesetId, version: t.rulesetVersion };
        if (variant) s.ruleset.variant = variant;
        Object.assign(s, { from: t.from, to: t.to, at: t.at, reason: t.reason });
        Object.assign(s, { total: t.total, fit: q.fit, engagement: q.engagement, band: q.band });
        s.profile = pick(saved.profile, reads.profile);
        s.events = [];
        let room = MAX_BODY - JSON.stringify(s).length - 40;
        const events = saved.events || [];
        let left = 0;
        for (let i = events.length - 1; i >= 0; i--) {
            const e = events[i];
            const read = Object.hasOwn(reads.events, e.type) ? reads.events[e.type] : null;
            if (!read) continue;
            const out = { type: e.type, ts: e.ts };
            if (e.id) out.id = e.id;
            if (e.anon) out.anon = true;
            Object.assign(out, pick(e.p, read));
            const n = JSON.stringify(out).length + 1;
            if (n > room) {
                left++;
                continue;
            }
            room -= n;
            s.events.push(out);
        }
        s.events.reverse();
        if (left) s.truncated = left;
        return s;
    }

    /** Turns the session's transitions into signals in the outbox; a stage already sent under another version is not sent again. */
    function handle(transitions) {
        let added = false;
        for (const t of transitions) {
            const before = top[t.rulesetId] || 'none';
            if (rank(t.to) > rank(t.from) && rank(t.to) <= rank(before)) continue;
            top[t.rulesetId] = t.to;
            if (!opts.endpoint || sent.includes(t.idempotencyKey)) continue;
            const box = io.get('outbox') || [];
            if (box.some((x) => x.k === t.idempotencyKey)) continue;
            box.push({ k: t.idempotencyKey, b: JSON.stringify(signal(t)), n: 0, at: 0, by: tab });
            io.set('outbox', box.slice(-MAX_OUTBOX));
            added = true;
        }
        return added;
    }

    // --- ops from the page -----------------------------------------------------

    function applyOne([kind, p]) {
        const now = Date.now();
        try {
            if (kind === 'e') {
                handle(session.track(p, now).transitions);
                return;
            }
            if (kind === 'i') {
                // Another person on this browser: a history and stages of their own.
                if (session.leadId && session.leadId !== p.lead) {
                    fresh();
                    top = {};
                }
                session.identify(p.lead);
                p = p.profile;
            }
            if (p && Object.keys(p).length) session.updateProfile(p);
            // A form's fields come just before its event, which is scored with them:
            // one act, one transition (a demo request by a director goes to SQL at once).
            if (kind === 'i') handle(session.evaluate(engine, now).transitions);
        } catch (e) {
            report(e, `the ${kind === 'e' ? `event ${p && p.type}` : 'profile'} was not scored`);
        }
    }

    function notify() {
        const q = session.qualify(engine, Date.now());
        ctx.notify({ ...q, rulesetId: engine.id, rulesetVersion: engine.version });
    }

    function apply(op) {
        if (stopped) return;
        if (!session) {
            const q = io.get('queue') || [];
            q.push(op);
            io.set('queue', q.slice(-500));
            return;
        }
        applyOne(op);
        save();
        notify();
        pump();
    }

    /** Scores the ops queued before the engine was ready (here or in another tab), a few per task. */
    async function drain() {
        if (!session) return;
        // Called as boot's answer resolves, in its last task: the first round (the
        // module's first `track`) in a task of its own.
        await tick();
        for (let round = 0; round < 40; round++) {
            const queue = io.get('queue') || [];
            if (!queue.length) break;
            const part = queue.slice(0, OPS_PER_TASK);
            for (const op of part) applyOne(op);
            const done = new Set(part.map((op) => op[2]));
            const rest = (io.get('queue') || []).filter((op) => !done.has(op[2]));
            if (rest.length) io.set('queue', rest);
            else io.del('queue');
            save();
            await tick();
        }
        notify();
        pump();
    }

    // --- delivery --------------------------------------------------------------

    /** Becomes the one tab that sends (Web Locks), or sends on its own where there are none. */
    function elect() {
        if (!granted() || sender || electing) return;
        if (!navigator.locks) {
            sender = true;
            pump();
            return;
        }
        electing = true;
        navigator.locks
            .request(`${opts.prefix}:sender`, () => {
                electing = false;
                sender = true;
                pump();
                return new Promise((r) => (release = r));
            })
            .catch((e) => report(e));
    }

    function resign() {
        sender = false;
        if (release) release();
        release = null;
    }

    function backoff(tries) {
        return Math.min(BACKOFF_MAX_MS, BACKOFF_MS * 2 ** (tries - 1)) * (0.5 + Math.random() / 2);
    }

    /** A `Retry-After` in milliseconds (seconds or an HTTP date), else 0. */
    function retryAfter(res) {
        const h = res && res.headers.get('retry-after');
        if (!h) return 0;
        const s = Number(h);
        const ms = Number.isFinite(s) ? s * 1000 : Date.parse(h) - Date.now();
        return Number.isFinite(ms) && ms > 0 ? Math.min(ms, 86_400_000) : 0;
    }

    /** Sends what is due, one signal at a time, while this tab is the sender. */
    async function pump() {
        if (!sender || busy || stopped || !granted() || navigator.onLine === false) return;
        busy = true;
        try {
            for (let i = 0; i < 20; i++) {
                const now = Date.now();
                const box = io.get('outbox') || [];
                const item = box.find((x) => x.at <= now && !(x.until > now));
                if (!item) {
                    wake(box);
                    break;
                }
                item.until = now + CLAIM_MS;
                item.by = tab;
                io.set('outbox', box);
                let res = null;
                try {
                    res = await fetch(opts.endpoint, {
                        method: 'POST',
                        body: item.b,
                        keepalive: item.b.length <= MAX_BODY,
                        credentials: 'omit',
                        referrerPolicy: 'no-referrer',
                    });
                } catch {
                    // No answer: offline, refused, not allowed by CORS, or the page is
                    // going away, which rejects a keepalive fetch that the browser still
                    // delivers. The signal stays taken a moment: if the page goes, it
                    // counts as sent (flush); if not, it is tried again.
                    await new Promise((r) => setTimeout(r, UNANSWERED_MS));
                }
                settle(item.k, res, res && res.status >= 400 && res.status < 500 ? await refusal(res) : '');
            }
        } catch (e) {
            report(e);
        } finally {
            busy = false;
        }
    }

    function wake(box) {
        clearTimeout(timer);
        let next = Infinity;
        for (const x of box) next = Math.min(next, Math.max(x.at, x.until || 0));
        if (next < Infinity) timer = setTimeout(pump, Math.max(50, next - Date.now()));
    }

    /**
     * Why the collector refused a signal, from its answer's body: the edge worker's
     * `{ error: { code, path, message } }` as "code at path: message", other text as
     * it is, at most 300 characters either way.
     */
    async function refusal(res) {
        let text = '';
        try {
            text = (await res.text()).slice(0, 4096);
            const { code, path, message } = JSON.parse(text).error;
            if (typeof message === 'string') text = `${code || 'refused'}${path ? ` at ${path}` : ''}: ${message}`;
        } catch {
            // Not the worker's JSON (or no body): the text as it came.
        }
        text = text.trim().slice(0, 300);
        return text ? ` (${text})` : '';
    }

    function settle(k, res, why = '') {
        const box = io.get('outbox') || [];
        const item = box.find((x) => x.k === k);
        if (!item) return;
        const status = res ? res.status : 0;
        const final = res && (res.ok || (status >= 400 && status < 500 && status !== 408 && status !== 429));
        if (final || item.n + 1 >= MAX_TRIES) {
            if (!res || !res.ok)
                report(`signal ${k} ${res ? `refused with HTTP ${status}${why}` : 'never delivered'}: dropped`);
            box.splice(box.indexOf(item), 1);
            delivered([k]);
        } else {
            item.n++;
            item.at = Date.now() + Math.max(retryAfter(res), backoff(item.n));
            item.until = 0;
        }
        io.set('outbox', box);
    }

    function delivered(keys) {
        for (const k of keys) if (!sent.includes(k)) sent.push(k);
        sent = sent.slice(-MAX_SENT);
        const st = io.get('state');
        if (st && st.v === 1) {
            st.sent = [...new Set([...(st.sent || []), ...keys])].slice(-MAX_SENT);
            io.set('state', st);
        }
    }

    /**
     * The page is hidden (`final` false: send what is due now, with keepalive) or
     * going away (`final`: what is in flight from this tab is left to its keepalive
     * request, and what is due goes by sendBeacon, unless the browser is offline).
     */
    function flush(final) {
        if (!granted() || stopped) return;
        if (!final) return pump();
        if (navigator.onLine !== false) {
            const now = Date.now();
            const box = io.get('outbox') || [];
            const keep = [];
            const gone = [];
            for (const x of box) {
                const flying = x.until > now && x.by === tab;
                const due = x.at <= now && !(x.until > now) && (sender || x.by === tab);
                if (flying || (due && navigator.sendBeacon && navigator.sendBeacon(opts.endpoint, x.b))) gone.push(x.k);
                else keep.push(x);
            }
            if (gone.length) {
                io.set('outbox', keep);
                delivered(gone);
            }
        }
        resign();
    }

    // --- start -------------------------------------------------------------------

    addEventListener('online', () => pump());
    addEventListener('storage', (e) => {
        if (stopped || !session) return;
        try {
            if (e.key === io.key('outbox')) pump();
            if (e.key === io.key('state') && sync()) {
                notify();
                pump();
            }
        } catch (err) {
            report(err);
        }
    });
    elect();

    const api = {
        apply: (op) => apply(op),
        drain,
        flush,
        scoring: () => !!session,
        resume: () => elect(),
        consented() {
            if (session) save();
            elect();
        },
        reset(stop) {
            stopped = stop;
            resign();
            clearTimeout(timer);
            rev = null;
            top = {};
            sent = [];
            if (session && !stop) fresh();
        },
    };

    try {
        const v = ctx.visitor();
        ({ m, engine, variant } = await loadRules(opts, v ? v.id : 'v-' + tab));
        // What the rule set reads, from the module's first calls after loading: a task of its own.
        await tick();
        reads = engine.reads;
    } catch (e) {
        report(
            e,
            `the rule set${opts.rulesUrl ? ` at ${opts.rulesUrl}` : ''} cannot be used, so the page is not scored`,
        );
        return api;
    }
    await tick();
    const st = io.get('state');
    const saved = st && st.v === 1 ? io.get('session') : null;
    if (saved) {
        session = restored(saved);
        if (session) {
            session.watch(engine);
            rev = st.rev;
            top = st.top || {};
            sent = st.sent || [];
        }
    }
    if (!session) fresh();
    await tick();
    // The kept history under these rules: a new version re-scores it, and reports
    // only the stages no version reached before.
    handle(session.evaluate(engine, Date.now()).transitions);
    // The module's first save (its JSON writer) in a task of its own.
    await tick();
    save();
    return api;
}
