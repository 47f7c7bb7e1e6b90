// The funnel an A/B test of definitions is judged by, per variant: visitors, MQLs,
// SQLs, the MQL-to-SQL conversion rate, the median time from MQL to SQL and from MQL
// to the CRM's acceptance, and the SLAs missed. One `Funnel` Durable Object per
// experiment (the rule-set id pages ask for; a rule set in no experiment is its own,
// its leads under the variant `none`), told by the lead objects as their leads move.
//
// Visitors: distinct visitor ids that fetched the experiment's rule set with their id
// (`GET /rules/:id?visitor=`), counted when first seen: signals come only at
// transitions, so the rule-set fetch is where every visitor, qualified or not, is
// seen. The ids are kept
// in the object's storage (one row each, never in memory), exactly, up to
// MAX_VISITORS per variant; past that, `visitors` stops growing and `visitorsCapped`
// is true.
import { DurableObject } from 'cloudflare:workers';
import { experimentOf } from './variants.js';

/** Distinct visitor ids kept per variant. */
export const MAX_VISITORS = 1_000_000;
/** Durations kept per variant for the medians: the newest. */
export const MAX_DURATIONS = 10_000;

// The counts of a variant are one small value (`variant:<name>`), rewritten on each
// change; the durations each their own list (`toSql:<name>`, `toAccepted:<name>`, at
// most MAX_DURATIONS numbers, under 100 KB), written only when one is added.
const empty = () => ({ visitors: 0, visitorsCapped: false, mqls: 0, sqls: 0, mqlThenSql: 0, slaMissed: 0 });

function median(xs) {
    if (xs.length === 0) return null;
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export class Funnel extends DurableObject {
    async #update(variant, change) {
        const name = `variant:${variant}`;
        const stats = (await this.ctx.storage.get(name)) ?? empty();
        change(stats);
        await this.ctx.storage.put(name, stats);
    }

    /** A visitor fetched the rule set: counted once per variant. */
    async visitor(variant, visitor) {
        const name = `variant:${variant}`;
        const seen = `seen:${variant}:${visitor}`;
        const got = await this.ctx.storage.get([name, seen]);
        if (got.get(seen)) return;
        const stats = got.get(name) ?? empty();
        if (stats.visitors >= MAX_VISITORS) {
            if (!stats.visitorsCapped) await this.ctx.storage.put(name, { ...stats, visitorsCapped: true });
            return;
        }
        stats.visitors++;
        await this.ctx.storage.put({ [name]: stats, [seen]: 1 });
    }

    /**
     * A lead reached `stage` (first time for this lead); `sinceMql`: ms since its MQL
     * when it had one, `acceptedSinceMql` likewise for the CRM's first acceptance.
     */
    async record(variant, { stage, sinceMql = null, acceptedSinceMql = null, slaMissed = false }) {
        await this.#update(variant, (s) => {
            if (stage === 'mql') s.mqls++;
            if (stage === 'sql') s.sqls++;
            if (stage === 'sql' && sinceMql !== null) s.mqlThenSql++;
            if (slaMissed) s.slaMissed++;
        });
        if (stage === 'sql' && sinceMql !== null) await this.#add(`toSql:${variant}`, sinceMql);
        if (acceptedSinceMql !== null) await this.#add(`toAccepted:${variant}`, acceptedSinceMql);
    }

    async #add(name, ms) {
        const list = (await this.ctx.storage.get(name)) ?? [];
        list.push(ms);
        await this.ctx.storage.put(name, list.slice(-MAX_DURATIONS));
    }

    /** The report: per variant, the counts, the rate and the medians (ms). */
    async report() {
        const out = {};
        for (const [name, s] of await this.ctx.storage.list({ prefix: 'variant:' })) {
            const variant = name.slice('variant:'.length);
            const durations = await this.ctx.storage.get([`toSql:${variant}`, `toAccepted:${variant}`]);
            out[variant] = {
                visitors: s.visitors,
                visitorsCapped: s.visitorsCapped,
                mqls: s.mqls,
                sqls: s.sqls,
                mqlToSql: { converted: s.mqlThenSql, rate: s.mqls ? s.mqlThenSql / s.mqls : null },
                medianMs: {
                    mqlToSql: median(durations.get(`toSql:${variant}`) ?? []),
                    mqlToAccepted: median(durations.get(`toAccepted:${variant}`) ?? []),
                },
                slaMissed: s.slaMissed,
            };
        }
        return out;
    }
}

/** The experiment (the funnel's name) a lead on rule set `rulesetId` counts in. */
export function funnelOf(env, rulesetId) {
    return experimentOf(env, rulesetId)?.id ?? rulesetId;
}

export function funnelStub(env, experiment) {
    return env.FUNNELS.get(env.FUNNELS.idFromName(experiment));
}
