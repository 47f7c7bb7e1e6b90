// A/B tests of definitions: `VARIANTS` (a JSON var) gives, per rule-set id a page
// asks for (the experiment), its variants, each a rule set and a weight. A visitor's
// variant is a deterministic function of the experiment id and the visitor id, the
// same at every edge location and across deploys while the variants and their weights
// and order stay the same:
//
//   u     = the first 4 bytes of SHA-256(UTF-8 of `${experiment}:${visitor}`), big-endian,
//           as an unsigned 32-bit number
//   point = u / 2^32 × (the sum of the weights)
//   the variant is the first, in the configured order, whose running sum of weights
//   exceeds `point`.
//
// Each variant gets a share of visitors equal to its weight over the sum, and a visitor
// keeps theirs when weights are unchanged. `assignVariant` is the function.
import { RULE_SETS } from './rulesets.js';
import { ConfigError, isObject, jsonVar, onlyKeys, positiveNumber } from './json-config.js';
import { Problem } from './http.js';

/** A variant's name is sent as a header: letters, digits, `-` and `_`, 1 to 64. */
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** @param {unknown} value @param {string} path */
function checkVariants(value, path) {
    if (!isObject(value)) throw new ConfigError(path, 'must be an object: {experiment: [{variant, ruleset, weight}]}');
    const known = new Set(RULE_SETS.map((r) => r.id));
    const experiments = new Map();
    for (const [experiment, list] of Object.entries(value)) {
        const at = `${path}.${experiment}`;
        if (!Array.isArray(list) || list.length === 0)
            throw new ConfigError(at, 'must be a non-empty list of variants');
        const names = new Set();
        let sum = 0;
        const variants = list.map((v, i) => {
            const vat = `${at}[${i}]`;
            onlyKeys(v, vat, ['variant', 'ruleset', 'weight']);
            if (typeof v.variant !== 'string' || !NAME.test(v.variant))
                throw new ConfigError(`${vat}.variant`, 'must be 1 to 64 letters, digits, - or _');
            if (names.has(v.variant)) throw new ConfigError(`${vat}.variant`, `${v.variant} is listed twice`);
            names.add(v.variant);
            const ruleset = v.ruleset ?? experiment;
            if (!known.has(ruleset))
                throw new ConfigError(`${vat}.ruleset`, `no rule set ${ruleset} (known: ${[...known].join(', ')})`);
            const weight = positiveNumber(v.weight, `${vat}.weight`);
            sum += weight;
            return { variant: v.variant, ruleset, weight, upTo: sum };
        });
        experiments.set(experiment, { id: experiment, variants, sum });
    }
    return experiments;
}

/** The experiments configured (`VARIANTS`), by the rule-set id pages ask for. */
export function variantsConfig(env) {
    return jsonVar(env, 'VARIANTS', checkVariants, new Map());
}

/** The variant of `visitor` in `experiment` (`variantsConfig`'s entry): see the top of this file. */
export async function assignVariant(experiment, visitor) {
    const bytes = new TextEncoder().encode(`${experiment.id}:${visitor}`);
    const hash = new DataView(await crypto.subtle.digest('SHA-256', bytes));
    const point = (hash.getUint32(0) / 2 ** 32) * experiment.sum;
    return experiment.variants.find((v) => point < v.upTo) ?? experiment.variants.at(-1);
}

/** The experiment whose variants include rule set `rulesetId`, if any. */
export function experimentOf(env, rulesetId) {
    for (const e of variantsConfig(env).values()) if (e.variants.some((v) => v.ruleset === rulesetId)) return e;
    return null;
}

/**
 * The variant of a signal (checked by `checkSignal`): the visitor's assignment when
 * its rule set is in an experiment, which must be the variant the signal names (if it
 * names one) and use the rule set it names; a rule set in no experiment has no
 * variant, and a signal naming one is refused.
 * Answers `{ experiment, variant }`; throws a 422 `variantMismatch` naming the path.
 */
export async function signalVariant(env, signal) {
    const experiment = experimentOf(env, signal.ruleset.id);
    if (!experiment) {
        // A variant of no A/B test would make up a row of the funnel.
        if (signal.ruleset.variant !== undefined)
            throw new Problem(
                422,
                'variantMismatch',
                `rule set ${signal.ruleset.id} is in no A/B test (VARIANTS): it has no variant ${signal.ruleset.variant}`,
                'ruleset.variant',
                { assigned: null },
            );
        return { experiment: signal.ruleset.id, variant: null };
    }
    const assigned = await assignVariant(experiment, signal.visitor);
    const claimed = signal.ruleset.variant;
    if (claimed !== undefined && claimed !== assigned.variant)
        throw new Problem(
            422,
            'variantMismatch',
            `visitor ${signal.visitor} is assigned variant ${assigned.variant} of ${experiment.id}, not ${claimed}`,
            'ruleset.variant',
            { assigned: assigned.variant },
        );
    if (assigned.ruleset !== signal.ruleset.id)
        throw new Problem(
            422,
            'variantMismatch',
            `visitor ${signal.visitor} is assigned variant ${assigned.variant} of ${experiment.id} (rule set ${assigned.ruleset}), not rule set ${signal.ruleset.id}`,
            'ruleset.id',
            { assigned: assigned.variant },
        );
    return { experiment: experiment.id, variant: assigned.variant };
}

/** Where a page names its visitor when it fetches a rule set: the query parameter, or the header. */
export const VISITOR_PARAM = 'visitor';
export const VISITOR_HEADER = 'x-leadscore-visitor';

/**
 * For `GET /rules/:id`: when `id` is an experiment, the visitor's variant
 * `{ ruleset, variant, headers }` (the visitor counted in the funnel, after the
 * answer); null when it is not. The answer is the visitor's own: `private` caching,
 * and `Vary` on the header (the query parameter is in the URL already).
 */
export async function rulesVariant(request, env, ctx, id) {
    const experiment = variantsConfig(env).get(id);
    if (!experiment) return null;
    const visitor = new URL(request.url).searchParams.get(VISITOR_PARAM) ?? request.headers.get(VISITOR_HEADER);
    if (!visitor || visitor.length > 256)
        throw new Problem(
            400,
            visitor ? 'invalidField' : 'missingField',
            `rule set ${id} is an A/B test: name the visitor (1 to 256 characters) in ?${VISITOR_PARAM}= or ${VISITOR_HEADER}`,
            VISITOR_PARAM,
        );
    const assigned = await assignVariant(experiment, visitor);
    const count = env.FUNNELS.get(env.FUNNELS.idFromName(experiment.id)).visitor(assigned.variant, visitor);
    if (ctx?.waitUntil) ctx.waitUntil(count);
    else await count;
    return {
        ruleset: assigned.ruleset,
        variant: assigned.variant,
        headers: { 'cache-control': 'private, max-age=60', 'x-leadscore-variant': assigned.variant },
    };
}
