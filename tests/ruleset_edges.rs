//! Edges of the rule-set format that an independent scorer written from
//! docs/RULESET.md could read two ways, each decided there and checked here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;
use common::*;
use leadscore::Engine;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;

/// Section 3, value rules: a list with no element other than null (an empty list
/// included) is a missing field, for profile fields and event properties alike.
#[test]
fn a_list_without_values_is_a_missing_field() {
    let e = engine(json!({"fit": [
        {"id": "known", "points": 1, "when": {"field": "stack", "exists": true}},
        {"id": "unknown", "points": 2, "when": {"field": "stack", "exists": false}},
        {"id": "not_aws", "points": 4, "when": {"field": "stack", "notIn": ["aws"]}},
        {"id": "aws", "points": 8, "when": {"field": "stack", "in": ["aws"]}},
    ]}));
    let total = |stack: Value| score(&e, json!({ "stack": stack }), vec![], NOW).total.as_f64();
    // Missing, null, an empty list and a list of nulls: only `exists: false` holds.
    assert_eq!(score(&e, json!({}), vec![], NOW).total.as_f64(), 2.0);
    assert_eq!(total(json!(null)), 2.0);
    assert_eq!(total(json!([])), 2.0);
    assert_eq!(total(json!([null])), 2.0);
    assert_eq!(total(json!([null, null])), 2.0);
    // A list with a value is present; its nulls match nothing, in or notIn.
    assert_eq!(total(json!([null, "snowflake"])), 1.0 + 4.0);
    assert_eq!(total(json!([null, "AWS"])), 1.0 + 8.0);
    assert_eq!(total(json!(["snowflake", "aws"])), 1.0 + 8.0);

    let e = engine(json!({"engagement": [
        {"id": "untagged", "event": "signup", "where": {"field": "tags", "exists": false}, "points": 3},
        {"id": "tagged", "event": "signup", "where": {"field": "tags", "exists": true}, "points": 5},
    ]}));
    let total = |tags: Value| score(&e, json!({}), vec![ev_with("signup", NOW, json!({ "tags": tags }))], NOW).total;
    assert_eq!(total(json!([])).as_f64(), 3.0);
    assert_eq!(total(json!([null])).as_f64(), 3.0);
    assert_eq!(total(json!([null, 1])).as_f64(), 5.0);
}

/// The problems a rule set (the given keys over a minimal document) is refused
/// with, as (path, code); empty when it compiles.
fn codes(extra: Value) -> Vec<(String, &'static str)> {
    match Engine::from_value(&ruleset(extra)) {
        Ok(_) => vec![],
        Err(e) => e.problems.into_iter().map(|p| (p.path, p.code)).collect(),
    }
}

fn refused(path: &str, code: &'static str) -> Vec<(String, &'static str)> {
    vec![(path.to_string(), code)]
}

fn sum_rule(at_least: Value) -> Value {
    json!({"engagement": [
        {"id": "s", "event": "e", "points": 10, "sum": {"property": "n", "atLeast": at_least}}
    ]})
}

/// Section 4.4: `sum.atLeast` is a number from 0.001 to 10^12, both included
/// (sums are integers of thousandths, and a threshold of 0 would fire on any event).
#[test]
fn sum_at_least_is_from_a_thousandth_to_a_trillion() {
    for ok in [json!(0.001), json!(1), json!(300.5), json!(1e12), json!(1_000_000_000_000u64)] {
        assert_eq!(codes(sum_rule(ok.clone())), vec![], "{ok}");
    }
    for bad in [json!(0), json!(-1), json!(0.0009), json!(0.000999), json!(1.0000001e12), json!("5"), json!(true)] {
        assert_eq!(codes(sum_rule(bad.clone())), refused("engagement[0].sum.atLeast", "invalidValue"), "{bad}");
    }
    // At the lower bound: each value is rounded to thousandths (halves away from
    // zero) before adding, so 0.0004 adds nothing and 0.0005 adds one thousandth.
    let e = engine(sum_rule(json!(0.001)));
    let total = |n: f64| score(&e, json!({}), vec![ev_with("e", NOW, json!({ "n": n }))], NOW).total.as_f64();
    assert_eq!(total(0.0004), 0.0);
    assert_eq!(total(0.0005), 10.0);
    assert_eq!(total(0.001), 10.0);
}

