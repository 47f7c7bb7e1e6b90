// The delivery queue's consumer: each confirmed transition POSTed to the CRM's
// webhook with its idempotency key as a header. A failure is retried by the queue
// with exponential backoff; after the consumer's max_retries it goes to the dead-letter
// queue (wrangler.toml). SLA escalations travel the same way to their own webhook,
// in their own shape.
import { crmBody } from './crm-shapes.js';
import { ESCALATION, webhookFor } from './sla.js';

/**
 * Seconds before the next try after `attempts` tries: `base` (`RETRY_BASE_SECONDS`,
 * 10 unless configured), then doubling, at most 10 minutes.
 */
export function backoff(attempts, base = 10) {
    return Math.min(base * 2 ** Math.max(0, attempts - 1), 600);
}

/** How long one webhook request may take. */
const TIMEOUT_MS = 10_000;

/**
 * @param {MessageBatch<Record<string, unknown>>} batch
 * @param {Record<string, any>} env
 */
export async function deliver(batch, env) {
    const base = env.RETRY_BASE_SECONDS === undefined ? 10 : Number(env.RETRY_BASE_SECONDS);
    for (const msg of batch.messages) {
        const body = msg.body;
        let outcome;
        try {
            const url = webhookFor(body, env);
            if (!url) throw new Error(`no webhook configured for ${body.type}`);
            // The shape is chosen when sending (CRM_SHAPE, src/crm-shapes.js): the queue holds the generic one.
            const request = body.type === ESCALATION ? { body } : crmBody(body, env);
            if (request.skip) {
                // Kept with the dead letters (GET /dead-letters), not tried: the CRM could not take it.
                console.error(`leadscore-edge: delivery ${body.key} not sent: ${request.skip}`);
                await env.DEAD_LETTERS.get(env.DEAD_LETTERS.idFromName('all')).add([
                    {
                        id: msg.id,
                        attempts: msg.attempts,
                        timestamp: msg.timestamp.getTime(),
                        body,
                        reason: request.skip,
                    },
                ]);
                msg.ack();
                continue;
            }
            const headers = { 'content-type': 'application/json', 'idempotency-key': String(body.key) };
            if (env.WEBHOOK_TOKEN) headers.authorization = `Bearer ${env.WEBHOOK_TOKEN}`;
            const res = await fetch(url, {
                method: 'POST',
                headers,
                body: JSON.stringify(request.body),
                signal: AbortSignal.timeout(TIMEOUT_MS),
            });
            await res.body?.cancel();
            outcome = res.ok ? null : `HTTP ${res.status}`;
        } catch (err) {
            outcome = String(err?.message ?? err);
        }
        if (outcome === null) {
            msg.ack();
        } else {
            console.warn(`leadscore-edge: delivery ${body.key} failed (try ${msg.attempts}): ${outcome}`);
            msg.retry({ delaySeconds: backoff(msg.attempts, base) });
        }
    }
}
