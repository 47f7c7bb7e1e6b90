// Where a problem the compiler reports is in the editor's text: its JSON path
// (`engagement[2].where.in`, "" for the whole document) turned into a range with
// jsonc-parser's syntax tree, and invalid JSON placed at the line and column the
// compiler names.
import { parseTree } from 'jsonc-parser';

/**
 * The segments of a compiler path: names and indexes. A name may itself hold dots
 * (an event type `"page.view"` in `events`), so `rangeOfPath` joins segments back
 * when the tree has no key by the shorter name.
 */
export function pathSegments(path) {
    const segments = [];
    const re = /\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\.?([^.[\]]+)/gy;
    let m;
    while (re.lastIndex < path.length && (m = re.exec(path))) {
        if (m[1] !== undefined) segments.push(Number(m[1]));
        else if (m[2] !== undefined) segments.push(JSON.parse(`"${m[2]}"`));
        else segments.push(m[3]);
    }
    return segments;
}

/** The property of an object node with this key, or undefined. */
function property(node, key) {
    return node.children?.find((p) => p.children?.[0]?.value === key);
}

/**
 * The deepest node the path reaches, and whether it reached its end. A path the
 * text does not hold whole (a missing key) stops at the object that lacks it.
 */
function walk(tree, segments) {
    let node = tree;
    let prop = null;
    let i = 0;
    while (i < segments.length) {
        const seg = segments[i];
        if (typeof seg === 'number') {
            if (node.type !== 'array' || !node.children?.[seg]) break;
            node = node.children[seg];
            prop = null;
            i += 1;
            continue;
        }
        if (node.type !== 'object') break;
        let found = null;
        let name = seg;
        for (let j = i; j < segments.length && typeof segments[j] === 'string'; j += 1) {
            if (j > i) name += `.${segments[j]}`;
            const p = property(node, name);
            if (p) {
                found = { p, next: j + 1 };
                break;
            }
        }
        if (!found) break;
        prop = found.p;
        node = prop.children[1] ?? prop.children[0];
        i = found.next;
    }
    return { node, prop, whole: i === segments.length };
}

/** Problems about a key itself, not its value: the key is marked. */
const KEY_CODES = new Set(['unknownKey', 'unexpectedKey', 'unknownOperator', 'conflictingKeys']);

/**
 * The range [from, to) of the text a problem names. A problem with a key (unknown,
 * unexpected, conflicting; an unknown operator) marks the key;
 * a scalar value marks the value; an object or a list marks its key when it has
 * one, else its opening bracket (a long range would underline half the document).
 */
export function rangeOfProblem(text, problem) {
    if (problem.code === 'invalidJson') return rangeOfJsonError(text, problem.message);
    const tree = parseTree(text);
    if (!tree) return { from: 0, to: Math.min(1, text.length) };
    const { node, prop, whole } = walk(tree, pathSegments(problem.path));
    const keyNode = prop?.children?.[0];
    const keyFirst = KEY_CODES.has(problem.code) || !whole;
    if (keyNode && (keyFirst || node.type === 'object' || node.type === 'array')) {
        return { from: keyNode.offset, to: keyNode.offset + keyNode.length };
    }
    if (node.type === 'object' || node.type === 'array') return { from: node.offset, to: node.offset + 1 };
    return { from: node.offset, to: node.offset + node.length };
}

/**
 * Invalid JSON at the line and column in the compiler's message ("… (line 3,
 * column 34)", lines from 1, columns in UTF-8 bytes from 1).
 */
export function rangeOfJsonError(text, message) {
    const m = /\(line (\d+), column (\d+)\)/.exec(message);
    if (!m) return { from: 0, to: Math.min(1, text.length) };
    const lines = text.split('\n');
    const line = Math.min(Number(m[1]), lines.length) - 1;
    let from = 0;
    for (let i = 0; i < line; i += 1) from += lines[i].length + 1;
    const bytes = new TextEncoder().encode(lines[line]);
    const column = new TextDecoder().decode(bytes.slice(0, Math.max(0, Number(m[2]) - 1))).length;
    from += Math.min(column, lines[line].length);
    // At the end of the text (EOF) the mark goes back one character, so it shows.
    if (from >= text.length) from = Math.max(0, text.length - 1);
    return { from, to: Math.min(text.length, from + 1) };
}