/// Sections 4.2 and 8: `count.atLeast` and a trigger's `atLeast` are numbers whose
/// value is whole, however written: JavaScript's JSON.parse, which reads rule sets
/// for the npm package, cannot tell 1.0 from 1, so neither does the compiler.
#[test]
fn at_least_counts_are_whole_values_however_written() {
    let count_rule = |at_least: &str| {
        format!(
            r#"{{"schema": "leadscore.ruleset/v1", "id": "t", "version": "1", "engagement": [
                {{"id": "c", "event": "e", "points": 10, "count": {{"atLeast": {at_least}}}}}]}}"#
        )
    };
    let trigger = |at_least: &str| {
        format!(
            r#"{{"schema": "leadscore.ruleset/v1", "id": "t", "version": "1", "stages": {{"sql": {{"on": [
                {{"event": "e", "atLeast": {at_least}}}]}}}}}}"#
        )
    };
    let problems = |text: String| match Engine::from_json(&text) {
        Ok(_) => vec![],
        Err(e) => e.problems.into_iter().map(|p| (p.path, p.code)).collect(),
    };
    for ok in ["1", "1.0", "1e0", "3.00", "1000", "1000.0", "1e3"] {
        assert_eq!(problems(count_rule(ok)), vec![], "count {ok}");
        assert_eq!(problems(trigger(ok)), vec![], "trigger {ok}");
    }
    for bad in ["1.5", "0.5", "0", "0.0", "-1", "1000.5", "1001", "1001.0", "\"2\"", "true"] {
        assert_eq!(problems(count_rule(bad)), refused("engagement[0].count.atLeast", "invalidCount"), "count {bad}");
        assert_eq!(problems(trigger(bad)), refused("stages.sql.on[0].atLeast", "invalidCount"), "trigger {bad}");
    }
    // 3.0 counts as 3: three events earn the points, two do not.
    let e = Engine::from_json(&count_rule("3.0")).unwrap();
    let events = |n: i64| (0..n).map(|i| ev("e", NOW - i)).collect::<Vec<_>>();
    assert_eq!(score(&e, json!({}), events(3), NOW).total.as_f64(), 10.0);
    assert_eq!(score(&e, json!({}), events(2), NOW).total.as_f64(), 0.0);
    let e = Engine::from_json(&trigger("2.0")).unwrap();
    assert_eq!(score(&e, json!({}), events(2), NOW).stage, leadscore::Stage::Sql);
    assert_eq!(score(&e, json!({}), events(1), NOW).stage, leadscore::Stage::None);
}

/// Section 10.2: a duration is `[0-9]+(ms|s|m|h|d|w)` and nothing else; whitespace
/// anywhere is refused, not trimmed.
#[test]
fn durations_follow_the_grammar_exactly() {
    let window = |within: &str| json!({"engagement": [{"id": "c", "event": "e", "points": 10, "count": {"atLeast": 1, "within": within}}]});
    let at = "engagement[0].count.within";
    for ok in ["7d", "007d", "1ms", "36h", "2w", "36525d"] {
        assert_eq!(codes(window(ok)), vec![], "{ok:?}");
    }
    for bad in [" 7d", "7d ", "7 d", "\t7d", "7d\n", "+7d", "-7d", "1.5d", "7D", "7days", "0d", "36526d", ""] {
        assert_eq!(codes(window(bad)), refused(at, "invalidDuration"), "{bad:?}");
    }
    for (path, extra) in [
        ("recency.halfLife", json!({"recency": {"halfLife": "30d "}})),
        ("recency.expireAfter", json!({"recency": {"expireAfter": " 180d"}})),
        ("stages.sql.on[0].within", json!({"stages": {"sql": {"on": [{"event": "e", "within": "7 d"}]}}})),
    ] {
        assert_eq!(codes(extra), refused(path, "invalidDuration"), "{path}");
    }
    // Leading zeros are read in decimal: "010d" is ten days, not eight.
    let e = engine(window("010d"));
    let at_age = |age: i64| score(&e, json!({}), vec![ev("e", NOW - age)], NOW).total.as_f64();
    assert_eq!((at_age(10 * DAY), at_age(10 * DAY + 1)), (10.0, 0.0));
}

