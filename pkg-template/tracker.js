// The tracker's critical path (`leadscore/tracker`, and tracker.min.js built from it):
// what a page loads at once. It captures what the visitor does, holds it in a queue
// and, after the page's `load` when the browser is idle, imports tracker-core.js,
// which loads the engine, scores the queue and everything after it in the page, and
// sends upstream only stage transitions (docs/SIGNALS.md). Kept small: at most 5 KB
// gzip minified (scripts/build-pkg.sh checks it).
//
// Nothing here throws into the page: every entry point and listener runs inside
// `safe`, which reports an error on the console and carries on.
//
// Storage: localStorage keys under `${prefix}:` (default `leadscore:`), JSON values:
//   visitor  {id, n, last}: the visitor id, the visit count, the last activity
//   queue    ops captured before the engine was ready: [kind, payload, opId]
//   session, state, outbox: written by tracker-core.js
//   optout   "1" after optOut(), until consent(true)
// Before consent they live in memory only (or nowhere: `beforeConsent: 'none'`).

const KEYS = ['visitor', 'queue', 'session', 'state', 'outbox'];
/** A visit ends after 30 minutes without activity (what analytics tools count). */
const VISIT_GAP = 30 * 60_000;
/** The longest text the tracker keeps of a title, a label or a form value. */
const MAX_TEXT = 200;
const UTM = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'];

let opts = null;
/** Whether what is captured may be stored and sent: consent given, no GPC, no opt-out. */
let granted = false;
let optedOut = false;
let mem = new Map();
let visitor = null;
/** Milliseconds of visible time not yet reported, and since when the page is visible. */
let visibleMs = 0;
let visibleSince = 0;
/** The core once loaded (tracker-core.js's `boot` answer), and its pending import. */
let core = null;
let booting = null;
let last = null;
const listeners = new Set();
let isReady;
const readied = new Promise((r) => (isReady = r));

/** Runs `f`, reporting any error on the console instead of letting it reach the page. */
function safe(f) {
    return (...args) => {
        try {
            return f(...args);
        } catch (e) {
            report(e);
        }
    };
}

function report(e, what = 'error') {
    try {
        console.error(`leadscore tracker: ${what}:`, e && e.message ? e.message : e);
    } catch {
        // A console that throws: nothing more to do.
    }
}

// ---------------------------------------------------------------------------
// Storage: localStorage when allowed and available, else memory.

function area() {
    if (!granted) return null;
    try {
        return window.localStorage;
    } catch {
        return null;
    }
}

const key = (k) => `${opts.prefix}:${k}`;

/** Storage that the core shares: get, set and del of JSON values, in localStorage or memory. */
const io = {
    get(k) {
        let text = null;
        const ls = area();
        if (ls) {
            try {
                text = ls.getItem(key(k));
            } catch {
                // Blocked storage: memory only.
            }
        }
        text ??= mem.get(k);
        if (text == null) return null;
        try {
            return JSON.parse(text);
        } catch {
            return null;
        }
    },
    set(k, v) {
        const text = JSON.stringify(v);
        const ls = area();
        if (ls) {
            try {
                ls.setItem(key(k), text);
                mem.delete(k);
                return;
            } catch {
                // Full or blocked: keep it in memory.
            }
        }
        mem.set(k, text);
    },
    del(k) {
        mem.delete(k);
        const ls = area();
        try {
            if (ls) ls.removeItem(key(k));
        } catch {
            // Blocked storage: nothing was stored there.
        }
    },
    /** The key `k` names in localStorage, for `storage` events. */
    key,
};

// ---------------------------------------------------------------------------
// Capture

function id() {
    const b = crypto.getRandomValues(new Uint32Array(2));
    return b[0].toString(36) + b[1].toString(36);
}

const text = (v) => (v == null ? undefined : String(v).slice(0, MAX_TEXT));

/** Whether anything may be captured at all. */
const active = () => opts && !optedOut && (granted || opts.beforeConsent !== 'none');

/** Hands an op to the core, or queues it until the core is ready. */
function push(op) {
    if (!active()) return;
    if (core) return core.apply(op);
    const q = io.get('queue') || [];
    q.push(op);
    // At most 500 waiting ops: a page whose engine never loads holds no more.
    io.set('queue', q.slice(-500));
}

function event(type, props) {
    touch();
    const e = { ...props, type: String(type), ts: Date.now() };
    e.id = text(props && props.id) || id();
    push(['e', e, e.id]);
}

/**
 * Counts a new visit after 30 minutes without activity; keeps the visitor's record.
 * The stored record first: other tabs (and this page's own earlier loads) move it on,
 * and a copy held since this page loaded would write their count and time back.
 */
