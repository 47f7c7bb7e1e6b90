//! The shared semantic cases of `tests/cases/*.json` (the format: tests/cases/README.md),
//! run natively and, through wasm-bindgen-test, compiled to wasm32 in Node; the npm
//! package runs the same files in tests/js/cases.test.mjs. The files are compiled in
//! with `include_str!`: wasm32-unknown-unknown has no file system.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use leadscore::{Engine, Event, InputError, Problem, Session};
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::Arc;

macro_rules! case_files {
    ($($name:literal),* $(,)?) => { &[$(($name, include_str!(concat!("cases/", $name)))),*] };
}

/// (file name, text) of every case file.
const FILES: &[(&str, &str)] = case_files!(
    "conditions.json",
    "engagement.json",
    "recency.json",
    "caps-and-groups.json",
    "stages.json",
    "events.json",
    "sessions.json",
    "errors.json",
    "language.json",
);

const CASE_KEYS: &[&str] =
    &["name", "note", "ruleset", "rulesetRef", "now", "lead", "expect", "expectError", "session", "steps"];
const ACTIONS: &[&str] = &[
    "track",
    "identify",
    "updateProfile",
    "watch",
    "evaluate",
    "score",
    "stage",
    "save",
    "saveRestore",
    "restore",
    "merge",
];
const STEP_KEYS: &[&str] = &[
    "note",
    "now",
    "tracked",
    "transitions",
    "setAside",
    "warning",
    "watching",
    "expect",
    "expectError",
    "rulesetRef",
];

type Outcome = Result<(), String>;

