//! The command line, run as a user runs it.
#![cfg(all(feature = "cli", not(target_arch = "wasm32")))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

fn leadscore(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        // A command that refuses its arguments exits without reading its input.
        let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn scores_the_example_leads_as_ndjson() {
    let (code, out, err) = leadscore(
        &[
            "score",
            "--rules",
            "examples/b2b-saas/ruleset.json",
            "--leads",
            "examples/b2b-saas/leads.json",
            "--now",
            "2026-11-20T12:00:00Z",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, include_str!("golden/b2b-saas.ndjson"));
}

#[test]
fn reads_ndjson_from_stdin_and_reports_bad_lines_without_losing_the_rest() {
    let input = "{\"id\": \"a\", \"profile\": {\"jobTitle\": \"VP\"}}\nnot json\n\n{\"id\": \"b\", \"profle\": {}}\n{\"id\": \"c\"}\n";
    let (code, out, err) = leadscore(
        &["score", "--rules", "examples/domain-defaults/ruleset.json", "--leads", "-", "--now", "1795176000000"],
        Some(input),
    );
    assert_eq!(code, 1, "some leads failed");
    let ids: Vec<String> = out
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["leadId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, vec!["a", "c"]);
    assert!(err.contains("-:2: not JSON"), "{err}");
    assert!(err.contains("-:4: profle: a lead has no key \"profle\""), "{err}");
    assert!(err.contains("2 of 4 lead(s) could not be scored"), "{err}");
}

#[test]
fn check_lists_every_problem_of_a_bad_rule_set() {
    let dir = std::env::temp_dir().join(format!("leadscore-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.json");
    std::fs::write(&path, r#"{"schema": "leadscore.ruleset/v1", "id": "x", "version": "1", "fit": [{"id": "a", "points": 5, "when": {"field": "t", "eq": "x"}}], "stages": {"mql": {"treshold": 5}}}"#).unwrap();
    let (code, _, err) = leadscore(&["check", "--rules", path.to_str().unwrap()], None);
    assert_eq!(code, 2);
    assert!(err.contains("fit[0].when.eq: unknown operator \"eq\" (did you mean \"equals\"?)"), "{err}");
    assert!(err.contains("stages.mql.treshold: the MQL stage has no key \"treshold\""), "{err}");
    let (code, out, _) = leadscore(&["check", "--rules", "examples/product-led/ruleset.json"], None);
    assert_eq!((code, out.trim()), (0, "examples/product-led/ruleset.json: rule set product-led-pql@3 is valid"));
}

#[test]
fn check_writes_each_warning_to_stderr_and_fails_only_when_warnings_are_denied() {
    let path = temp_file(
        "warned.json",
        r#"{"schema": "leadscore.ruleset/v1", "id": "w", "version": "1", "recency": {"halfLife": "6m"},
            "engagement": [{"id": "spam", "event": "spam_report", "points": -10, "cap": 30}]}"#,
    );
    let (code, out, err) = leadscore(&["check", "--rules", &path], None);
    assert_eq!((code, out.trim()), (0, format!("{path}: rule set w@1 is valid").as_str()));
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].starts_with(&format!("warning: {path}: recency.halfLife: \"6m\" is 6 minutes")), "{err}");
    assert!(lines[0].ends_with("(minutesDuration)"), "{err}");
    assert!(lines[1].starts_with(&format!("warning: {path}: engagement[0].cap: ")), "{err}");
    assert!(lines[1].ends_with("(capOnNegative)"), "{err}");
    let (code, _, denied) = leadscore(&["check", "--rules", &path, "--deny-warnings"], None);
    assert_eq!((code, denied), (1, err));
    let (code, _, err) =
        leadscore(&["check", "--rules", "examples/domain-defaults/ruleset.json", "--deny-warnings"], None);
    assert_eq!((code, err.as_str()), (0, ""));
}

#[test]
fn a_bad_now_is_an_error() {
    let (code, _, err) = leadscore(
        &[
            "score",
            "--rules",
            "examples/b2b-saas/ruleset.json",
            "--leads",
            "examples/b2b-saas/leads.json",
            "--now",
            "tomorrow",
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("--now"), "{err}");
}

fn score_stdin(now: &str, input: &str) -> (i32, String, String) {
    leadscore(&["score", "--rules", "examples/b2b-saas/ruleset.json", "--leads", "-", "--now", now], Some(input))
}

#[test]
fn now_must_lie_within_the_range_of_a_timestamp() {
    // Past ±8.64 × 10^15 ms, ages overflow and an event of any age scores as fresh.
    for now in
        ["9223372036854775807", "-9223372036854775808", "8640000000000001", "-8640000000000001", "99999999999999999999"]
    {
        let (code, out, err) = score_stdin(now, "{\"id\": \"a\"}\n");
        assert_eq!(code, 2, "--now {now}: {err}");
        assert_eq!(out, "", "--now {now}");
        assert!(err.contains(&format!("--now {now} is out of range")), "{err}");
        assert!(err.contains("±8640000000000000 ms"), "the message gives the range: {err}");
    }
    // The ends of the range are instants like any other, negative ones too.
    let lead = r#"{"id": "a", "events": [{"type": "webinar_attended", "ts": -8640000000000000}]}"#;
    for now in ["8640000000000000", "-8640000000000000", "-5", "+5"] {
        let (code, out, err) = score_stdin(now, lead);
        assert_eq!(code, 0, "--now {now}: {err}");
        let result: Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(result["now"].to_string(), now.trim_start_matches('+'));
    }
    let (_, out, _) = score_stdin("8640000000000000", lead);
    let result: Value = serde_json::from_str(out.trim()).unwrap();
    // Scored at i64::MAX, the age of this event overflowed and it scored as fresh.
    assert_eq!(result["engagement"], 0, "an event 547,580 years old has expired: {out}");
}

#[test]
fn now_as_text_must_be_rfc_3339() {
    for now in ["2026-11-20", "2026-11-20T12:00:00", "", "12ms"] {
        let (code, _, err) = score_stdin(now, "{\"id\": \"a\"}\n");
        assert_eq!(code, 2, "--now {now:?}: {err}");
        assert!(err.contains("is not an RFC 3339 timestamp"), "{err}");
        assert!(err.contains("±8640000000000000 ms"), "{err}");
    }
    let (code, out, err) = score_stdin("2026-11-20T12:00:00+01:00", "{\"id\": \"a\"}\n");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"now\":1795172400000"), "{out}");
}

#[test]
fn array_elements_are_reported_by_index_and_the_rest_scored() {
    let input = r#"[{"id": "a"}, 1, {"id": "b", "profle": {}},
        {"id": "c", "events": [{"type": "page_view", "ts": "yesterday"}]}]"#;
    let (code, out, err) = score_stdin("1795176000000", input);
    assert_eq!(code, 1, "{err}");
    let ids: Vec<String> =
        out.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()["leadId"].to_string()).collect();
    assert_eq!(ids, vec!["\"a\"", "\"c\""]);
    assert!(err.contains("-[1]: a lead is an object"), "{err}");
    assert!(err.contains("-[2]: profle: a lead has no key \"profle\""), "{err}");
    assert!(err.contains("warning: -[3]: 1 event(s) set aside as invalid, first: events[0].ts:"), "{err}");
    assert!(err.contains("2 of 4 lead(s) could not be scored"), "{err}");
}

