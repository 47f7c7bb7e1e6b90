// Routing: who in sales gets a qualified lead. `ROUTING` (a JSON var) lists rules,
// first match wins: by a profile field's value (territory: `country` or `region`;
// industry: `company.industry`), by a number's range (company size:
// `company.size`), or none (every lead); each names an `owner`, or a `team` whose
// members take turns (round-robin, counted in one `RoundRobin` Durable Object per
// team, so the turns are the same whichever edge location routes). No rule matching,
// the `default` owner. Rules, fields and examples: edge/README.md, "Routing".
import { DurableObject } from 'cloudflare:workers';
import { STAGES } from './signal.js';
import { ConfigError, isObject, jsonVar, nonEmptyText, onlyKeys } from './json-config.js';

const RULE_KEYS = ['name', 'field', 'in', 'min', 'max', 'stages', 'owner', 'team'];

/** @param {unknown} value @param {string} path */
function checkRouting(value, path) {
    onlyKeys(value, path, ['rules', 'teams', 'default']);
    const teams = new Map();
    if (value.teams !== undefined) {
        if (!isObject(value.teams)) throw new ConfigError(`${path}.teams`, 'must be an object of team: [owner, …]');
        for (const [team, members] of Object.entries(value.teams)) {
            const at = `${path}.teams.${team}`;
            if (!Array.isArray(members) || members.length === 0)
                throw new ConfigError(at, 'must be a non-empty list of owners');
            members.forEach((m, i) => nonEmptyText(m, `${at}[${i}]`));
            teams.set(team, members);
        }
    }
    const fallback = nonEmptyText(value.default, `${path}.default`);
    if (!Array.isArray(value.rules)) throw new ConfigError(`${path}.rules`, 'must be a list of rules');
    const rules = value.rules.map((r, i) => {
        const at = `${path}.rules[${i}]`;
        onlyKeys(r, at, RULE_KEYS);
        const rule = { name: r.name === undefined ? `rules[${i}]` : nonEmptyText(r.name, `${at}.name`) };
        if (r.field !== undefined) {
            rule.field = nonEmptyText(r.field, `${at}.field`).split('.');
            const hasRange = r.min !== undefined || r.max !== undefined;
            if ((r.in === undefined) === !hasRange)
                throw new ConfigError(`${at}`, 'a rule with a field needs either `in` or `min`/`max`');
            if (r.in !== undefined) {
                if (!Array.isArray(r.in) || r.in.length === 0)
                    throw new ConfigError(`${at}.in`, 'must be a non-empty list of values');
                rule.in = new Set(
                    r.in.map((v, j) => {
                        if (typeof v !== 'string' && typeof v !== 'number')
                            throw new ConfigError(`${at}.in[${j}]`, 'must be a string or a number');
                        return String(v).toLowerCase();
                    }),
                );
            }
            for (const k of ['min', 'max'])
                if (r[k] !== undefined) {
                    if (typeof r[k] !== 'number' || !Number.isFinite(r[k]))
                        throw new ConfigError(`${at}.${k}`, 'must be a number');
                    rule[k] = r[k];
                }
        } else if (r.in !== undefined || r.min !== undefined || r.max !== undefined) {
            throw new ConfigError(`${at}.field`, '`in`, `min` and `max` test a field: name it');
        }
        if (r.stages !== undefined) {
            if (!Array.isArray(r.stages) || r.stages.length === 0)
                throw new ConfigError(`${at}.stages`, 'must be a non-empty list of stages');
            r.stages.forEach((s, j) => {
                if (!STAGES.includes(s) || s === 'none')
                    throw new ConfigError(`${at}.stages[${j}]`, `must be one of ${STAGES.slice(1).join(', ')}`);
            });
            rule.stages = new Set(r.stages);
        }
        if ((r.owner === undefined) === (r.team === undefined))
            throw new ConfigError(at, 'a rule names either an `owner` or a `team`');
        if (r.owner !== undefined) rule.owner = nonEmptyText(r.owner, `${at}.owner`);
        else {
            rule.team = nonEmptyText(r.team, `${at}.team`);
            if (!teams.has(rule.team)) throw new ConfigError(`${at}.team`, `no team ${rule.team} in ${path}.teams`);
        }
        return rule;
    });
    return { rules, teams, default: fallback };
}

/** The routing configured (`ROUTING`), checked; null when there is none. */
export function routingConfig(env) {
    return jsonVar(env, 'ROUTING', checkRouting, null);
}

function fieldOf(profile, path) {
    let v = profile;
    for (const k of path) {
        if (!isObject(v)) return undefined;
        v = v[k];
    }
    return v;
}

function matches(rule, profile, stage) {
    if (rule.stages && !rule.stages.has(stage)) return false;
    if (!rule.field) return true;
    const v = fieldOf(profile, rule.field);
    if (rule.in) return (typeof v === 'string' || typeof v === 'number') && rule.in.has(String(v).toLowerCase());
    if (typeof v !== 'number' || !Number.isFinite(v)) return false;
    return (rule.min === undefined || v >= rule.min) && (rule.max === undefined || v <= rule.max);
}

/**
 * The owner for a lead with `profile` reaching `stage`: `{ id, rule, team? }` (`rule`
 * is the matching rule's name, or `default`); null when no routing is configured.
 */
export async function route(env, profile, stage) {
    const config = routingConfig(env);
    if (!config) return null;
    for (const rule of config.rules) {
        if (!matches(rule, profile ?? {}, stage)) continue;
        if (rule.owner) return { id: rule.owner, rule: rule.name };
        const members = config.teams.get(rule.team);
        const turns = env.ROUND_ROBIN.get(env.ROUND_ROBIN.idFromName(rule.team));
        const id = await turns.next(members);
        return { id, rule: rule.name, team: rule.team };
    }
    return { id: config.default, rule: 'default' };
}

/** One team's turns: the next member, in the configured order, for each lead routed to it. */
export class RoundRobin extends DurableObject {
    /** @param {string[]} members */
    async next(members) {
        const turn = (await this.ctx.storage.get('turn')) ?? 0;
        await this.ctx.storage.put('turn', turn + 1);
        return members[turn % members.length];
    }
}
