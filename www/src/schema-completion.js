// Completion from the rule-set JSON Schema (docs/ruleset.schema.json, exported by
// the package as leadscore/ruleset.schema.json): the keys an object may have at the
// cursor's JSON path, with their descriptions, and the fixed values (const, enum,
// booleans) a value may take. jsonc-parser tells the path, even in broken JSON.
import { getLocation, parseTree, findNodeAtLocation } from 'jsonc-parser';

/**
 * The schemas a value at `path` may match: `$ref`, `allOf`, `anyOf` and `oneOf`
 * opened, `false` (a key that may not be there) left out.
 */
export function schemasAt(root, path) {
    let current = expand(root, root);
    for (const seg of path) {
        const next = [];
        for (const s of current) {
            let child;
            if (typeof seg === 'number') child = s.prefixItems?.[seg] ?? s.items;
            else
                child =
                    s.properties?.[seg] ??
                    Object.entries(s.patternProperties ?? {}).find(([re]) => new RegExp(re, 'u').test(seg))?.[1] ??
                    (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
            if (child !== undefined) next.push(...expand(root, child));
        }
        current = next;
    }
    return current;
}

function resolve(root, ref) {
    if (!ref.startsWith('#/')) return undefined;
    return ref
        .slice(2)
        .split('/')
        .reduce((at, k) => at?.[k.replaceAll('~1', '/').replaceAll('~0', '~')], root);
}

function expand(root, schema, seen = new Set()) {
    if (!schema || typeof schema !== 'object' || seen.has(schema)) return [];
    seen.add(schema);
    const out = [schema];
    if (schema.$ref) out.push(...expand(root, resolve(root, schema.$ref), seen));
    for (const k of ['allOf', 'anyOf', 'oneOf']) for (const s of schema[k] ?? []) out.push(...expand(root, s, seen));
    return out;
}

/** The keys the schemas allow, each with the first description found. */
export function keysOf(schemas) {
    const keys = new Map();
    for (const s of schemas) {
        for (const [k, v] of Object.entries(s.properties ?? {})) {
            if (v === false) {
                keys.set(k, null);
                continue;
            }
            if (keys.get(k) === null) continue;
            const info = keys.get(k) ?? v.description;
            keys.set(k, info ?? '');
        }
    }
    return [...keys].filter(([, d]) => d !== null);
}

/** The fixed values the schemas allow: consts, enums, booleans. */
export function valuesOf(schemas) {
    const values = new Map();
    for (const s of schemas) {
        if ('const' in s) values.set(JSON.stringify(s.const), s.description ?? '');
        for (const v of s.enum ?? []) values.set(JSON.stringify(v), s.description ?? '');
        if (s.type === 'boolean') ['true', 'false'].forEach((v) => values.set(v, ''));
    }
    return [...values];
}

/** A CodeMirror completion source over `schema`. */
export function schemaCompletion(schema) {
    return (context) => {
        const text = context.state.doc.toString();
        const loc = getLocation(text, context.pos);
        const word = context.matchBefore(/"?[\w$.-]*"?/);
        if (!word || (word.from === word.to && !context.explicit)) return null;
        if (loc.isAtPropertyKey) {
            const objectPath = loc.path.slice(0, -1);
            const tree = parseTree(text);
            const node = tree && findNodeAtLocation(tree, objectPath);
            const present = new Set((node?.type === 'object' ? node.children : []).map((p) => p.children?.[0]?.value));
            const typed = loc.path[loc.path.length - 1];
            present.delete(typed);
            const options = keysOf(schemasAt(schema, objectPath))
                .filter(([k]) => !present.has(k))
                .map(([k, info]) => ({
                    label: JSON.stringify(k),
                    apply:
                        word.text.endsWith('"') && word.text.length > 1 ? JSON.stringify(k) : `${JSON.stringify(k)}: `,
                    type: 'property',
                    info: info || undefined,
                }));
            return options.length ? { from: word.from, options, validFor: /^"?[\w$.-]*"?$/ } : null;
        }
        const options = valuesOf(schemasAt(schema, loc.path)).map(([v, info]) => ({
            label: v,
            type: 'constant',
            info: info || undefined,
        }));
        return options.length ? { from: word.from, options, validFor: /^"?[\w$.-]*"?$/ } : null;
    };
}
