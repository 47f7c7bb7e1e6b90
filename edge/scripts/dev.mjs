// `npm run dev` (or scripts/edge-dev.sh): the worker in workerd (Miniflare) on
// http://127.0.0.1:8787 with the example rule sets, an example routing, and its
// webhooks pointed at a receiver on 127.0.0.1 that prints each delivery (`/hook`) and
// each SLA escalation (`/escalations`). Ctrl-C stops both. PORT and HOOK_PORT move
// them; any var of wrangler.toml set in the environment (ALLOWED_ORIGINS, SLA,
// ROUTING, VARIANTS, …) replaces its value.
import http from 'node:http';
import { Miniflare } from 'miniflare';
import { build } from './build.mjs';
import { miniflareOptions, wranglerConfig } from './miniflare.mjs';

const port = Number(process.env.PORT || 8787);
const hookPort = Number(process.env.HOOK_PORT || 8788);

/** Local stand-ins for the secrets, and an example routing (edge/README.md, "Routing"). */
const DEV = {
    ADMIN_TOKEN: 'dev-admin-token',
    CRM_TOKEN: 'dev-crm-token',
    SALES_TOKEN: 'dev-sales-token',
    EVENTS_SECRET: 'dev-events-secret',
    ROUTING: JSON.stringify({
        teams: { inbound: ['sdr-ana@example.com', 'sdr-ben@example.com'] },
        rules: [
            { name: 'dach', field: 'country', in: ['DE', 'AT', 'CH'], owner: 'dach@example.com' },
            { name: 'enterprise', field: 'company.size', min: 1000, owner: 'enterprise@example.com' },
            { name: 'inbound', team: 'inbound' },
        ],
        default: 'sales@example.com',
    }),
};

const hook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
        const what = req.url.startsWith('/escalations') ? 'escalation' : 'delivery';
        console.log(
            `webhook ${what}: ${req.method} ${req.url} idempotency-key=${req.headers['idempotency-key']}\n${body}\n`,
        );
        res.writeHead(200).end('ok');
    });
});
await new Promise((resolve) => hook.listen(hookPort, '127.0.0.1', resolve));

await build();
const hookUrl = `http://127.0.0.1:${hookPort}`;
const vars = { ...DEV, WEBHOOK_URL: `${hookUrl}/hook`, ESCALATION_WEBHOOK_URL: `${hookUrl}/escalations` };
for (const name of [...Object.keys(wranglerConfig().vars), ...Object.keys(DEV)])
    if (process.env[name] !== undefined) vars[name] = process.env[name];
const mf = new Miniflare(miniflareOptions({ vars, port }));
const url = await mf.ready;
console.log(`leadscore edge worker: ${url} (rule sets: ${url}rules/b2b-saas-mql; signals: POST ${url}signals)`);
console.log(`webhook receiver: ${hookUrl}/hook (deliveries) and ${hookUrl}/escalations (SLA escalations) print here`);
console.log(
    `tokens: ADMIN_TOKEN=${vars.ADMIN_TOKEN} (GET /funnel, /dead-letters), CRM_TOKEN=${vars.CRM_TOKEN} (POST /crm/accepted), SALES_TOKEN=${vars.SALES_TOKEN} (GET /leads/:id), EVENTS_SECRET=${vars.EVENTS_SECRET}`,
);

const stop = async () => {
    await mf.dispose();
    hook.close();
    process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
