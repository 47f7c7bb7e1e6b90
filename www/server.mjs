// A small static server for the playground: serves www/ (the page, its bundle in
// dist/) on 127.0.0.1 only. `node server.mjs [--port N]` (or PORT); port 0 takes a
// free one. Prints the URL once listening. Used by scripts/serve.sh and the tests.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const WWW = path.dirname(fileURLToPath(import.meta.url));
const TYPES = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.mjs': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.json': 'application/json',
    '.ndjson': 'application/x-ndjson',
    '.csv': 'text/csv; charset=utf-8',
    '.wasm': 'application/wasm',
    '.map': 'application/json',
    '.txt': 'text/plain; charset=utf-8',
};

/** Starts the server; resolves to { url, close }. */
export function serve({ port = 0, root = WWW } = {}) {
    const server = http.createServer((req, res) => {
        const url = new URL(req.url, 'http://127.0.0.1');
        let rel = decodeURIComponent(url.pathname);
        if (rel.endsWith('/')) rel += 'index.html';
        const file = path.join(root, path.normalize(rel).replace(/^(\.\.[/\\])+/, ''));
        // Only what is under www/, and not its sources of tools.
        const inside =
            file.startsWith(root + path.sep) && !/[/\\](node_modules|tests)[/\\]/.test(file.slice(root.length));
        if (req.method !== 'GET' && req.method !== 'HEAD') return res.writeHead(405).end();
        if (!inside || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
            return res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        }
        res.writeHead(200, {
            'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
            'cache-control': 'no-cache',
        });
        if (req.method === 'HEAD') return res.end();
        fs.createReadStream(file).pipe(res);
    });
    return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
            resolve({
                url: `http://127.0.0.1:${server.address().port}/`,
                close: () => {
                    server.closeAllConnections?.();
                    server.close();
                },
            });
        });
    });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    const i = process.argv.indexOf('--port');
    const port = Number(i > 0 ? process.argv[i + 1] : (process.env.PORT ?? 8080));
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
        console.error(
            `serve: the port must be a whole number from 0 to 65535, not ${process.argv[i + 1] ?? process.env.PORT}`,
        );
        process.exit(2);
    }
    const { url } = await serve({ port });
    console.log(`The playground is at ${url}  (Ctrl+C stops it)`);
}