function touch() {
    const now = Date.now();
    visitor = io.get('visitor') || visitor || { id: 'v-' + id(), n: 0, last: 0 };
    const fresh = now - visitor.last > VISIT_GAP;
    if (fresh) visitor.n++;
    visitor.last = now;
    io.set('visitor', visitor);
    if (fresh) {
        const e = { type: 'visit', ts: now, id: id(), n: visitor.n, returning: visitor.n > 1 };
        push(['e', e, e.id]);
    }
}

function pageView() {
    const u = new URL(location.href);
    const props = { url: u.pathname, title: text(document.title) };
    if (document.referrer) {
        try {
            const r = new URL(document.referrer);
            props.referrer = text(r.origin + r.pathname);
        } catch {
            // A referrer that is not a URL: left out.
        }
    }
    for (const k of UTM) if (u.searchParams.has(k)) props[k] = text(u.searchParams.get(k));
    touch();
    props.visit = visitor.n;
    event('page_view', props);
}

/** Reports the visible time since the last report as a `page_time` event. */
function visibleTime() {
    if (visibleSince) visibleMs += Date.now() - visibleSince;
    visibleSince = document.visibilityState === 'visible' ? Date.now() : 0;
    const seconds = Math.round(visibleMs / 1000);
    if (seconds >= 1) {
        visibleMs = 0;
        event('page_time', { url: location.pathname, seconds });
    }
}

/** The allowlisted profile fields a form holds: numbers as numbers, dotted names nested. */
function profileOf(form) {
    const patch = {};
    let any = false;
    for (const name of opts.allow) {
        const el = form.elements && form.elements.namedItem(name);
        if (!el || el.value == null || el.value === '' || el.type === 'password') continue;
        const v = /^-?\d+(\.\d+)?$/.test(el.value) ? Number(el.value) : text(el.value);
        setPath(patch, name, v);
        any = true;
    }
    return any ? patch : null;
}

function setPath(o, path, v) {
    const [a, b] = path.split('.', 2);
    if (b === undefined) o[a] = v;
    else (o[a] = o[a] && typeof o[a] === 'object' ? o[a] : {})[b] = v;
}

/** The event a form's submission is mapped to: its data-leadscore-event, else the configuration. */
function formEvent(form) {
    const named = form.getAttribute('data-leadscore-event');
    if (named) return named;
    for (const [selector, name] of Object.entries(opts.forms)) if (form.matches(selector)) return name;
    return null;
}

function onSubmit(e) {
    const form = e.target;
    if (!(form instanceof HTMLFormElement)) return;
    const name = formEvent(form);
    if (!name) return;
    // A new visit's event first: the profile then goes with the form's own event.
    touch();
    const patch = profileOf(form);
    if (patch) push(['p', patch, id()]);
    event(name, {
        form: text(form.getAttribute('data-leadscore-form') || form.id || form.getAttribute('name') || name),
        url: location.pathname,
    });
    // The page may leave now: what the submission caused is sent before it does.
    if (core) core.flush(false);
}

function onClick(e) {
    const el = e.target instanceof Element ? e.target.closest('[data-leadscore-event]') : null;
    if (!el || el instanceof HTMLFormElement) return;
    const props = { url: location.pathname };
    const label = el.getAttribute('data-leadscore-label');
    if (label) props.label = text(label);
    event(el.getAttribute('data-leadscore-event'), props);
}

function onVisibility() {
    visibleTime();
    if (document.visibilityState === 'hidden' && core) core.flush(false);
}

function onPageHide() {
    visibleTime();
    if (core) core.flush(true);
}

function onPageShow(e) {
    if (!e.persisted) return;
    // Back from the back-forward cache: a page view of its own.
    pageView();
    if (core) core.resume();
}

// ---------------------------------------------------------------------------
// The core, loaded lazily

/**
 * Loads tracker-core.js after the page's `load`, when the browser is idle. The one
 * place that names it: bundlers split it into a chunk of its own, and the prebuilt
 * tracker.min.js loads tracker-core.min.js from beside itself.
 */
function loadCore() {
    if (booting || !active()) return;
    mark('core');
    booting = import('./tracker-core.js')
        .then((m) => m.boot({ opts, io, visitor: () => visitor, notify, report, granted: () => granted }))
        .then((c) => {
            core = c;
            // Ops queued meanwhile (in this tab, or in another before its engine was ready).
            return c.drain();
        })
        .catch((e) => report(e, 'could not load the engine'))
        .then(() => {
            mark('ready');
            isReady(!!(core && core.scoring()));
        });
}

/** A User Timing mark (`leadscore:start`, `:core`, `:ready`), for the page's performance tools. */
function mark(name) {
    try {
        performance.mark('leadscore:' + name);
    } catch {
        // No User Timing: nothing to mark.
    }
}

function whenIdle() {
    const go = () =>
        window.requestIdleCallback ? requestIdleCallback(loadCore, { timeout: 4000 }) : setTimeout(loadCore, 1);
    if (document.readyState === 'complete') go();
    else addEventListener('load', go, { once: true });
}