/// Runs every case of one file; the failures name the file and the case.
fn run_file(file: &str) {
    let (_, text) = FILES.iter().find(|(name, _)| *name == file).unwrap();
    let doc: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("tests/cases/{file}: {e}"));
    let cases = doc["cases"].as_array().unwrap_or_else(|| panic!("tests/cases/{file}: no \"cases\" list"));
    let failures: Vec<String> = cases
        .iter()
        .enumerate()
        .filter_map(|(i, case)| {
            let name = case["name"].as_str().map_or_else(|| format!("cases[{i}]"), str::to_string);
            run_case(&doc, case).err().map(|e| format!("tests/cases/{file}: case \"{name}\": {e}"))
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

fn run_case(doc: &Value, case: &Value) -> Outcome {
    only_keys(case, CASE_KEYS, "the case")?;
    let now = case.get("now").map(|n| n.as_i64().ok_or("\"now\" is whole milliseconds")).transpose()?;
    let engine = match rule_set(doc, case)? {
        None => None,
        Some(rs) => match compile(rs) {
            Ok(engine) => Some(engine),
            Err(e) => return refused(case, Refusal::RuleSet(e.problems)),
        },
    };
    if let Some(lead) = case.get("lead") {
        let engine = engine.as_ref().ok_or("a lead needs a rule set")?;
        return match engine.score_value(lead, now.ok_or("a lead needs \"now\"")?) {
            Ok(result) => accepted(case).and_then(|()| expect_result(&result, &case["expect"], "result")),
            Err(e) => refused(case, Refusal::Input(e)),
        };
    }
    if let Some(id) = case.get("session") {
        let mut session = match Session::new(id.as_str().ok_or("\"session\" is the session id")?) {
            Ok(s) => s,
            Err(e) => return refused(case, Refusal::Input(e)),
        };
        accepted(case)?;
        let steps = case["steps"].as_array().ok_or("a session case has \"steps\"")?;
        return run_steps(&mut Run { doc, engine: engine.as_ref(), now }, &mut session, steps);
    }
    match engine {
        Some(_) => Err("the rule set was accepted; the case expects its refusal".into()),
        None => Err("the case has neither a rule set, a lead nor a session".into()),
    }
}

/// What one case's steps work with.
struct Run<'a> {
    doc: &'a Value,
    engine: Option<&'a Engine>,
    now: Option<i64>,
}

fn run_steps(run: &mut Run, session: &mut Session, steps: &[Value]) -> Outcome {
    for (i, step) in steps.iter().enumerate() {
        run_step(run, session, step).map_err(|e| format!("steps[{i}]: {e}"))?;
    }
    Ok(())
}

fn run_step(run: &mut Run, session: &mut Session, step: &Value) -> Outcome {
    let object = step.as_object().ok_or("a step is an object")?;
    let actions: Vec<&str> = object.keys().map(String::as_str).filter(|k| ACTIONS.contains(k)).collect();
    let [action] = actions[..] else { return Err(format!("a step has one action of {ACTIONS:?}, not {actions:?}")) };
    let allowed: Vec<&str> = STEP_KEYS.iter().copied().chain([action]).collect();
    only_keys(step, &allowed, "the step")?;
    let arg = &step[action];
    let before = session.save();
    // What the call gave: refused (Err), or accepted and then checked (Ok of the check).
    let done: Result<Outcome, InputError> = match action {
        "track" => {
            let now = step_now(run, step.get("now"))?;
            // With the engines the session watches (`watch` steps, `restore` with
            // `watching`), as the package's `track`.
            Event::from_value(arg).and_then(|e| session.track_watched(e, now)).map(|r| {
                step.get("tracked").map_or(Ok(()), |want| same(&to_value(&r.tracked), want, "tracked"))?;
                step.get("transitions")
                    .map_or(Ok(()), |want| expect_list(&to_value(&r.transitions), want, "transitions"))?;
                step.get("setAside").map_or(Ok(()), |want| expect_list(&to_value(&r.set_aside), want, "setAside"))?;
                step.get("warning").map_or(Ok(()), |want| same(&to_value(&r.warning), want, "warning"))
            })
        }
        "identify" => session.identify(arg.as_str().ok_or("\"identify\" takes a lead id")?).map(Ok),
        "updateProfile" => session.update_profile(arg).map(Ok),
        "watch" => {
            let name = step.get("rulesetRef").ok_or("a \"watch\" step names its \"rulesetRef\"")?;
            session.watch(Arc::new(compile(shared(run.doc, name)?).map_err(|e| e.to_string())?));
            Ok(Ok(()))
        }
        "evaluate" => {
            let evaluation = session.evaluate(&step_engine(run, step)?, step_now(run, Some(arg))?);
            let want = step.get("expect").ok_or("\"evaluate\" needs \"expect\"")?;
            only_keys(want, &["result", "transitions"], "an evaluation's expect")?;
            let got = to_value(&evaluation);
            Ok(adds_up(&evaluation.result)
                .and_then(|()| want.get("result").map_or(Ok(()), |r| expect_keys(&got["result"], r, "result")))
                .and_then(|()| {
                    want.get("transitions").map_or(Ok(()), |t| expect_list(&got["transitions"], t, "transitions"))
                }))
        }
        "score" => {
            let result = session.score(&step_engine(run, step)?, step_now(run, Some(arg))?);
            Ok(expect_result(&result, step.get("expect").ok_or("\"score\" needs \"expect\"")?, "result"))
        }
        "stage" => Ok(same(&to_value(&session.stage(&step_engine(run, step)?)), arg, "stage")),
        "save" => Ok(same(&serde_json::from_str(&before).map_err(|e| e.to_string())?, arg, "saved state")),
        "saveRestore" => {
            // A restored session is the same session and saves as the same text; it
            // watches nothing until told, as in JavaScript.
            let back = Session::restore(&before).map_err(|e| format!("its own saved state was refused: {e}"))?;
            if back.state() != session.state() || back.save() != before {
                return Err(format!("restored, the session differs: {}", back.save()));
            }
            *session = back;
            Ok(Ok(()))
        }
        "restore" => {
            let text = arg.as_str().map_or_else(|| arg.to_string(), str::to_string);
            let mut engines = Vec::new();
            for name in step.get("watching").map_or(&[][..], |w| w.as_array().map_or(&[][..], Vec::as_slice)) {
                engines.push(Arc::new(compile(shared(run.doc, name)?).map_err(|e| e.to_string())?));
            }
            Session::restore_watching(&text, &engines).map(|back| {
                *session = back;
                Ok(())
            })
        }
        "merge" => {
            only_keys(arg, &["session", "steps"], "\"merge\"")?;
            let id = arg["session"].as_str().ok_or("\"merge\" names its \"session\"")?;
            let mut other = Session::new(id).map_err(|e| e.to_string())?;
            let mut other_run = Run { doc: run.doc, engine: run.engine, now: run.now };
            let steps = arg["steps"].as_array().ok_or("\"merge\" has \"steps\"")?;
            run_steps(&mut other_run, &mut other, steps).map_err(|e| format!("the merged session: {e}"))?;
            session.merge(&other);
            Ok(Ok(()))
        }
        _ => unreachable!("ACTIONS lists the actions above"),
    };
    match (done, step.get("expectError")) {
        (Ok(checked), None) => checked,
        (Ok(_), Some(want)) => Err(format!("accepted; expected the refusal {want}")),
        (Err(e), None) => Err(format!("refused: {e}")),
        (Err(e), Some(want)) => {
            expect_problems(&[e.problem], want)?;
            match session.save() {
                after if after == before => Ok(()),
                after => Err(format!("refused, but the session changed: {before} -> {after}")),
            }
        }
    }
}

enum Refusal {
    RuleSet(Vec<Problem>),
    Input(InputError),
}

/// A case's call was refused: the case must expect it, as a rule set's problems
/// (`{"problems": [...]}`) or an input's one problem (`{"path", "code"}`).
fn refused(case: &Value, refusal: Refusal) -> Outcome {
    let (problems, what) = match refusal {
        Refusal::RuleSet(problems) => (problems, "the rule set"),
        Refusal::Input(e) => (vec![e.problem], "the input"),
    };
    let Some(want) = case.get("expectError") else {
        return Err(format!("{what} was refused: {}", to_value(&problems)));
    };
    match (what, want.get("problems")) {
        ("the rule set", Some(list)) => expect_list(&to_value(&problems), list, "problems"),
        ("the rule set", None) => Err(format!("the rule set was refused ({}); expected {want}", to_value(&problems))),
        (_, Some(_)) => Err(format!("the rule set was accepted and the input refused ({})", to_value(&problems))),
        (_, None) => expect_problems(&problems, want),
    }?;
    match problems.iter().find(|p| p.message.trim().is_empty()) {
        Some(p) => Err(format!("a problem without a message: {p:?}")),
        None => Ok(()),
    }
}

fn accepted(case: &Value) -> Outcome {
    match case.get("expectError") {
        Some(want) => Err(format!("accepted; expected the refusal {want}")),
        None => Ok(()),
    }
}

fn expect_problems(problems: &[Problem], want: &Value) -> Outcome {
    match problems {
        [one] => expect_keys(&to_value(one), want, "error"),
        _ => Err(format!("expected one problem, got {}", to_value(&problems))),
    }
}

/// A score result: its lines add up to its total, and it has the expected keys' values.
fn expect_result(result: &leadscore::ScoreResult, want: &Value, what: &str) -> Outcome {
    adds_up(result)?;
    expect_keys(&to_value(result), want, what)
}

fn adds_up(result: &leadscore::ScoreResult) -> Outcome {
    let sum: i64 = result.contributions.iter().map(|c| c.points.0).sum();
    match sum == result.total.0 {
        true => Ok(()),
        false => Err(format!("the contributions add up to {sum} hundredths, the total is {}", result.total)),
    }
}

/// Each key of `want` has exactly its value in `got`; other keys of `got` are not compared.
fn expect_keys(got: &Value, want: &Value, what: &str) -> Outcome {
    let want = want.as_object().ok_or_else(|| format!("what {what} should be is an object"))?;
    for (key, value) in want {
        same(got.get(key).unwrap_or(&Value::Null), value, &format!("{what}.{key}"))?;
    }
    Ok(())
}

/// A list as long as `want`, each item with the keys of its counterpart in `want`.
fn expect_list(got: &Value, want: &Value, what: &str) -> Outcome {
    let (got, want) = (got.as_array().ok_or("not a list")?, want.as_array().ok_or("expected a list")?);
    if got.len() != want.len() {
        return Err(format!("{what}: expected {} items, got {}: {}", want.len(), got.len(), json!(got)));
    }
    got.iter().zip(want).enumerate().try_for_each(|(i, (g, w))| expect_keys(g, w, &format!("{what}[{i}]")))
}

fn same(got: &Value, want: &Value, what: &str) -> Outcome {
    match got == want {
        true => Ok(()),
        false => Err(format!("{what}: expected {want}, got {got}")),
    }
}

fn only_keys(v: &Value, allowed: &[&str], what: &str) -> Outcome {
    let object = v.as_object().ok_or_else(|| format!("{what} is an object"))?;
    match object.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(format!("{what} has the unknown key \"{k}\" (known: {allowed:?})")),
        None => Ok(()),
    }
}

