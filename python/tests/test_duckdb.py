"""DuckDB: the vectorised UDFs over a generated table match the CLI on every row."""

from __future__ import annotations

import json

import duckdb
import pytest

import leadscore
import leadscore.duckdb
from conftest import NOW


@pytest.fixture()
def con(b2b, generated):
    con = duckdb.connect()
    leadscore.duckdb.register(con, b2b, name="lead_score")
    con.execute("CREATE TABLE leads (n INTEGER, lead VARCHAR)")
    con.executemany("INSERT INTO leads VALUES (?, ?)", list(enumerate(generated["texts"])))
    yield con
    con.close()


def test_json_udf_matches_the_cli_on_every_row(con, generated):
    # More rows than one DuckDB vector (2,048), so several calls.
    con.execute("INSERT INTO leads SELECT n + 2000, lead FROM leads")
    rows = con.execute("SELECT lead_score_json(lead, ?) FROM leads ORDER BY n", [NOW]).fetchall()
    assert [r[0] for r in rows] == generated["cli"] * 2


def test_struct_udf_matches_the_cli_on_every_row(con, generated):
    rows = con.execute(
        "SELECT s.lead_id, s.total, s.fit, s.engagement, s.stage, s.grade, s.level, s.band, s.disqualified, s.error "
        "FROM (SELECT n, lead_score(lead, ?) AS s FROM leads) ORDER BY n",
        [NOW],
    ).fetchall()
    want = []
    for line in generated["cli"]:
        r = json.loads(line)
        want.append(
            (r["leadId"], float(r["total"]), float(r["fit"]), float(r["engagement"]), r["stage"], r["grade"],
             r["level"], r["band"], r["disqualified"], None)
        )
    assert rows == want


def test_bad_leads_and_a_timestamp_now(con, b2b, generated):
    con.execute("INSERT INTO leads VALUES (9000, 'not json'), (9001, NULL)")
    bad = con.execute(
        "SELECT lead_score(lead, ?).error, lead_score_json(lead, ?) FROM leads WHERE n >= 9000 ORDER BY n", [NOW, NOW]
    ).fetchall()
    assert bad[0][0].endswith("(invalidJson)") and bad[0][1] is None
    assert bad[1] == ("the lead is null", None)
    at = con.execute(
        "SELECT lead_score_json(lead, epoch_ms(TIMESTAMPTZ '2026-11-20 12:00:00+00')) FROM leads WHERE n = 0"
    ).fetchone()
    assert at[0] == generated["cli"][0]


def test_scored_over_parquet_of_profile_columns_and_events(b2b, generated, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    leads = generated["leads"]
    table = pa.Table.from_pylist([{"id": lead["id"], **lead["profile"], "events": lead["events"]} for lead in leads])
    pq.write_table(table, tmp_path / "leads.parquet", row_group_size=500)
    con = duckdb.connect()
    relation = leadscore.duckdb.scored(
        con, b2b, f"SELECT * FROM '{tmp_path / 'leads.parquet'}'", NOW, keep=("id",), explain=True, batch_rows=700
    )
    rows = relation.fetchall()
    assert relation.columns[:2] == ["id", "lead_id"] and relation.columns[-2:] == ["explanation", "error"]
    assert [(r[0], r[-2], r[-1]) for r in rows] == [
        (lead["id"], line, None) for lead, line in zip(leads, generated["cli"])
    ]
    # A column of JSON, with the struct fields in SQL.
    con.execute("CREATE TABLE leads AS SELECT * FROM (VALUES (1, ?), (2, 'not json')) t(n, lead)", [generated["texts"][0]])
    got = leadscore.duckdb.scored(con, b2b, "SELECT n, lead FROM leads ORDER BY n", NOW, column="lead", keep=("n",))
    first, second = got.fetchall()
    assert first[:3] == (1, "lead-0", float(json.loads(generated["cli"][0])["total"])) and first[-1] is None
    assert second[0] == 2 and second[1] is None and second[-1].endswith("(invalidJson)")