/** Called by the core with each provisional score: the page's callbacks and a DOM event. */
function notify(q) {
    last = q;
    for (const cb of listeners) {
        try {
            cb(q);
        } catch (e) {
            report(e, 'an onScore callback threw');
        }
    }
    try {
        document.dispatchEvent(new CustomEvent('leadscore:score', { detail: q }));
    } catch (e) {
        report(e);
    }
}

// ---------------------------------------------------------------------------
// The API

/**
 * Starts the tracker once per page: records a page view and listens to forms,
 * marked clicks and visible time; loads the engine after `load` when idle.
 */
export const start = safe((options = {}) => {
    if (opts) return;
    mark('start');
    opts = {
        prefix: 'leadscore',
        allow: [],
        forms: {},
        beforeConsent: 'memory',
        ...options,
    };
    if (typeof opts.allow === 'string')
        opts.allow = opts.allow
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
    if (!opts.endpoint) report('no endpoint: transitions are scored in the page and never sent', 'warning');
    try {
        optedOut = localStorage.getItem(key('optout')) === '1';
    } catch {
        // Blocked storage: no opt-out could have been stored either.
    }
    granted = opts.consent === true && !gpc();
    if (opts.onScore) listeners.add(opts.onScore);
    addEventListener('submit', safe(onSubmit), true);
    addEventListener('click', safe(onClick), true);
    addEventListener('visibilitychange', safe(onVisibility));
    addEventListener('pagehide', safe(onPageHide));
    addEventListener('pageshow', safe(onPageShow));
    visibleSince = document.visibilityState === 'visible' ? Date.now() : 0;
    pageView();
    whenIdle();
});

/** Global Privacy Control, when the site asked for it to be honoured. */
const gpc = () => opts.gpc === true && navigator.globalPrivacyControl === true;

/** Records an event of the site's own: `track('pricing_calculator', { seats: 40 })`. */
export const track = safe((type, props = {}) => {
    if (opts) event(type, props && typeof props === 'object' ? props : {});
});

/**
 * The visitor is a known lead from now on; their anonymous history counts for the
 * lead. `profile` keeps only the fields of the allowlist.
 */
export const identify = safe((leadId, profile) => {
    if (!opts) return;
    const patch = {};
    for (const name of opts.allow) {
        const [a, b] = name.split('.', 2);
        const v = b === undefined ? profile?.[a] : profile?.[a]?.[b];
        if (v !== undefined) setPath(patch, name, v);
    }
    push(['i', { lead: String(leadId), profile: patch }, id()]);
});

/**
 * Consent given (true) or withdrawn (false). Given: what was held in memory is
 * stored, and transitions are sent. Withdrawn: everything stored is removed.
 */
export const consent = safe((given) => {
    if (!opts) return;
    if (given && gpc()) return report('Global Privacy Control is on: consent is not taken', 'warning');
    if (given) {
        optedOut = false;
        try {
            localStorage.removeItem(key('optout'));
        } catch {
            // Blocked storage.
        }
        if (granted) return;
        granted = true;
        // What the page held in memory moves to storage (merged by the core when it runs).
        const held = mem;
        mem = new Map();
        for (const [k, v] of held) {
            if (k === 'queue') {
                const q = io.get('queue') || [];
                io.set('queue', q.concat(JSON.parse(v)));
            } else if (io.get(k) == null) {
                io.set(k, JSON.parse(v));
            } else mem.set(k, v);
        }
        if (core) core.consented();
        else whenIdle();
    } else {
        granted = false;
        clear();
    }
});

/** Removes everything the tracker stored or holds, and stops it until consent(true). */
export const optOut = safe(() => {
    if (!opts) return;
    granted = false;
    optedOut = true;
    clear();
    try {
        localStorage.setItem(key('optout'), '1');
    } catch {
        // Blocked storage: the opt-out holds for this page.
    }
});

function clear() {
    const ls = (() => {
        try {
            return localStorage;
        } catch {
            return null;
        }
    })();
    for (const k of KEYS) {
        try {
            if (ls) ls.removeItem(key(k));
        } catch {
            // Blocked storage.
        }
    }
    mem = new Map();
    // A new visitor from now on (stored at its first event), whose id the core's fresh session takes.
    visitor = { id: 'v-' + id(), n: 0, last: 0 };
    last = null;
    if (core) core.reset(optedOut || opts.beforeConsent === 'none');
}

/** Calls `cb` with each provisional score (and the last one at once, if any); returns an unsubscribe function. */
export const onScore = safe((cb) => {
    listeners.add(cb);
    if (last) Promise.resolve().then(() => listeners.has(cb) && safe(cb)(last));
    return () => listeners.delete(cb);
});

/** The last provisional score, or null before the engine is ready. */
export const score = () => last;

/** Resolves once the engine is ready and the queue scored (true), or could not be (false). */
export const ready = () => readied;
