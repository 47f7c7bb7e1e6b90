// What the runtime tests run inside each JavaScript runtime that is not Node's test
// process (workerd.test.mjs, deno.test.mjs): every example scored through the
// package's entry for that runtime, errors of both classes, and a session saved and
// restored. No imports: the package and the data come as arguments, and the answer
// is plain data for checkScenario (helpers.mjs) to check in Node.

/**
 * Runs the scenario with `leadscore` (an entry's exports) on `data` ({now, ruleset,
 * examples: [{name, rulesetText, leads}]}). Errors are collected, not thrown.
 */
export async function scenario(
    { Engine, Session, LeadSet, InputError, RuleSetError, compileRuleSet, defineRuleSet, init },
    data,
) {
    const out = { errors: [] };
    try {
        // Before init(): a rule set can be written before the module is loaded.
        const defined = defineRuleSet(data.ruleset);
        out.defineRuleSet = { same: defined === data.ruleset, keys: Object.keys(defined) };
        await init();
        out.examples = data.examples.map((ex) => {
            const engine = new Engine(ex.rulesetText);
            // The rule set compiled ahead, as an edge worker compiles it for its pages.
            const loaded = Engine.fromCompiled(compileRuleSet(ex.rulesetText));
            return {
                name: ex.name,
                lines: ex.leads.map((l) => engine.scoreJson(JSON.stringify(l), data.now)),
                compiled: ex.leads.map((l) => loaded.scoreJson(JSON.stringify(l), data.now)),
                objects: ex.leads.map((l) => engine.score(l, data.now)),
                many: engine.scoreMany(ex.leads, data.now),
                held: engine.scoreMany(new LeadSet(ex.leads), data.now),
            };
        });
        try {
            new Engine({
                schema: 'leadscore.ruleset/v1',
                id: 'x',
                version: '1',
                fit: [{ id: 'a', points: 0, when: { field: 'x', exists: true } }],
            });
        } catch (e) {
            out.ruleSetError = { isClass: e instanceof RuleSetError, name: e.name, problems: e.problems };
        }
        // Engine.validate answers with every problem instead of throwing.
        out.validate = {
            valid: Engine.validate(data.ruleset),
            text: Engine.validate(JSON.stringify(data.ruleset)),
            invalid: Engine.validate({
                ...data.ruleset,
                fit: [{ id: 'a', points: 0, when: { field: 'x', equals: 1, in: [1] } }],
                colour: 'blue',
            }),
        };
        const engine = new Engine(data.ruleset);
        try {
            engine.score({ events: 'no' }, data.now);
        } catch (e) {
            out.inputError = { isClass: e instanceof InputError, name: e.name, path: e.path, code: e.code };
        }
        const s = new Session('edge');
        s.updateProfile({ jobTitle: 'VP' });
        s.track({ type: 'page_view', ts: data.now - 1000, url: '/pricing' }, data.now);
        s.track({ type: 'page_view', ts: data.now - 500, url: '/pricing' }, data.now);
        const first = s.evaluate(engine, data.now);
        const again = Session.restore(s.save()).evaluate(engine, data.now);
        out.session = {
            transitions: first.transitions.map((t) => t.to),
            again: again.transitions.length,
            total: first.result.total,
        };
        // Ids made from content, and what a watched track says of an unknown type:
        // the same in every runtime (docs/RULESET.md section 8).
        const tab = new Session('tab', { watch: [engine] });
        const aside = tab.track({ type: 'pageview', ts: data.now - 200 }, data.now);
        tab.track(
            {
                type: 'page_view',
                ts: data.now - 100,
                url: '/pricing',
                n: -0,
                tags: ['a', 1.5, true, null],
                utm: { source: 'ads', medium: 'cpc' },
                é: 'ü',
            },
            data.now,
        );
        out.ids = {
            session: JSON.parse(s.save()).events.map((e) => e.id),
            tab: JSON.parse(tab.save()).events.map((e) => e.id),
            setAside: aside.setAside.map((x) => [x.reason, x.type, x.didYouMean, x.id]),
        };
    } catch (e) {
        out.errors.push(String((e && e.stack) || e));
    }
    return out;
}
