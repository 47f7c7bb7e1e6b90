// `GET /leads/:id` for sales tools: one lead's current score, stage, band, grade and
// matrix, and the package's explanation (`session.score`: every rule that fired and
// every limit that bit, the stage's reason), behind the `SALES_TOKEN` bearer token.
import { Session } from 'leadscore';
import { Problem, json } from './http.js';
import { ruleSet } from './rulesets.js';
import { requireBearer } from './sales.js';
import { leadObject, stub, visitorObject } from './identity.js';

/** `GET /leads/:id`: 401 without the token, 404 for no lead id this worker has scored. */
export async function getLead(request, env, id) {
    await requireBearer(request, env, 'SALES_TOKEN');
    const answer = await stub(env, leadObject(id)).standing(Date.now());
    if (!answer?.standing) throw new Problem(404, 'unknownLead', `no lead ${id} (by its lead id)`, 'id');
    return json(answer.standing, 200, { 'cache-control': 'no-store' });
}

/**
 * `GET /visitors/:id`: the same for a visitor id (an anonymous lead); once the visitor
 * was merged into a lead (src/identity.js), the lead's standing.
 */
export async function getVisitor(request, env, id) {
    await requireBearer(request, env, 'SALES_TOKEN');
    let answer = await stub(env, visitorObject(id)).standing(Date.now());
    if (answer?.alias) answer = await stub(env, leadObject(answer.alias)).standing(Date.now());
    if (!answer?.standing) throw new Problem(404, 'unknownLead', `no visitor ${id}`, 'id');
    return json(answer.standing, 200, { 'cache-control': 'no-store' });
}

/**
 * In the lead's object: its standing at `now` from what it stored (`session`,
 * `ruleset`: the id of the rule set it was last scored with, `account`), scored
 * with that rule set's current version; null when there is no session.
 * @param {Record<string, any>} env
 * @param {Map<string, any>} stored
 * @param {number} now
 */
export async function standing(env, stored, now) {
    const saved = stored.get('session');
    const rulesetId = stored.get('ruleset');
    if (!saved || !rulesetId) return null;
    const rules = await ruleSet(rulesetId);
    if (!rules) return null;
    const session = Session.restoreBytes(saved);
    try {
        const r = session.score(rules.engine, now);
        const account = stored.get('account');
        return {
            lead: session.leadId ?? null,
            visitor: session.id,
            ruleset: { id: r.rulesetId, version: r.rulesetVersion },
            at: now,
            score: {
                total: r.total,
                fit: r.fit,
                engagement: r.engagement,
                band: r.band,
                grade: r.grade,
                level: r.level,
                matrix: r.matrix,
                disqualified: r.disqualified,
            },
            stage: r.stage,
            explanation: {
                stageReason: r.stageReason,
                contributions: r.contributions,
                ...(r.disqualifications ? { disqualifications: r.disqualifications } : {}),
                events: r.events,
            },
            account: account && env.ACCOUNTS ? await accountSummary(env, account) : null,
        };
    } finally {
        session.free();
    }
}

async function accountSummary(env, account) {
    return env.ACCOUNTS.get(env.ACCOUNTS.idFromName(`${account.source}:${account.id}`)).summary();
}
