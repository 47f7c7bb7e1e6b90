"""The engine from Python: the golden cases and the shared cases byte for byte as
the CLI writes them, rule sets in every form, errors with their paths, `now`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import leadscore
from conftest import EXAMPLES, NOW, ROOT, cli_score, run_cli


@pytest.mark.parametrize("name", EXAMPLES)
def test_golden_cases_are_the_clis_bytes(name):
    rules = ROOT / "examples" / name / "ruleset.json"
    leads = ROOT / "examples" / name / "leads.json"
    engine = leadscore.Engine(rules)
    ours = "".join(engine.score_json(json.dumps(lead), NOW) + "\n" for lead in json.loads(leads.read_text()))
    assert ours == "".join(cli_score(rules, leads))
    assert ours == (ROOT / "tests" / "golden" / f"{name}.ndjson").read_text()


@pytest.mark.parametrize("name", EXAMPLES)
def test_score_is_the_json_parsed(name):
    engine = leadscore.Engine(ROOT / "examples" / name / "ruleset.json")
    for lead in json.loads((ROOT / "examples" / name / "leads.json").read_text()):
        assert engine.score(lead, NOW) == json.loads(engine.score_json(lead, NOW))


def _cases():
    """Every lead case and rule-set refusal of tests/cases (sessions are not part of
    the Python package)."""
    for path in sorted((ROOT / "tests" / "cases").glob("*.json")):
        doc = json.loads(path.read_text())
        named = doc.get("rulesets", {})
        for case in doc["cases"]:
            if "session" in case:
                continue
            ruleset = named[case["rulesetRef"]] if "rulesetRef" in case else case["ruleset"]
            yield pytest.param(ruleset, case, id=f"{path.name}:{case['name']}")


def _subset(expected, got, where="result"):
    if isinstance(expected, dict):
        assert isinstance(got, dict), f"{where}: {got!r}"
        for key, value in expected.items():
            assert key in got, f"{where}.{key} is missing"
            _subset(value, got[key], f"{where}.{key}")
    else:
        # As JSON values: 45 and 45.0 differ.
        assert json.dumps(got) == json.dumps(expected), f"{where}: {got!r} != {expected!r}"


@pytest.mark.parametrize("ruleset,case", list(_cases()))
def test_shared_cases(ruleset, case, tmp_path):
    rules = tmp_path / "ruleset.json"
    rules.write_text(ruleset if isinstance(ruleset, str) else json.dumps(ruleset))
    error = case.get("expectError")
    if "lead" not in case:
        with pytest.raises(leadscore.RuleSetError) as refused:
            leadscore.Engine(ruleset)
        got = refused.value.problems
        assert len(got) == len(error["problems"])
        for p, want in zip(got, error["problems"]):
            assert p.message
            assert {k: getattr(p, k) for k in want} == want
        # The CLI reports the same problems, each as `path: message (code)`.
        out = run_cli("check", "--rules", str(rules))
        assert out.returncode != 0
        for p in refused.value.problems:
            assert str(p) in out.stderr
        return
    engine = leadscore.Engine(ruleset)
    text = case["lead"] if isinstance(case["lead"], str) else json.dumps(case["lead"])
    if error is not None:
        with pytest.raises(leadscore.LeadError) as refused:
            engine.score_json(text, case["now"])
        assert {k: getattr(refused.value.problem, k) for k in error} == error
        return
    line = engine.score_json(text, case["now"])
    _subset(case["expect"], json.loads(line))
    leads = tmp_path / "lead.ndjson"
    leads.write_text(text.replace("\n", " ") + "\n")
    assert cli_score(rules, leads, case["now"]) == [line + "\n"]


def test_rule_set_from_text_dict_path_and_compiled(tmp_path):
    path = ROOT / "examples/b2b-saas/ruleset.json"
    text = path.read_text()
    lead = json.loads((ROOT / "examples/b2b-saas/leads.json").read_text())[0]
    want = leadscore.Engine(text).score_json(lead, NOW)
    compiled = tmp_path / "rules.lsc"
    assert run_cli("compile", "--rules", str(path), "--out", str(compiled)).returncode == 0
    for form in (json.loads(text), path, str(path), compiled, compiled.read_bytes(), leadscore.Engine(text).to_compiled()):
        engine = leadscore.Engine(form)
        assert engine.key == "b2b-saas-mql@2026-11-01"
        assert engine.score_json(lead, NOW) == want


def test_a_bad_rule_set_is_a_value_error_with_every_problem():
    bad = {"schema": "leadscore.ruleset/v1", "id": "x", "version": "1", "fit": [{"id": "a", "points": "ten"}], "colour": 1}
    with pytest.raises(ValueError) as refused:
        leadscore.Engine(bad)
    assert isinstance(refused.value, leadscore.RuleSetError)
    paths = {(p.path, p.code) for p in refused.value.problems}
    assert ("colour", "unknownKey") in paths
    assert any(path.startswith("fit[0]") for path, _ in paths)
    assert str(refused.value).startswith(f"the rule set has {len(refused.value.problems)} problem(s)")


def test_rule_set_text_that_is_not_json_names_where():
    with pytest.raises(leadscore.RuleSetError) as refused:
        leadscore.Engine('{"schema": ')
    [problem] = refused.value.problems
    assert problem.code == "invalidJson" and "line 1" in problem.message


def test_a_compiled_rule_set_damaged_is_refused():
    compiled = bytearray(leadscore.Engine(ROOT / "examples/b2b-saas/ruleset.json").to_compiled())
    compiled[-1] ^= 0xFF
    with pytest.raises(leadscore.RuleSetError) as refused:
        leadscore.Engine(bytes(compiled))
    assert refused.value.problems[0].code


def test_a_bad_lead_is_a_lead_error_with_its_path(b2b):
    with pytest.raises(leadscore.LeadError) as refused:
        b2b.score({"id": "a", "profle": {}}, NOW)
    assert refused.value.path == "profle" and refused.value.code
    with pytest.raises(leadscore.LeadError) as refused:
        b2b.score_json("not json", NOW)
    assert refused.value.code == "invalidJson"
    with pytest.raises(ValueError):
        b2b.score({"id": "a", "profile": {"x": float("nan")}}, NOW)


def test_now_is_milliseconds_or_an_aware_datetime(b2b):
    lead = json.loads((ROOT / "examples/b2b-saas/leads.json").read_text())[0]
    want = b2b.score_json(lead, NOW)
    utc = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)
    paris = dt.datetime(2026, 11, 20, 13, 0, 0, 999, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert b2b.score_json(lead, utc) == want
    assert b2b.score_json(lead, paris) == want
    with pytest.raises(ValueError, match="naive"):
        b2b.score_json(lead, dt.datetime(2026, 11, 20, 12, 0))
    with pytest.raises(TypeError):
        b2b.score_json(lead, "2026-11-20T12:00:00Z")
    with pytest.raises(TypeError):
        b2b.score_json(lead, True)
    with pytest.raises(ValueError, match="out of range"):
        b2b.score_json(lead, 9_000_000_000_000_000)
