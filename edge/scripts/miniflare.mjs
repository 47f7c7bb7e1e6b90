// Miniflare's options for the worker, from wrangler.toml: the same compatibility
// date, vars, Durable Object, queue producer and consumer settings, so that what the
// tests and `npm run dev` run is what `wrangler deploy` deploys.
import fs from 'node:fs';
import path from 'node:path';
import { DIST, EDGE } from './build.mjs';

/** The few wrangler.toml values the options need (one per line, as the file writes them). */
export function wranglerConfig(text = fs.readFileSync(path.join(EDGE, 'wrangler.toml'), 'utf8')) {
    const value = (section, key) => {
        let current = '';
        for (const line of text.split('\n')) {
            const head = line.match(/^\s*\[\[?([^\]]+)\]\]?\s*$/);
            if (head) current = head[1].trim();
            const kv = line.match(/^\s*([A-Za-z_]+)\s*=\s*(.+?)\s*$/);
            if (kv && current === section && kv[1] === key) return JSON.parse(kv[2]);
        }
        throw new Error(`wrangler.toml has no ${section ? `[${section}] ` : ''}${key}`);
    };
    const vars = {};
    let inVars = false;
    for (const line of text.split('\n')) {
        if (/^\s*\[/.test(line)) inVars = /^\s*\[vars\]\s*$/.test(line);
        const kv = line.match(/^\s*([A-Za-z_]+)\s*=\s*(".*")\s*$/);
        if (inVars && kv) vars[kv[1]] = JSON.parse(kv[2]);
    }
    // Every [[queues.consumers]] block, in order (the first is the delivery queue's).
    const consumers = [];
    let block = null;
    for (const line of text.split('\n')) {
        const head = line.match(/^\s*\[\[?([^\]]+)\]\]?\s*$/);
        if (head) block = head[1].trim() === 'queues.consumers' ? {} : null;
        if (head && block) consumers.push(block);
        const kv = line.match(/^\s*([a-z_]+)\s*=\s*(.+?)\s*$/);
        if (block && kv) block[kv[1]] = JSON.parse(kv[2]);
    }
    const camel = (c) => ({
        queue: c.queue,
        maxBatchSize: c.max_batch_size,
        maxBatchTimeout: c.max_batch_timeout,
        maxRetries: c.max_retries,
        ...(c.dead_letter_queue ? { deadLetterQueue: c.dead_letter_queue } : {}),
    });
    // The Durable Object bindings, `{ name = "…", class_name = "…" }` one a line.
    const durableObjects = {};
    for (const m of text.matchAll(/\{\s*name\s*=\s*"([^"]+)",\s*class_name\s*=\s*"([^"]+)"\s*\}/g))
        durableObjects[m[1]] = m[2];
    // Every [[ratelimits]] block: name, namespace_id, simple = { limit = N, period = N }.
    const ratelimits = {};
    let limiter = null;
    for (const line of text.split('\n')) {
        const head = line.match(/^\s*\[\[?([^\]]+)\]\]?\s*$/);
        if (head) limiter = head[1].trim() === 'ratelimits' ? {} : null;
        if (!limiter) continue;
        const kv = line.match(/^\s*(name|namespace_id)\s*=\s*(".*")\s*$/);
        if (kv) limiter[kv[1]] = JSON.parse(kv[2]);
        const simple = line.match(/^\s*simple\s*=\s*\{\s*limit\s*=\s*(\d+)\s*,\s*period\s*=\s*(\d+)\s*\}/);
        if (simple) limiter.simple = { limit: Number(simple[1]), period: Number(simple[2]) };
        if (limiter.name && limiter.namespace_id && limiter.simple) {
            ratelimits[limiter.name] = { namespace_id: limiter.namespace_id, simple: limiter.simple };
            limiter = null;
        }
    }
    return {
        durableObjects,
        ratelimits,
        consumers: consumers.map(camel),
        compatibilityDate: value('', 'compatibility_date'),
        vars,
        producer: { binding: value('queues.producers', 'binding'), queue: value('queues.producers', 'queue') },
        consumer: {
            queue: value('queues.consumers', 'queue'),
            maxBatchSize: value('queues.consumers', 'max_batch_size'),
            maxBatchTimeout: value('queues.consumers', 'max_batch_timeout'),
            maxRetries: value('queues.consumers', 'max_retries'),
            deadLetterQueue: value('queues.consumers', 'dead_letter_queue'),
        },
    };
}

/**
 * @param {{ vars?: Record<string, string>, persist?: string | false, port?: number,
 *   limits?: Record<string, number> }} [over] `limits`: a rate limiter's limit by name, in place of wrangler.toml's
 */
export function miniflareOptions(over = {}) {
    const c = wranglerConfig();

    return {
        modulesRoot: DIST,
        modules: [
            { type: 'ESModule', path: path.join(DIST, 'index.js') },
            { type: 'CompiledWasm', path: path.join(DIST, 'leadscore_bg.wasm') },
        ],
        compatibilityDate: c.compatibilityDate,
        bindings: { ...c.vars, ...over.vars },
        durableObjects: c.durableObjects,
        ratelimits: Object.fromEntries(
            Object.entries(c.ratelimits).map(([name, r]) => [
                name,
                { ...r, simple: { ...r.simple, limit: over.limits?.[name] ?? r.simple.limit } },
            ]),
        ),
        queueProducers: { [c.producer.binding]: { queueName: c.producer.queue } },
        queueConsumers: Object.fromEntries(c.consumers.map(({ queue, ...consumer }) => [queue, consumer])),
        durableObjectsPersist: over.persist ?? false,
        ...(over.port !== undefined ? { host: '127.0.0.1', port: over.port } : {}),
    };
}
