// The configured rule sets: bundled with the worker (the repository's examples),
// compiled once per isolate when first used, and served to pages compiled (`.lsc`)
// and as JSON.
import { Engine, compileRuleSet } from 'leadscore';
import b2bSaas from '../../examples/b2b-saas/ruleset.json';
import productLed from '../../examples/product-led/ruleset.json';
import domainDefaults from '../../examples/domain-defaults/ruleset.json';

/** Every rule set this worker scores with, by id; each id's current version is the one listed. */
export const RULE_SETS = [b2bSaas, productLed, domainDefaults];

/** @type {Map<string, { json: string, engine: Engine, compiled: Uint8Array, etags: { json: string, lsc: string } }>} */
const loaded = new Map();

async function digest(bytes) {
    const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    return [...hash.slice(0, 12)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The rule set `id` (its current version), compiled; null when no such rule set is configured.
 * @param {string} id
 */
export async function ruleSet(id) {
    const have = loaded.get(id);
    if (have) return have;
    const source = RULE_SETS.find((r) => r.id === id);
    if (!source) return null;
    const engine = new Engine(source);
    const compiled = compileRuleSet(source);
    // A relative `$schema` names a file of this repository, which a page cannot reach.
    const { $schema, ...served } = source;
    const json = JSON.stringify(/^https?:/.test($schema ?? '') ? source : served);
    const version = `${source.id}@${source.version}`;
    const etags = {
        json: `"${version}-json-${await digest(new TextEncoder().encode(json))}"`,
        lsc: `"${version}-lsc-${await digest(compiled)}"`,
    };
    const entry = { json, engine, compiled, etags, version: source.version };
    loaded.set(id, entry);
    return entry;
}
