// What the CRM's webhook is sent for one transition, by `CRM_SHAPE`:
// - `generic` (the default): the queue's message as it is (edge/README.md).
// - `hubspot`: HubSpot's CRM v3 contacts batch upsert
//   (`POST /crm/v3/objects/contacts/batch/upsert`), one input per transition:
//   `{ inputs: [{ idProperty: 'email', id: <lead>, objectWriteTraceId: <key>,
//   properties: { … } }] }`, the score, stage and account as contact properties and
//   the stage as `lifecyclestage`. `HUBSPOT_MAPPING` (JSON) renames or leaves out
//   properties and maps stages to lifecycle stages.

/** The HubSpot mapping unless `HUBSPOT_MAPPING` says otherwise: contact property names, null to leave one out. */
export const HUBSPOT_DEFAULTS = {
    idProperty: 'email',
    properties: {
        score: 'leadscore_score',
        stage: 'leadscore_stage',
        fit: 'leadscore_fit',
        engagement: 'leadscore_engagement',
        band: 'leadscore_band',
        grade: 'leadscore_grade',
        matrix: 'leadscore_matrix',
        reason: 'leadscore_reason',
        stageAt: 'leadscore_stage_at',
        ruleset: 'leadscore_ruleset',
        variant: 'leadscore_variant',
        owner: 'leadscore_owner',
        account: 'leadscore_account',
        accountHighestScore: 'leadscore_account_highest_score',
        accountSummedScore: 'leadscore_account_summed_score',
        accountEngagedLeads: 'leadscore_account_engaged_leads',
    },
    // HubSpot's own lifecycle stages; a stage mapped to null leaves lifecyclestage as it is
    // (HubSpot moves it forward only). A PQL has no default stage there.
    lifecyclestage: {
        none: null,
        mql: 'marketingqualifiedlead',
        pql: null,
        sql: 'salesqualifiedlead',
    },
};

export class ConfigError extends Error {}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The HubSpot mapping: `HUBSPOT_MAPPING` (JSON text: `idProperty`, `properties`,
 * `lifecyclestage`, each key optional) over the defaults. A mapping that is not one
 * throws a `ConfigError` naming its path.
 * @param {string | undefined} text
 */
export function hubspotMapping(text) {
    if (!text) return HUBSPOT_DEFAULTS;
    let given;
    try {
        given = JSON.parse(text);
    } catch (err) {
        throw new ConfigError(`HUBSPOT_MAPPING is not JSON: ${err.message}`);
    }
    if (!isObject(given)) throw new ConfigError('HUBSPOT_MAPPING must be a JSON object');
    for (const key of Object.keys(given))
        if (!(key in HUBSPOT_DEFAULTS)) throw new ConfigError(`HUBSPOT_MAPPING.${key} is not a mapping key`);
    const out = {
        idProperty: given.idProperty ?? HUBSPOT_DEFAULTS.idProperty,
        properties: { ...HUBSPOT_DEFAULTS.properties },
        lifecyclestage: { ...HUBSPOT_DEFAULTS.lifecyclestage },
    };
    if (typeof out.idProperty !== 'string' || !out.idProperty)
        throw new ConfigError('HUBSPOT_MAPPING.idProperty must be a property name');
    for (const section of ['properties', 'lifecyclestage']) {
        if (given[section] === undefined) continue;
        if (!isObject(given[section])) throw new ConfigError(`HUBSPOT_MAPPING.${section} must be an object`);
        for (const [key, value] of Object.entries(given[section])) {
            const path = `HUBSPOT_MAPPING.${section}.${key}`;
            if (!(key in out[section])) throw new ConfigError(`${path} is not one of ${Object.keys(out[section])}`);
            if (value !== null && (typeof value !== 'string' || !value))
                throw new ConfigError(`${path} must be a name or null`);
            out[section][key] = value;
        }
    }
    return out;
}

/**
 * Whether the configured shape needs a contact id (the lead's) to send a transition:
 * an anonymous visitor's transition is then held by its object until the visitor is
 * identified (src/lead-state.js), not queued.
 * @param {Record<string, any>} env
 */
export function needsContactId(env) {
    return (env.CRM_SHAPE || 'generic') === 'hubspot';
}

/**
 * The request body for the generic delivery `message`, in the configured shape:
 * `{ body }`, or `{ skip }` saying why the CRM cannot take it (a HubSpot contact
 * needs the lead's id, an email address by default; an anonymous visitor has none).
 * @param {Record<string, any>} message
 * @param {Record<string, any>} env
 */
export function crmBody(message, env) {
    const shape = env.CRM_SHAPE || 'generic';
    if (shape === 'generic') return { body: message };
    if (shape !== 'hubspot') throw new ConfigError(`CRM_SHAPE must be generic or hubspot, not ${shape}`);
    const mapping = hubspotMapping(env.HUBSPOT_MAPPING);
    if (!message.lead) return { skip: `no lead id: an anonymous visitor is no HubSpot contact` };
    if (mapping.idProperty === 'email' && !/^[^@\s]+@[^@\s]+$/.test(message.lead))
        return { skip: `lead ${message.lead} is not an email address (HubSpot's idProperty)` };
    const account = message.account;
    const values = {
        score: message.score?.total,
        stage: message.to,
        fit: message.score?.fit,
        engagement: message.score?.engagement,
        band: message.score?.band,
        grade: message.score?.grade,
        matrix: message.score?.matrix,
        reason: message.reason,
        stageAt: Number.isFinite(message.at) ? new Date(message.at).toISOString() : undefined,
        ruleset: message.ruleset ? `${message.ruleset.id}@${message.ruleset.version}` : undefined,
        variant: message.ruleset?.variant ?? undefined,
        // Routing's owner (src/routing.js): map it to `hubspot_owner_id` when owners are HubSpot owner ids.
        owner: message.owner?.id,
        account: account?.id,
        accountHighestScore: account?.highestScore,
        accountSummedScore: account?.summedScore,
        accountEngagedLeads: account?.engagedCount,
    };
    // HubSpot takes property values as text.
    const properties = {};
    for (const [key, name] of Object.entries(mapping.properties))
        if (name && values[key] !== undefined && values[key] !== null) properties[name] = String(values[key]);
    const lifecycle = mapping.lifecyclestage[message.to];
    if (lifecycle) properties.lifecyclestage = lifecycle;
    return {
        body: {
            inputs: [{ idProperty: mapping.idProperty, id: message.lead, objectWriteTraceId: message.key, properties }],
        },
    };
}
