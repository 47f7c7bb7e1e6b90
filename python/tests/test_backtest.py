"""Backtests, suggestions, threshold sweeps and learning from Python: the same
results as the CLI's `backtest`, `suggest` and `learn` on the same history, the
synthetic sample and a small hand-written CSV."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

import leadscore
from conftest import ROOT, cli_score, run_cli

B2B = ROOT / "examples/b2b-saas/ruleset.json"
PRODUCT_LED = ROOT / "examples/product-led/ruleset.json"

# A CSV history: numbers, a behaviour count, a row whose size is not a number and
# one without an outcome (both skipped), `now` from the mapping.
HAND_CSV = """\
id,jobTitle,company.size,country,email_open,won
ann,CTO,250,US,4,yes
bob,Student,3,IN,0,no
cy,Marketing Manager,80,DE,9,yes
dee,VP Sales,many,US,2,yes
eve,Head of Data,1200,GB,1,
fay,Engineer,40,FR,12,no
gus,Founder,15,CA,3,won
hal,Intern,2000,NL,0,no
"""
HAND_MAPPING = {
    "id": "id",
    "outcome": "won",
    "numbers": ["company.size"],
    "counts": ["email_open"],
    "now": "2026-11-20T12:00:00Z",
}


def cli_json(*args: str):
    out = run_cli(*args, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout), out.stderr


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    path = tmp_path_factory.mktemp("history") / "sample.ndjson"
    out = run_cli("sample", "--leads", "500", "--seed", "1", "--out", str(path))
    assert out.returncode == 0, out.stderr
    return path


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hand")
    (folder / "leads.csv").write_text(HAND_CSV)
    (folder / "mapping.json").write_text(json.dumps(HAND_MAPPING))
    return folder


def test_backtest_is_the_clis_report(sample):
    ours = leadscore.backtest(B2B, sample)
    theirs, _ = cli_json("backtest", "--rules", str(B2B), "--history", str(sample))
    assert ours == theirs
    # The history's latest event time, found as the CLI finds it.
    assert ours["leads"] == 500 and ours["now"] > 0


def test_backtest_at_a_given_now_from_text(sample):
    now = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    ms = int(now.timestamp() * 1000)
    theirs, _ = cli_json("backtest", "--rules", str(B2B), "--history", str(sample), "--now", str(ms))
    engine = leadscore.Engine(B2B)
    assert leadscore.backtest(engine, sample.read_bytes(), now=now) == theirs
    assert leadscore.backtest(engine, sample.read_text(), now=ms) == theirs
    leads = [json.loads(line) for line in sample.read_text().splitlines()]
    assert leadscore.backtest(engine, leads, now=ms) == theirs


def test_compare_is_the_clis(sample):
    ours = leadscore.backtest(B2B, sample, compare=PRODUCT_LED, mql_share=0.2)
    theirs, _ = cli_json(
        "backtest", "--rules", str(B2B), "--history", str(sample), "--compare", str(PRODUCT_LED), "--mql-share", "0.2"
    )
    assert ours == theirs
    assert set(ours) == {"a", "b", "aucDelta", "agreement"}


@pytest.mark.parametrize("target", [("conversion_rate", "0.4"), ("mqls", "60"), ("mql_share", "0.05")])
def test_suggest_is_the_clis(sample, target):
    key, value = target
    ours = leadscore.suggest(B2B, sample, **{key: float(value)})
    theirs, _ = cli_json(
        "suggest", "--rules", str(B2B), "--history", str(sample), "--" + key.replace("_", "-"), value
    )
    assert ours == theirs
    assert "suggested" in ours


def test_suggest_needs_a_target(sample):
    with pytest.raises(TypeError, match="target"):
        leadscore.suggest(B2B, sample)


def test_threshold_sweep_is_the_clis(sample):
    theirs, _ = cli_json("backtest", "--rules", str(B2B), "--history", str(sample))
    sweep = leadscore.threshold_sweep(B2B, sample)
    assert sweep == theirs["sweep"]
    assert len(sweep) > 2


def test_hand_history_with_skipped_rows(hand):
    csv, mapping = hand / "leads.csv", hand / "mapping.json"
    out = run_cli(
        "suggest", "--rules", str(B2B), "--history", str(csv), "--mapping", str(mapping), "--mqls", "3", "--json"
    )
    assert out.returncode == 0, out.stderr
    theirs = json.loads(out.stdout)
    with pytest.warns(leadscore.HistoryWarning) as caught:
        ours = leadscore.suggest(B2B, csv, mapping=HAND_MAPPING, mqls=3)
    assert ours == theirs
    assert ours["leads"] == 6 and ours["skipped"] == 2 and ours["converted"] == 3
    # The same lines as the CLI's standard error.
    skipped = [line for line in out.stderr.splitlines() if "skipped" in line]
    assert [str(w.message) for w in caught] == skipped
    assert len(skipped) == 2
    # The mapping as a path or JSON text, the history as text: the same report.
    with pytest.warns(leadscore.HistoryWarning):
        assert leadscore.suggest(B2B, HAND_CSV, mapping=str(mapping), mqls=3) == theirs
    with pytest.warns(leadscore.HistoryWarning):
        assert leadscore.suggest(B2B, HAND_CSV.encode(), mapping=json.dumps(HAND_MAPPING), mqls=3) == theirs


def test_a_mapping_that_cannot_apply_is_the_clis_error(hand):
    csv = hand / "leads.csv"
    mapping = json.dumps({"numbers": ["revenue"]})
    out = run_cli("backtest", "--rules", str(B2B), "--history", str(csv), "--mapping", mapping)
    assert out.returncode == 2
    message = out.stderr.strip().removeprefix("error: ")
    assert "mapping.numbers[0]" in message
    with pytest.raises(ValueError) as e:
        leadscore.backtest(B2B, csv, mapping=json.loads(mapping))
    assert str(e.value) == message


def test_a_missing_history_is_refused():
    with pytest.raises(ValueError, match="cannot read /nonexistent/history.csv"):
        leadscore.backtest(B2B, "/nonexistent/history.csv")


def test_learn_is_the_clis(sample, tmp_path):
    out_path = tmp_path / "learnt.json"
    out = run_cli("learn", "--history", str(sample), "--seed", "7", "--compare", str(B2B), "--out", str(out_path))
    assert out.returncode == 0, out.stderr
    theirs = json.loads(out_path.read_text())

    learnt = leadscore.learn(sample, seed=7, compare=B2B)
    assert learnt.rule_set == theirs
    # The figures the CLI writes to standard error, at its precision.
    report = learnt.report
    auc = re.search(r"AUC of the learnt rule set: train ([\d.]+), holdout ([\d.]+)", out.stderr)
    assert auc, out.stderr
    assert f"{report['auc']['train']:.4f}" == auc.group(1)
    assert f"{report['auc']['holdout']:.4f}" == auc.group(2)
    hand = re.search(r"AUC of \S+: train ([\d.]+), holdout ([\d.]+)", out.stderr)
    assert hand and f"{report['handWrittenAuc']['holdout']:.4f}" == hand.group(2)
    threshold = report["threshold"]
    assert f"MQL at {int(threshold) if threshold == int(threshold) else threshold}\n" in out.stderr

    # The learnt rule set compiles, and scores as the CLI scores with it.
    engine = leadscore.Engine(learnt.rule_set)
    leads = tmp_path / "leads.ndjson"
    sampled = [json.loads(line) for line in sample.read_text().splitlines()[:50]]
    without_outcome = [{k: v for k, v in lead.items() if k != "converted"} for lead in sampled]
    leads.write_text("".join(json.dumps(lead) + "\n" for lead in without_outcome))
    now = report["holdoutReport"]["now"]
    ours = [engine.score_json(lead, now) + "\n" for lead in leads.read_text().splitlines()]
    assert ours == cli_score(out_path, leads, now)


def test_learn_options_and_seed(sample):
    a = leadscore.learn(sample.read_bytes(), seed=3, options={"holdout": 0.3, "id": "learnt-here"})
    b = leadscore.learn(sample, options={"seed": 3, "holdout": 0.3, "id": "learnt-here"})
    assert a == b
    assert a.rule_set["id"] == "learnt-here"
    assert a.report["leads"]["holdout"] > 0
    with pytest.raises(ValueError, match="holdout"):
        leadscore.learn(sample, options={"holdout": 0.9})
