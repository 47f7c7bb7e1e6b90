"""Shared by the tests: the repository's examples and cases, the leadscore CLI to
compare with (LEADSCORE_CLI, set by scripts/test-python.sh), and generated leads."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from leads import NOW, ROOT, generated_leads  # noqa: F401  (re-exported to the tests)

EXAMPLES = ("b2b-saas", "product-led", "domain-defaults")


def cli_path() -> str:
    path = os.environ.get("LEADSCORE_CLI")
    if not path:
        for build in ("release", "debug"):
            candidate = ROOT / "target" / build / "leadscore"
            if candidate.exists():
                path = str(candidate)
                break
    if not path or not os.access(path, os.X_OK):
        pytest.fail("no leadscore CLI to compare with: set LEADSCORE_CLI or run scripts/test-python.sh")
    return path


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([cli_path(), *args], input=stdin, capture_output=True, text=True, check=False)


def cli_score(rules: Path, leads: Path, now: int = NOW) -> list[str]:
    """The CLI's output lines (each with its newline) for a file of leads."""
    out = run_cli("score", "--rules", str(rules), "--leads", str(leads), "--now", str(now))
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines(keepends=True)


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    """2,000 generated leads, their NDJSON file, and the CLI's line for each."""
    leads = generated_leads(2000)
    path = tmp_path_factory.mktemp("generated") / "leads.ndjson"
    texts = [json.dumps(lead, separators=(",", ":")) for lead in leads]
    path.write_text("".join(t + "\n" for t in texts))
    lines = cli_score(ROOT / "examples/b2b-saas/ruleset.json", path)
    assert len(lines) == len(leads)
    return {"leads": leads, "texts": texts, "path": path, "cli": [line.rstrip("\n") for line in lines]}


@pytest.fixture(scope="session")
def b2b():
    import leadscore

    return leadscore.Engine(ROOT / "examples/b2b-saas/ruleset.json")
