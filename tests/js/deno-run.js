// Run in Deno by deno.test.mjs: the package through the entry given first (a bare
// `leadscore`, resolved through tests/js/node_modules as a Deno project with a
// package.json resolves it, or a file URL of an entry), then runtime-scenario.js on
// the data in the file given second; the answer printed as JSON.
import { scenario } from './runtime-scenario.js';

const [entry, dataPath] = Deno.args;
const leadscore = await import(entry);
const data = JSON.parse(await Deno.readTextFile(dataPath));
console.log(JSON.stringify({ resolved: import.meta.resolve(entry), ...(await scenario(leadscore, data)) }));