#[test]
fn a_broken_array_keeps_the_results_before_the_break() {
    // Streamed, the leads before the break are already scored and written.
    let (code, out, err) = score_stdin("1795176000000", r#"[{"id": "a"}, {"id": "b"}, {"id": ]"#);
    assert_eq!(code, 2, "{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(err.contains("error: - is not a JSON array of leads: expected value at line 1 column 35"), "{err}");
    assert!(err.contains("stopped after 2 lead(s)"), "{err}");
    let (code, out, err) = score_stdin("1795176000000", r#"[{"id": "a"}] {}"#);
    assert_eq!((code, out.lines().count()), (2, 1), "{err}");
    assert!(err.contains("trailing characters"), "{err}");
}

#[test]
fn a_line_that_is_not_utf8_is_one_bad_lead() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args(["score", "--rules", "examples/b2b-saas/ruleset.json", "--leads", "-", "--now", "0"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"{\"id\": \"a\"}\n{\"id\": \"\xff\"}\n{\"id\": \"b\"}\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 2);
    assert!(err.contains("-:2: not JSON: the line is not UTF-8 text"), "{err}");
}

/// Sends `chunks` to `leadscore score --leads -` one at a time, and checks that the
/// result of each lead comes out before the next chunk goes in; then `end`.
fn results_stream(chunks: &[&str], ids: &[&str], end: &str) {
    use std::io::{BufRead, BufReader};
    use std::time::Duration;
    let mut child = Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args(["score", "--rules", "examples/b2b-saas/ruleset.json", "--leads", "-", "--now", "0"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    for (chunk, id) in chunks.iter().zip(ids) {
        stdin.write_all(chunk.as_bytes()).unwrap();
        stdin.flush().unwrap();
        let Ok(line) = rx.recv_timeout(Duration::from_secs(60)) else {
            let _ = child.kill();
            panic!("no result for lead {id} before the input went on");
        };
        assert_eq!(serde_json::from_str::<Value>(&line).unwrap()["leadId"], *id);
    }
    stdin.write_all(end.as_bytes()).unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn each_ndjson_result_is_written_as_its_line_is_read() {
    results_stream(&["{\"id\": \"a\"}\n", "{\"id\": \"b\"}\n", "\n{\"id\": \"c\"}\n"], &["a", "b", "c"], "");
}

#[test]
fn each_array_result_is_written_as_its_element_is_read() {
    results_stream(&["[{\"id\": \"a\"}", ", {\"id\": \"b\"}", ",\n{\"id\": \"c\"}"], &["a", "b", "c"], "]\n");
}

#[test]
fn table_lists_each_lead_and_the_stderr_of_a_clean_run_stays_empty() {
    let args = ["score", "--rules", "examples/b2b-saas/ruleset.json", "--leads", "examples/b2b-saas/leads.json"];
    let (code, out, err) =
        leadscore(&[&args[..], &["--now", "2026-11-20T12:00:00Z", "--format", "table"]].concat(), None);
    assert_eq!((code, err.as_str()), (0, ""), "no progress bar when stderr is not a terminal");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2 + 5, "{out}");
    assert_eq!(lines[0], "rule set b2b-saas-mql@2026-11-01 scored at 1795176000000 ms");
    assert!(lines[1].starts_with("lead                 total    fit    eng  stage grd band         why"), "{out}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("di@rival.io           97.6     50   47.6  NONE  A3  disqualified DISQUALIFIED")),
        "{out}"
    );
    assert!(lines[2].starts_with("ann@acme.io"), "{out}");
    let (code, _, err) = leadscore(&[&args[..], &["--now", "2026-11-20T12:00:00Z"]].concat(), None);
    assert_eq!((code, err.as_str()), (0, ""));
}

/// A scratch directory of this test's own under the target directory.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn compiles_a_rule_set_that_scores_as_its_json() {
    let dir = scratch("cli-compile");
    let out = dir.join("b2b.lsc");
    let out = out.to_str().unwrap();
    let (code, said, err) = leadscore(&["compile", "--rules", "examples/b2b-saas/ruleset.json", "--out", out], None);
    assert_eq!(code, 0, "{err}");
    let bytes = std::fs::read(out).unwrap();
    assert!(bytes.starts_with(&leadscore::COMPILED_MAGIC));
    assert_eq!(
        said,
        format!(
            "examples/b2b-saas/ruleset.json: rule set b2b-saas-mql@2026-11-01 compiled to {out} ({} bytes)\n",
            bytes.len()
        )
    );
    let args = ["score", "--rules", out, "--leads", "examples/b2b-saas/leads.json", "--now", "2026-11-20T12:00:00Z"];
    let (code, scored, err) = leadscore(&args, None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(scored, include_str!("golden/b2b-saas.ndjson"));
    let (code, checked, _) = leadscore(&["check", "--rules", out], None);
    assert_eq!((code, checked), (0, format!("{out}: rule set b2b-saas-mql@2026-11-01 is valid\n")));
    // Compiling the compiled form again writes the same bytes.
    let again = dir.join("again.lsc");
    let (code, _, err) = leadscore(&["compile", "--rules", out, "--out", again.to_str().unwrap()], None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read(&again).unwrap(), bytes);
}

#[test]
fn compile_refuses_a_bad_rule_set_and_writes_nothing() {
    let dir = scratch("cli-compile-bad");
    let rules = dir.join("bad.json");
    std::fs::write(&rules, r#"{"schema": "leadscore.ruleset/v1", "id": "x", "version": "1", "fit": [{"id": "a", "points": 0, "when": {"field": "x", "exists": true}}]}"#).unwrap();
    let out = dir.join("bad.lsc");
    let (code, said, err) =
        leadscore(&["compile", "--rules", rules.to_str().unwrap(), "--out", out.to_str().unwrap()], None);
    assert_eq!((code, said.as_str()), (2, ""));
    assert!(err.contains("fit[0].points: a rule worth 0 points does nothing") && err.contains("(zeroPoints)"), "{err}");
    assert!(std::fs::read_dir(&dir).unwrap().count() == 1, "only bad.json is left");
    // Nowhere to write: said, and no file left half written.
    let (code, _, err) =
        leadscore(&["compile", "--rules", "examples/b2b-saas/ruleset.json", "--out", "/nonexistent-dir/x.lsc"], None);
    assert_eq!(code, 2);
    assert!(err.starts_with("error: cannot write the compiled rule set to /nonexistent-dir/x.lsc: "), "{err}");
}

#[test]
fn a_damaged_compiled_rule_set_is_refused_with_what_is_wrong() {
    let dir = scratch("cli-compile-damaged");
    let out = dir.join("r.lsc");
    let (code, _, err) = leadscore(
        &["compile", "--rules", "examples/domain-defaults/ruleset.json", "--out", out.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let mut bytes = std::fs::read(&out).unwrap();
    let len = bytes.len();
    bytes[len / 2] ^= 0x20;
    std::fs::write(&out, &bytes).unwrap();
    let (code, _, err) = leadscore(&["check", "--rules", out.to_str().unwrap()], None);
    assert_eq!(code, 2);
    assert!(err.contains("its checksum does not match (by leadscore ") && err.contains("(compiledRuleSet)"), "{err}");
    std::fs::write(&out, &bytes[..len - 3]).unwrap();
    let (_, _, err) = leadscore(&["check", "--rules", out.to_str().unwrap()], None);
    assert!(err.contains(&format!("it is truncated: {} bytes of the {len}", len - 3)), "{err}");
}

#[test]
fn debug_writes_each_event_set_aside_and_why_to_stderr() {
    let lead = concat!(
        r#"{"id": "a", "events": [{"type": "pageview", "ts": 1795175000000, "url": "/pricing"},"#,
        r#" {"type": "page_view", "ts": 1795175000001, "url": "/pricing", "id": "x"},"#,
        r#" {"type": "page_view", "ts": 1795175000002, "url": "/pricing", "id": "x"},"#,
        r#" {"type": "page_view", "ts": 1795177000000}, {"type": "page_view"}]}"#,
        "\n"
    );
    let args = ["score", "--rules", "examples/domain-defaults/ruleset.json", "--leads", "-", "--now", "1795176000000"];
    let (code, out, err) = leadscore(&[&args[..], &["--debug"]].concat(), Some(lead));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines,
        [
            "warning: -:1: 1 event(s) set aside as invalid, first: events[4].ts: the event has no \"ts\" \
             (milliseconds since the epoch, or RFC 3339 text) (missingKey)",
            "set aside: -:1: events[0] (\"pageview\"): no rule, stage trigger or disqualifier looks at events of type \
             \"pageview\" (did you mean \"page_view\"?) (unusedType)",
            "set aside: -:1: events[2] (\"page_view\"): an earlier event has the id \"x\" (duplicate)",
            "set aside: -:1: events[3] (\"page_view\"): the event's time, 1795177000000, is after now, 1795176000000: it \
             counts from its time on (afterNow)",
            "set aside: -:1: events[4]: the event is invalid at ts (missingKey): the event has no \"ts\" \
             (milliseconds since the epoch, or RFC 3339 text) (invalid)",
        ],
        "{err}"
    );
    // The results are those without --debug.
    let (_, plain, plain_err) = leadscore(&args, Some(lead));
    assert_eq!(out, plain);
    assert_eq!(plain_err.lines().count(), 1, "{plain_err}");
}

/// A file under the target directory for one test's history.
fn temp_file(name: &str, text: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn sample_writes_the_same_leads_for_the_same_seed() {
    let (code, a, err) = leadscore(&["sample", "--leads", "40", "--seed", "9"], None);
    assert_eq!(code, 0, "{err}");
    let (_, b, _) = leadscore(&["sample", "--leads", "40", "--seed", "9"], None);
    let (_, c, _) = leadscore(&["sample", "--leads", "40", "--seed", "10"], None);
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a.lines().count(), 40);
    let lead: Value = serde_json::from_str(a.lines().next().unwrap()).unwrap();
    assert!(lead["converted"].is_boolean() && lead["events"].as_array().unwrap().len() >= 10);
}

#[test]
fn backtest_reports_on_a_history_and_skips_unreadable_rows_with_their_line() {
    let (_, sample, _) = leadscore(&["sample", "--leads", "500", "--seed", "2"], None);
    let history = temp_file("backtest.ndjson", &format!("{sample}not json\n{{\"profile\": {{}}}}\n"));
    let args = ["backtest", "--rules", "examples/b2b-saas/ruleset.json", "--history", &history, "--json"];
    let (code, out, err) = leadscore(&args, None);
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!((report["leads"].as_u64(), report["skipped"].as_u64()), (Some(500), Some(2)));
    assert!(report["auc"].as_f64().unwrap() > 0.55);
    assert!(err.contains(":501: skipped (invalidJson)"), "{err}");
    assert!(err.contains(":502: skipped (missingOutcome)"), "{err}");
    // Without --now, the history's latest event time: every event counts.
    let latest = sample
        .lines()
        .flat_map(|l| serde_json::from_str::<Value>(l).unwrap()["events"].as_array().unwrap().clone())
        .map(|e| e["ts"].as_i64().unwrap())
        .max();
    assert_eq!(report["now"].as_i64(), latest);
}

#[test]
fn suggest_and_compare_answer_the_questions_teams_ask() {
    let (_, sample, _) = leadscore(&["sample", "--leads", "400", "--seed", "3"], None);
    let history = temp_file("suggest.ndjson", &sample);
    let rules = "examples/b2b-saas/ruleset.json";
    let (code, out, err) =
        leadscore(&["suggest", "--rules", rules, "--history", &history, "--mqls", "40", "--json"], None);
    assert_eq!(code, 0, "{err}");
    let r: Value = serde_json::from_str(&out).unwrap();
    assert!(r["suggested"]["row"]["mqls"].as_u64().unwrap() <= 40);
    let (code, out, err) = leadscore(
        &["backtest", "--rules", rules, "--compare", "examples/domain-defaults/ruleset.json", "--history", &history],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("AUC b − a") && out.contains("only a"), "{out}");
    let (code, _, err) = leadscore(&["suggest", "--rules", rules, "--history", &history], None);
    assert_eq!(code, 2, "a target is required: {err}");
}

#[test]
fn learn_writes_a_rule_set_that_check_accepts() {
    let mut csv = String::from("plan,seats,converted\n");
    for i in 0..400u32 {
        let plan = ["pro", "free", "free", "team"][(i % 4) as usize];
        let good = match plan {
            "pro" => i % 10 < 8,
            "team" => i % 10 < 5,
            _ => i % 10 < 1,
        };
        csv.push_str(&format!("{plan},{},{}\n", i % 13, u8::from(good)));
    }
    let history = temp_file("learn.csv", &csv);
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("learnt.json");
    let out = out.to_string_lossy();
    let (code, _, err) = leadscore(
        &["learn", "--history", &history, "--mapping", r#"{"numbers": ["seats"]}"#, "--out", &out, "--seed", "4"],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("AUC of the learnt rule set: train"), "{err}");
    let (code, said, err) = leadscore(&["check", "--rules", &out], None);
    assert_eq!(code, 0, "{err}");
    assert!(said.contains("is valid"));
    let (code, _, err) = leadscore(&["learn", "--history", &history, "--mapping", r#"{"numbers": ["nope"]}"#], None);
    assert_eq!(code, 2);
    assert!(err.contains("unknownColumn") || err.contains("no column \"nope\""), "{err}");
}