/// The case's rule set: `ruleset` (a document, or its JSON text) or `rulesetRef`, the
/// name of one of the file's `rulesets`.
fn rule_set<'a>(doc: &'a Value, case: &'a Value) -> Result<Option<&'a Value>, String> {
    match (case.get("ruleset"), case.get("rulesetRef")) {
        (Some(rs), None) => Ok(Some(rs)),
        (None, Some(name)) => shared(doc, name).map(Some),
        (None, None) => Ok(None),
        (Some(_), Some(_)) => Err("a case has \"ruleset\" or \"rulesetRef\", not both".into()),
    }
}

fn shared<'a>(doc: &'a Value, name: &Value) -> Result<&'a Value, String> {
    doc["rulesets"].get(name.as_str().ok_or("\"rulesetRef\" is a name")?).ok_or(format!("no rule set {name}"))
}

thread_local! {
    /// Whether this thread's cases score with engines loaded from their rule sets'
    /// compiled form (`every_case_through_compiled_rule_sets`).
    static THROUGH_COMPILED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn compile(rs: &Value) -> Result<Engine, leadscore::RuleSetError> {
    let engine = match rs.as_str() {
        Some(text) => Engine::from_json(text),
        None => Engine::from_value(rs),
    }?;
    if !THROUGH_COMPILED.get() {
        return Ok(engine);
    }
    let bytes = engine.to_compiled();
    Ok(Engine::from_compiled(&bytes)
        .unwrap_or_else(|e| panic!("{}: its compiled form does not load: {e}", engine.key())))
}

/// The engine a step uses: the file's rule set `rulesetRef` names, else the case's.
fn step_engine(run: &Run, step: &Value) -> Result<Engine, String> {
    match step.get("rulesetRef") {
        Some(name) => compile(shared(run.doc, name)?).map_err(|e| e.to_string()),
        None => run.engine.cloned().ok_or("the step needs a rule set: the case's, or its \"rulesetRef\"".into()),
    }
}

fn step_now(run: &Run, now: Option<&Value>) -> Result<i64, String> {
    match now {
        Some(n) => n.as_i64().ok_or("\"now\" is whole milliseconds".into()),
        None => run.now.ok_or("the step needs a \"now\": its own or the case's".into()),
    }
}

fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap()
}

/// Every case again, each rule set written to its compiled form and loaded from
/// it, as the page module loads rule sets: the same results, errors and sessions.
#[test]
fn every_case_through_compiled_rule_sets() {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            THROUGH_COMPILED.set(false);
        }
    }
    let _reset = Reset;
    THROUGH_COMPILED.set(true);
    for (file, _) in FILES {
        run_file(file);
    }
}

#[test]
fn conditions() {
    run_file("conditions.json");
}

#[test]
fn engagement() {
    run_file("engagement.json");
}

#[test]
fn recency() {
    run_file("recency.json");
}

#[test]
fn caps_and_groups() {
    run_file("caps-and-groups.json");
}

#[test]
fn stages() {
    run_file("stages.json");
}

#[test]
fn events() {
    run_file("events.json");
}

#[test]
fn sessions() {
    run_file("sessions.json");
}

#[test]
fn errors() {
    run_file("errors.json");
}

#[test]
fn language() {
    run_file("language.json");
}

/// Every file in tests/cases is run: a new one must be added to FILES.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn every_case_file_is_run() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = FILES.iter().map(|(n, _)| n.to_string()).collect();
    listed.sort();
    assert_eq!(listed, on_disk, "tests/cases.rs FILES lists every case file");
}
