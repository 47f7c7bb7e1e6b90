// `npm run dev`: the worker in workerd (Miniflare) on http://127.0.0.1:8787 with the
// example rule sets, its webhook pointed at a receiver on 127.0.0.1 that prints each
// delivery. Ctrl-C stops both. PORT, HOOK_PORT and ALLOWED_ORIGINS override the defaults.
import http from 'node:http';
import { Miniflare } from 'miniflare';
import { build } from './build.mjs';
import { miniflareOptions } from './miniflare.mjs';

const port = Number(process.env.PORT || 8787);
const hookPort = Number(process.env.HOOK_PORT || 8788);

const hook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
        console.log(`webhook: ${req.method} ${req.url} idempotency-key=${req.headers['idempotency-key']}\n${body}\n`);
        res.writeHead(200).end('ok');
    });
});
await new Promise((resolve) => hook.listen(hookPort, '127.0.0.1', resolve));

await build();
const vars = { WEBHOOK_URL: `http://127.0.0.1:${hookPort}/hook` };
if (process.env.ALLOWED_ORIGINS) vars.ALLOWED_ORIGINS = process.env.ALLOWED_ORIGINS;
const mf = new Miniflare(miniflareOptions({ vars, port }));
const url = await mf.ready;
console.log(`leadscore edge worker: ${url} (rule sets: ${url}rules/b2b-saas-mql; signals: POST ${url}signals)`);
console.log(`webhook receiver: http://127.0.0.1:${hookPort}/hook (deliveries are printed here)`);

const stop = async () => {
    await mf.dispose();
    hook.close();
    process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
