// The rule-set editor: CodeMirror 6 with JSON highlighting, completion of keys,
// operators and values from the rule-set JSON Schema the package exports
// (schema-completion.js), completion of the event types the rule set declares
// or uses, and the compiler's problems shown inline at their JSON paths.
import { EditorView, basicSetup } from 'codemirror';
import { EditorState } from '@codemirror/state';
import { json, jsonLanguage } from '@codemirror/lang-json';
import { lintGutter, setDiagnostics } from '@codemirror/lint';
import { schemaCompletion } from './schema-completion.js';
import { getLocation, parse } from 'jsonc-parser';

/** Keys whose values are event types, wherever they are in the rule set. */
const EVENT_KEYS = new Set(['event']);

/** The event types a rule set declares (`events`) or names anywhere in an `event` key. */
export function eventTypesOf(text) {
    const types = new Set();
    const doc = parse(text, [], { allowTrailingComma: true });
    if (doc && typeof doc === 'object') {
        if (doc.events && typeof doc.events === 'object') Object.keys(doc.events).forEach((t) => types.add(t));
        const visit = (v) => {
            if (Array.isArray(v)) return v.forEach(visit);
            if (!v || typeof v !== 'object') return;
            for (const [k, x] of Object.entries(v)) {
                if (EVENT_KEYS.has(k)) [x].flat().forEach((t) => typeof t === 'string' && t && types.add(t));
                else visit(x);
            }
        };
        visit(doc);
    }
    return [...types].sort();
}

/** Completes an event type in the value of an `event` key (or a list in one). */
function eventTypeCompletion(context) {
    const text = context.state.doc.toString();
    const loc = getLocation(text, context.pos);
    const path = loc.path;
    const last = path[path.length - 1];
    const key = typeof last === 'number' ? path[path.length - 2] : last;
    if (loc.isAtPropertyKey || !EVENT_KEYS.has(key)) return null;
    const word = context.matchBefore(/"?[\w.:-]*/);
    if (!word || (word.from === word.to && !context.explicit)) return null;
    const types = eventTypesOf(text);
    if (types.length === 0) return null;
    return {
        from: word.from,
        options: types.map((t) => ({ label: JSON.stringify(t), type: 'enum', detail: 'event type' })),
        validFor: /^"?[\w.:-]*"?$/,
    };
}

/**
 * A CodeMirror editor in `parent`; `onChange(text)` is told of each edit, and
 * `showProblems` marks the diagnostics ({from, to, message, severity}) it is given.
 */
export function createEditor({ parent, doc, schema, label, onChange }) {
    const view = new EditorView({
        parent,
        state: EditorState.create({
            doc,
            extensions: [
                basicSetup,
                json(),
                jsonLanguage.data.of({ autocomplete: schemaCompletion(schema) }),
                jsonLanguage.data.of({ autocomplete: eventTypeCompletion }),
                lintGutter(),
                // tabindex: axe counts a scrolling region focusable by its children's tabindex.
                EditorView.contentAttributes.of({ 'aria-label': label, tabindex: '0' }),
                EditorView.updateListener.of((u) => {
                    if (u.docChanged) onChange(u.state.doc.toString());
                }),
            ],
        }),
    });
    return {
        view,
        text: () => view.state.doc.toString(),
        /** Replaces the whole text (an example, a learnt rule set), as one undoable edit. */
        setText(text) {
            view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
        },
        showProblems(diagnostics) {
            view.dispatch(setDiagnostics(view.state, diagnostics));
        },
        /** Puts the cursor on a range and the focus in the editor. */
        select(from, to) {
            view.dispatch({ selection: { anchor: from, head: to }, scrollIntoView: true });
            view.focus();
        },
    };
}
