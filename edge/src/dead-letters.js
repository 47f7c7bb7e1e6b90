// The dead-letter queue's consumer: each delivery that exhausted its tries is logged
// and kept in one Durable Object (`DEAD_LETTERS`, named `all`), readable with
// `GET /dead-letters` and the `ADMIN_TOKEN` bearer token.
import { DurableObject } from 'cloudflare:workers';

/** How many dead letters are kept (the oldest go first). */
const MAX_KEPT = 1000;

export class DeadLetters extends DurableObject {
    /** Keeps `letters` (`{ id, attempts, timestamp, body }`), stamped with when they arrived. */
    async add(letters) {
        const now = Date.now();
        const entries = {};
        for (const l of letters) entries[`dl:${String(now).padStart(15, '0')}:${l.id}`] = { ...l, deadAt: now };
        await this.ctx.storage.put(entries);
        const keys = [...(await this.ctx.storage.list({ prefix: 'dl:' })).keys()];
        if (keys.length > MAX_KEPT) await this.ctx.storage.delete(keys.slice(0, keys.length - MAX_KEPT));
    }

    /** The kept dead letters, oldest first. */
    async list() {
        return [...(await this.ctx.storage.list({ prefix: 'dl:' })).values()];
    }
}

/** @param {MessageBatch<Record<string, unknown>>} batch */
export async function deadLetters(batch, env) {
    const letters = batch.messages.map((m) => ({
        id: m.id,
        attempts: m.attempts,
        timestamp: m.timestamp.getTime(),
        body: m.body,
    }));
    for (const l of letters)
        console.error(`leadscore-edge: dead letter ${l.body?.key} (${l.id}): ${JSON.stringify(l.body)}`);
    // Should keeping them fail, the batch is retried (the log lines above remain).
    await env.DEAD_LETTERS.get(env.DEAD_LETTERS.idFromName('all')).add(letters);
    batch.ackAll();
}

/** Equal secrets, compared in constant time (digests first: the lengths may differ). */
export async function sameSecret(a, b) {
    const enc = new TextEncoder();
    const [da, db] = await Promise.all([a, b].map((s) => crypto.subtle.digest('SHA-256', enc.encode(s))));
    return crypto.subtle.timingSafeEqual(da, db);
}
