// Types of `leadscore/tracker` (tracker.js) and of `window.leadscore` defined by the
// prebuilt tracker.min.js. Kept by hand beside the JavaScript they describe;
// tests/js/types.test.mjs compiles a use of every member with `tsc --strict`.

import type { Qualification, RuleSet } from './index.js';

export interface TrackerOptions {
    /** The rule set itself: an object or JSON text (the full engine compiles it), or compiled bytes (the page engine loads them). */
    rules?: RuleSet | string | Uint8Array;
    /**
     * Where the rule set is served: JSON (a content type naming `json`), or a compiled
     * rule set (any other content type), read by `Engine.fromCompiled` where the engine has it.
     * `{visitor}` in it is replaced by the visitor id, for a server that assigns A/B
     * variants by visitor (the edge worker: `/rules/b2b?visitor={visitor}`); before
     * consent that id is one for this page load only, never stored.
     */
    rulesUrl?: string;
    /** Where signals are POSTed (docs/SIGNALS.md). Without it nothing is ever sent. */
    endpoint?: string;
    /** Consent given at start. Default false: nothing is stored or sent until `consent(true)`. */
    consent?: boolean;
    /** Before consent: score in memory only (default), or capture nothing at all. */
    beforeConsent?: 'memory' | 'none';
    /** Honour Global Privacy Control: with it on, consent is never taken. Default false. */
    gpc?: boolean;
    /**
     * Profile fields the tracker may read from form fields of the same name and keep
     * from `identify` (`"company.size"` reads one level deep). Nothing else of a form is read.
     */
    allow?: string[] | string;
    /** Forms mapped to event names by CSS selector, beside `data-leadscore-event` attributes. */
    forms?: Record<string, string>;
    /** The rule set's variant (an A/B test), carried by each signal; else the `x-leadscore-variant` header of `rulesUrl`. */
    variant?: string;
    /** The prefix of the localStorage keys (default `leadscore`). */
    prefix?: string;
    /**
     * Where the engine's `.wasm` is, when not beside the package's JavaScript:
     * `leadscore_page_bg.wasm` for a compiled rule set, `leadscore_bg.wasm` for JSON.
     */
    wasmUrl?: string | URL;
    /** Called with each provisional score, as `onScore`. */
    onScore?: (score: PageScore) => void;
}

/** The provisional score in the page: the session's `Qualification` and the rule set it is under. */
export interface PageScore extends Qualification {
    rulesetId: string;
    rulesetVersion: string;
}

/** Starts the tracker (once per page): a page view now, forms, marked clicks and visible time from now on. */
export declare function start(options: TrackerOptions): void;
/** Records an event of the site's own. */
export declare function track(type: string, props?: Record<string, unknown>): void;
/** The visitor is this lead from now on; `profile` keeps only the allowlisted fields. */
export declare function identify(leadId: string, profile?: Record<string, unknown>): void;
/** Consent given (true: storage and sending start) or withdrawn (false: what was stored is removed). */
export declare function consent(given: boolean): void;
/** Removes everything the tracker stored or holds; nothing is captured until `consent(true)`. */
export declare function optOut(): void;
/** Calls `cb` with each provisional score; returns a function that stops it. The page also gets a `leadscore:score` event on `document`. */
export declare function onScore(cb: (score: PageScore) => void): () => void;
/** The last provisional score, or null before the engine is ready. */
export declare function score(): PageScore | null;
/** Resolves once the engine is ready and what was queued is scored (true), or could not be (false). */
export declare function ready(): Promise<boolean>;

declare global {
    interface DocumentEventMap {
        'leadscore:score': CustomEvent<PageScore>;
    }
}
