"""Generated leads, for the tests and the throughput benchmark (bench.py)."""

from __future__ import annotations

import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: 2026-11-20T12:00:00Z, the `now` of the golden cases (tests/common/golden.rs).
NOW = 1_795_176_000_000


def generated_leads(count: int, seed: int = 27) -> list[dict]:
    """`count` leads varied from the b2b-saas example's: profiles and events
    recombined and shifted in time, some events set aside (unknown types, after now,
    repeated ids), ids unique."""
    base = json.loads((ROOT / "examples/b2b-saas/leads.json").read_text())
    profiles = [lead.get("profile", {}) for lead in base]
    events = [e for lead in base for e in lead.get("events", [])]
    rng = random.Random(seed)
    titles = ["VP of Engineering", "Head of Sales", "Student", "CTO", "Marketing Manager", "Intern"]
    leads = []
    for i in range(count):
        profile = json.loads(json.dumps(rng.choice(profiles)))
        profile["jobTitle"] = rng.choice(titles)
        if isinstance(profile.get("company"), dict):
            profile["company"]["size"] = rng.choice([3, 40, 420, 5000])
        chosen = []
        for _ in range(rng.randrange(0, 12)):
            e = dict(rng.choice(events))
            e["ts"] = NOW - rng.randrange(-86_400_000, 40 * 86_400_000)
            if rng.random() < 0.05:
                e["type"] = "page_veiw"
            if rng.random() < 0.05:
                e["id"] = "repeat"
            chosen.append(e)
        leads.append({"id": f"lead-{i}", "profile": profile, "events": chosen})
    return leads