/// Section 2: a key given twice in one object of a rule set's JSON text is one key,
/// with the last value (what JavaScript's JSON.parse gives the npm package). Also
/// run with serde_json's preserve_order on (scripts/test.sh), which keeps the first
/// position but must keep the last value too.
#[test]
fn a_key_given_twice_takes_its_last_value() {
    let text = r#"{
        "schema": "leadscore.ruleset/v1", "id": "first", "version": 5, "id": "second", "version": "2",
        "groups": {"web": {"cap": 10}, "web": {"cap": 20}},
        "fit": [{"id": "dropped", "points": 1, "when": {"field": "x", "exists": true}}],
        "fit": [
            {"id": "title", "points": 5, "points": 15,
             "when": {"field": "company", "equals": "Acme", "field": "title", "equals": "VP"}}
        ],
        "engagement": [
            {"id": "visit", "group": "web", "event": "page_view", "event": "visit", "points": 7}
        ],
        "total": {"max": 5, "max": 1000}
    }"#;
    let e = Engine::from_json(text).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!((e.id(), e.version()), ("second", "2"));
    // The last "fit" list; the last "points"; the condition's last "field" and
    // "equals" (one operator, not two).
    let r = score(&e, json!({"title": "vp", "company": "Acme", "x": 1}), vec![], NOW);
    assert_eq!(r.total.as_f64(), 15.0);
    assert_eq!(r.contributions.iter().map(|c| &*c.id).collect::<Vec<_>>(), ["title"]);
    assert_eq!(score(&e, json!({"title": "Acme", "company": "VP"}), vec![], NOW).total.as_f64(), 0.0);
    // The last "event" ("visit"), in group "web" capped at 20 (the last settings),
    // under a total max of 1000.
    let visits = (0..4).map(|i| ev("visit", NOW - i)).collect::<Vec<_>>();
    let r = score(&e, json!({}), visits, NOW);
    assert_eq!((r.engagement.as_f64(), points_of(&r, "web")), (20.0, Some(-8.0)));
    assert_eq!(score(&e, json!({}), vec![ev("page_view", NOW)], NOW).total.as_f64(), 0.0);

    // Only the last value is checked: a bad first value is gone, a bad last one
    // is refused, and an unknown key given twice is one problem.
    let problems = |text: &str| match Engine::from_json(text) {
        Ok(_) => vec![],
        Err(e) => e.problems.into_iter().map(|p| (p.path, p.code)).collect(),
    };
    let doc = |rest: &str| format!(r#"{{"schema": "leadscore.ruleset/v1", "id": "t", "version": "1"{rest}}}"#);
    assert_eq!(problems(&doc(r#", "total": {"max": -1, "max": 1}"#)), vec![]);
    assert_eq!(problems(&doc(r#", "total": {"max": 1, "max": -1}"#)), refused("total.max", "notPositive"));
    assert_eq!(problems(&doc(r#", "colour": 1, "colour": 2"#)), refused("colour", "unknownKey"));
    assert_eq!(problems(&doc(r#", "schema": "other/v2""#)), refused("schema", "unknownSchema"));
}

/// Section 11, the cost of scoring a lead: each condition's weight (a comparison
/// 1, a search 16) times a sixteenth of the bytes a value it tests can hold (4,096
/// in an event, 65,536 in a profile), event filters 1,000 times (the history) for
/// the event type whose filters weigh the most, profile conditions once; refused
/// above 250,000,000.
#[test]
fn a_rule_set_that_could_make_scoring_slow_is_refused() {
    let texts = |n: usize| json!((0..n).map(|i| format!("utm-{i}")).collect::<Vec<_>>());
    let on_views =
        |n: usize| json!({"id": "v", "event": "view", "where": {"field": "url", "contains": texts(n)}, "points": 1});
    let on_title = |n: usize| json!({"id": "t", "points": 1, "when": {"field": "title", "word": texts(n)}});
    let problems = |extra: Value| match Engine::from_value(&ruleset(extra)) {
        Ok(_) => vec![],
        Err(e) => e.problems,
    };
    // 61 texts on page views: 61 x 16 x 256,000 = 249,856,000. 62: 253,952,000.
    assert_eq!(problems(json!({"engagement": [on_views(61)]})), vec![]);
    let p = problems(json!({"engagement": [on_views(62)]}));
    assert_eq!(p.iter().map(|p| (p.path.as_str(), p.code)).collect::<Vec<_>>(), vec![("", "tooCostly")]);
    assert!(p[0].message.contains("253952000") && p[0].message.contains("250000000"), "{}", p[0].message);
    // On a profile field: 3,814 x 16 x 4,096 = 249,954,304; 3,815 is over.
    assert_eq!(problems(json!({"fit": [on_title(3_814)]})), vec![]);
    assert_eq!(codes(json!({"fit": [on_title(3_815)]})), refused("", "tooCostly"));
    // The two add up: 30 x 4,096,000 + 1,940 x 65,536 = 250,019,840.
    assert_eq!(codes(json!({"fit": [on_title(1_940)], "engagement": [on_views(30)]})), refused("", "tooCostly"));
    assert_eq!(codes(json!({"fit": [on_title(1_939)], "engagement": [on_views(30)]})), vec![]);
    // Filters on different event types do not add up (an event has one type); on
    // one type they do, whatever looks at it (rules, triggers, disqualifiers).
    let views = |id: &str, ty: Value, n: usize| json!({"id": id, "event": ty, "where": {"field": "url", "contains": texts(n)}, "points": 1});
    let both = [views("a", json!("view"), 40), views("b", json!("click"), 40)];
    assert_eq!(codes(json!({ "engagement": both })), vec![]);
    let both = [views("a", json!("view"), 40), views("b", json!(["click", "view"]), 40)];
    assert_eq!(codes(json!({ "engagement": both })), refused("", "tooCostly"));
    let trigger = json!({"sql": {"on": [{"event": "view", "where": {"field": "url", "contains": texts(22)}}]}});
    assert_eq!(
        codes(json!({"engagement": [views("a", json!("view"), 40)], "stages": trigger})),
        refused("", "tooCostly")
    );
    let disqualifier = json!([{"id": "d", "event": "view", "where": {"field": "url", "contains": texts(22)}}]);
    let rule = views("a", json!("view"), 40);
    assert_eq!(codes(json!({"engagement": [rule], "disqualifiers": disqualifier})), refused("", "tooCostly"));
    // Weights: a `like` pattern is a search, and one more per run of characters
    // between its first and last `*`: 976 = (20 x 3 + 1) x 16.
    let like = json!({"id": "l", "event": "view", "where": {"any": [
        {"field": "url", "like": vec!["*a?b*c"; 20]}, {"field": "url", "like": "/docs/*"}]}, "points": 1});
    assert_eq!(codes(json!({"engagement": [like.clone()]})), vec![]);
    let mut heavier = like;
    heavier["where"]["any"][1]["like"] = json!(["/docs/*", "/api/*"]);
    assert_eq!(codes(json!({"engagement": [heavier]})), refused("", "tooCostly"));
    // Comparisons weigh 1 each: 976 `equals` on one event type (976 x 256,000 =
    // 249,856,000), 61 short `in` lists of 16 values, or 162 long ones of 17
    // (ceil(log2 17) + 1 = 6 comparisons each: 972); one more of each is over.
    let filters = |leaves: Vec<Value>| json!({"id": "c", "event": "view", "where": {"any": leaves}, "points": 1});
    let equals = |n: usize| (0..n).map(|i| json!({"field": "url", "equals": format!("/p{i}")})).collect::<Vec<_>>();
    assert_eq!(codes(json!({"engagement": [filters(equals(976))]})), vec![]);
    assert_eq!(codes(json!({"engagement": [filters(equals(977))]})), refused("", "tooCostly"));
    let lists = |n: usize, len: usize| {
        let list: Vec<String> = (0..len).map(|i| format!("acct-{i}")).collect();
        vec![json!({"field": "url", "in": list}); n]
    };
    assert_eq!(codes(json!({"engagement": [filters(lists(61, 16))]})), vec![]);
    assert_eq!(codes(json!({"engagement": [filters(lists(62, 16))]})), refused("", "tooCostly"));
    assert_eq!(codes(json!({"engagement": [filters(lists(162, 17))]})), vec![]);
    assert_eq!(codes(json!({"engagement": [filters(lists(163, 17))]})), refused("", "tooCostly"));
}

/// Section 13: a rule set's problems say what is wrong without repeating the
/// whole rule set. A message lists at most 20 of the names it could suggest, and
/// a `where` reading a property that several declared types lack is one problem
/// per property, naming a few of them; the problems of a rule set within the
/// size limit stay a few times its size, however it is written.
#[test]
fn problems_stay_short_however_large_the_rule_set() {
    let problems = |extra: Value| Engine::from_value(&ruleset(extra)).err().map(|e| e.problems).unwrap_or_default();
    let groups: serde_json::Map<String, Value> = (0..5_000).map(|i| (format!("g{i:04}"), json!({}))).collect();
    let fit =
        |i: usize| json!({"id": format!("f{i}"), "group": "web", "points": 1, "when": {"field": "a", "exists": true}});
    let p = problems(json!({"groups": groups, "fit": (0..100).map(fit).collect::<Vec<_>>()}));
    assert_eq!(p.len(), 100);
    let first_20: Vec<String> = (0..20).map(|i| format!("g{i:04}")).collect();
    let expected =
        format!("no group \"web\" is defined in \"groups\" (defined: {} and 4980 more)", first_20.join(", "));
    let start = |m: &str| m.chars().take(300).collect::<String>();
    assert!(p.iter().all(|p| p.code == "unknownGroup" && p.message == expected), "{}", start(&p[0].message));

    let events: serde_json::Map<String, Value> =
        (0..5_000).map(|i| (format!("t{i:04}"), json!({"url": "string"}))).collect();
    let rule = |types: Value, filter: Value| json!({"id": "r", "event": types, "where": filter, "points": 1});
    let p = problems(
        json!({"events": events.clone(), "engagement": [rule(json!(["x", "y"]), json!({"field": "url", "exists": true}))]}),
    );
    assert_eq!(
        p.iter().map(|p| (p.path.as_str(), p.code)).collect::<Vec<_>>(),
        [("engagement[0].event", "unknownEventType"); 2]
    );
    assert!(p[0].message.ends_with("(declared: t0000, t0001, t0002, t0003, t0004, t0005, t0006, t0007, t0008, t0009, t0010, t0011, t0012, t0013, t0014, t0015, t0016, t0017, t0018, t0019 and 4980 more)"), "{}", start(&p[0].message));

    // Four properties no type declares, read by a rule on 5,000 types: four
    // problems, not 20,000.
    let all_types: Vec<String> = (0..5_000).map(|i| format!("t{i:04}")).collect();
    let leaves = ["a", "b", "url", "c", "a", "d"].map(|f| json!({"field": f, "exists": true}));
    let reads = json!({ "all": leaves });
    let p = problems(json!({"events": events, "engagement": [rule(json!(all_types), reads)]}));
    let messages: Vec<&str> = p.iter().map(|p| p.message.as_str()).collect();
    let lacking =
        |f: &str| format!("events of types \"t0000\", \"t0001\", \"t0002\" and others declare no property \"{f}\"");
    assert_eq!(messages, ["a", "b", "c", "d"].map(lacking));
    assert!(p.iter().all(|p| p.path == "engagement[0].where" && p.code == "unknownProperty"));
    let two = json!({"x": {"url": "string"}, "y": {}, "z": {"n": "number"}});
    let p = problems(
        json!({"events": two, "engagement": [rule(json!(["x", "y", "z"]), json!({"field": "url", "exists": true}))]}),
    );
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].message, "events of types \"y\" and \"z\" declare no property \"url\"");
}

/// Section 4.2: an event type listed twice in one list is refused at its second
/// place, however long the list.
#[test]
fn a_type_listed_twice_is_found_in_a_long_list() {
    let mut types: Vec<String> = (0..50_000).map(|i| format!("t{i}")).collect();
    types.push("t49000".into());
    types.push("t7".into());
    let rule = json!({"id": "r", "event": types, "points": 1});
    assert_eq!(codes(json!({ "engagement": [rule] })), refused("engagement[0].event[50000]", "duplicateType"));
    types.truncate(50_000);
    let rule = json!({"id": "r", "event": types, "points": 1});
    assert_eq!(codes(json!({ "engagement": [rule] })), vec![]);
}

/// The codes crates/rules/src and the engine raise, read from their source (test modules left
/// out): the string literals in the code argument of `Problem::new(path, code, …)`,
/// `one(path, code, …)` and `fail(code, …)` (rule-set problems) and of
/// `InputError::new(path, code, …)` (input problems).
fn codes_in_compiler_source() -> (BTreeSet<String>, BTreeSet<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (mut rule_set, mut input) = (BTreeSet::new(), BTreeSet::new());
    // The compiler, and the engine that lists its problems (`tooManyProblems`).
    let files = std::fs::read_dir(root.join("crates/rules/src")).unwrap().map(|e| e.unwrap().path());
    for path in files.chain([root.join("src/engine/mod.rs")]) {
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.split("#[cfg(test)]").next().unwrap_or("");
        for (call, arg, is_input) in
            [("Problem::new(", 1, false), ("one(", 1, false), ("fail(", 0, false), ("InputError::new(", 1, true)]
        {
            let into = if is_input { &mut input } else { &mut rule_set };
            for (at, _) in text.match_indices(call) {
                let before = text[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                    continue; // not `is_none(`
                }
                if text[..at].ends_with("fn ") {
                    continue; // the definition
                }
                let args = call_arguments(&text[at + call.len()..]);
                let literals = args.get(arg).map(|a| string_literals(a)).unwrap_or_default();
                into.extend(literals.into_iter().filter(|l| {
                    l.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                        && l.chars().all(|c| c.is_ascii_alphabetic())
                }));
            }
        }
    }
    (rule_set, input)
}

/// The top-level arguments of a call, from just after its `(` to its `)`.
fn call_arguments(text: &str) -> Vec<String> {
    let (mut args, mut current, mut depth, mut in_string, mut escaped) = (vec![], String::new(), 0, false, false);
    for c in text.chars() {
        if in_string {
            current.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth == 0 => break,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                args.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    args.push(current);
    args
}

/// The contents of the string literals in `text` (without escapes: codes have none).
fn string_literals(text: &str) -> Vec<String> {
    text.split('"').skip(1).step_by(2).map(str::to_string).collect()
}

/// Section 13's tables against the source: every code the compiler can raise is in
/// the rule-set code table (or, for input errors, among the input codes), and every
/// code in the table is raised somewhere.
#[test]
fn the_code_table_lists_every_code_the_compiler_raises() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/RULESET.md")).unwrap();
    let section = doc.split("## 13. Errors").nth(1).unwrap().split("## 14.").next().unwrap();
    let (table, input_codes) = section.split_once("Input codes:").unwrap();
    let documented: BTreeSet<String> = table
        .lines()
        .filter(|l| l.starts_with("| `"))
        .flat_map(|l| string_literals(&l.split('|').nth(1).unwrap().replace('`', "\"")))
        .filter(|c| c.chars().all(|c| c.is_ascii_alphabetic()))
        .collect();
    let (raised, input) = codes_in_compiler_source();
    assert!(raised.len() > 30 && raised.contains("duplicateType"), "{raised:?}");
    assert_eq!(raised, documented, "codes raised (left) and codes in section 13's table (right)");
    for code in input {
        assert!(input_codes.contains(&format!("`{code}`")), "input code {code} is not in section 13");
    }
}

/// Section 3, `word`: boundaries are Unicode 17.0.0's alphanumeric characters, from
/// leadscore's own table (compared with std for every character in crates/rules).
#[test]
fn word_boundaries_are_letters_and_digits_of_every_script() {
    let e = engine(json!({"fit": [{"id": "vp", "points": 10, "when": {"field": "title", "word": "vp"}}]}));
    let holds = |title: &str| score(&e, json!({ "title": title }), vec![], NOW).total.as_f64() == 10.0;
    for yes in ["VP Ventes — Été", "été VP", "VP\u{a0}été", "€VP é", "(VP) über", "VP_été"] {
        assert!(holds(yes), "{yes:?}");
    }
    for no in ["VPé", "éVP", "中VP", "VPж", "VP² é", "VP½ é", "١VP é"] {
        assert!(!holds(no), "{no:?}");
    }
}
