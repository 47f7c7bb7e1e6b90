"""The Arrow batch call: its schema, a bad lead's nulls and error, threads, the
table form, `now` per row, and pandas and Polars frames."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pytest

import leadscore
from conftest import NOW

SCHEMA = pa.schema(
    [
        ("lead_id", pa.string()),
        ("total", pa.float64()),
        ("fit", pa.float64()),
        ("engagement", pa.float64()),
        ("stage", pa.string()),
        ("grade", pa.string()),
        ("level", pa.uint8()),
        ("band", pa.string()),
        ("disqualified", pa.bool_()),
        ("error", pa.string()),
    ]
)


def _expected_row(line: str) -> dict:
    r = json.loads(line)
    return {
        "lead_id": r.get("leadId"),
        "total": float(r["total"]),
        "fit": float(r["fit"]),
        "engagement": float(r["engagement"]),
        "stage": r["stage"],
        "grade": r["grade"],
        "level": r["level"],
        "band": r["band"],
        "disqualified": r["disqualified"],
        "error": None,
    }


def test_schema_is_fixed_and_rows_match_the_cli(b2b, generated):
    table = b2b.score_arrow(pa.array(generated["texts"]), NOW)
    assert table.schema == SCHEMA
    assert table.column_names == [c for c in leadscore.RESULT_COLUMNS if c != "explanation"]
    assert table.to_pylist() == [_expected_row(line) for line in generated["cli"]]


def test_explanation_is_the_clis_line(b2b, generated):
    table = b2b.score_arrow(pa.array(generated["texts"]), NOW, explain=True)
    assert table.schema.names[-2:] == ["explanation", "error"]
    assert table.column("explanation").to_pylist() == generated["cli"]


def test_a_bad_lead_gets_nulls_and_an_error_and_the_batch_goes_on(b2b, generated):
    texts = list(generated["texts"][:4])
    texts[1] = "not json"
    texts[2] = None
    texts.insert(3, '{"id": "x", "profle": {}}')
    table = b2b.score_arrow(pa.array(texts, pa.string()), NOW, explain=True)
    rows = table.to_pylist()
    assert len(rows) == 5
    for i in (1, 2, 3):
        assert {k: v for k, v in rows[i].items() if k != "error"} == dict.fromkeys(table.column_names[:-1])
    assert rows[1]["error"].endswith("(invalidJson)")
    assert rows[2]["error"] == "the lead is null"
    assert rows[3]["error"].startswith("profle: ") and rows[3]["error"].endswith(")")
    assert [rows[i]["explanation"] for i in (0, 4)] == [generated["cli"][0], generated["cli"][3]]
    assert rows[0]["error"] is None and rows[4]["error"] is None


def test_threads_give_the_same_results(b2b, generated):
    data = pa.array(generated["texts"])
    one = b2b.score_arrow(data, NOW, explain=True, threads=1)
    assert b2b.score_arrow(data, NOW, explain=True, threads=3).equals(one)
    assert b2b.score_arrow(data, NOW, explain=True).equals(one)
    with pytest.raises(ValueError):
        b2b.score_arrow(data, NOW, threads=0)


def test_chunked_large_and_view_strings(b2b, generated):
    texts = generated["texts"][:300]
    want = b2b.score_arrow(pa.array(texts), NOW)
    chunked = pa.chunked_array([texts[:100], texts[100:101], texts[101:]])
    assert b2b.score_arrow(chunked, NOW).combine_chunks().equals(want.combine_chunks())
    assert b2b.score_arrow(pa.array(texts, pa.large_string()), NOW).equals(want)
    assert b2b.score_arrow(pa.array(texts, pa.string_view()), NOW).equals(want)


def test_a_table_of_profile_columns_and_events_scores_as_its_json(b2b, generated):
    leads = generated["leads"][:500]
    # Profile fields as columns (company as a struct), events as a list of structs
    # with every property the events have.
    table = pa.Table.from_pylist(
        [{"id": lead["id"], **lead["profile"], "events": lead["events"]} for lead in leads]
    )
    assert pa.types.is_list(table.schema.field("events").type)
    got = b2b.score_arrow(table, NOW, explain=True)
    assert got.column("error").null_count == len(leads)
    assert got.column("explanation").to_pylist() == generated["cli"][:500]
    # A record batch, and other names for the id and events columns.
    renamed = table.rename_columns(["key" if n == "id" else "history" if n == "events" else n for n in table.column_names])
    again = b2b.score_arrow(renamed.to_batches()[0], NOW, explain=True, id_column="key", events_column="history")
    assert again.column("explanation").to_pylist() == generated["cli"][: len(again)]


def test_event_times_as_timestamps_with_a_timezone(b2b):
    at = dt.datetime(2026, 11, 19, 14, 0, tzinfo=dt.timezone.utc)
    events = [{"type": "page_view", "ts": at, "url": "/pricing", "seconds": 200}]
    table = pa.table({"id": ["a"], "jobTitle": ["CTO"], "events": [events]})
    assert pa.types.is_timestamp(table.schema.field("events").type.value_type.field("ts").type)
    got = b2b.score_arrow(table, NOW, explain=True).column("explanation")[0].as_py()
    lead = {"id": "a", "profile": {"jobTitle": "CTO"}, "events": [{**events[0], "ts": "2026-11-19T14:00:00Z"}]}
    assert got == b2b.score_json(lead, NOW)
    assert json.loads(got)["events"]["scored"] == 1
    # The same instant in another zone scores the same.
    paris = [{**events[0], "ts": at.astimezone(dt.timezone(dt.timedelta(hours=1)))}]
    table = pa.table({"id": ["a"], "jobTitle": ["CTO"], "events": [paris]})
    assert table.schema.field("events").type.value_type.field("ts").type.tz == "+01:00"
    assert b2b.score_arrow(table, NOW, explain=True).column("explanation")[0].as_py() == got
    # A naive one names no instant: the event is set aside as invalid, with its path.
    naive = [{**events[0], "ts": at.replace(tzinfo=None)}]
    tally = json.loads(
        b2b.score_arrow(pa.table({"id": ["a"], "events": [naive]}), NOW, explain=True).column("explanation")[0].as_py()
    )["events"]
    assert tally["scored"] == 0 and tally["skipped"] == {"invalid": 1}
    assert (tally["problems"][0]["path"], tally["problems"][0]["code"]) == ("events[0].ts", "invalidTimestamp")


def test_now_per_row(b2b, generated):
    texts = pa.array(generated["texts"][:3])
    later = NOW + 30 * 86_400_000
    per_row = b2b.score_arrow(texts, pa.array([NOW, later, None], pa.int64()), explain=True).to_pylist()
    assert per_row[0]["explanation"] == b2b.score_json(generated["texts"][0], NOW)
    assert per_row[1]["explanation"] == b2b.score_json(generated["texts"][1], later)
    assert per_row[2]["error"] == "now is null"
    import numpy as np

    assert b2b.score_arrow(texts, np.int64(NOW)).equals(b2b.score_arrow(texts, NOW))
    assert b2b.score_arrow(texts, np.array([NOW] * 3)).equals(b2b.score_arrow(texts, NOW))
    stamps = pa.array([dt.datetime(2026, 11, 20, 12, tzinfo=dt.timezone.utc)] * 3, pa.timestamp("us", tz="UTC"))
    assert b2b.score_arrow(texts, stamps).equals(b2b.score_arrow(texts, NOW))
    with pytest.raises(ValueError, match="naive"):
        b2b.score_arrow(texts, pa.array([dt.datetime(2026, 11, 20)] * 3, pa.timestamp("us")))
    with pytest.raises(ValueError, match="rows"):
        b2b.score_arrow(texts, pa.array([NOW], pa.int64()))


def test_data_of_another_type_is_refused(b2b):
    with pytest.raises(TypeError, match="JSON text"):
        b2b.score_arrow(pa.array([1, 2]), NOW)
    with pytest.raises(TypeError, match="events column"):
        b2b.score_arrow(pa.table({"id": ["a"], "events": ["x"]}), NOW)


def test_pandas_frame(b2b, generated):
    import pandas as pd

    frame = pd.DataFrame({"lead": generated["texts"][:50] + ["nope"]})
    got = b2b.score_frame(frame, NOW, column="lead")
    assert isinstance(got, pd.DataFrame) and len(got) == 51
    assert list(got["lead_id"][:50]) == [json.loads(line)["leadId"] for line in generated["cli"][:50]]
    assert list(got["total"][:50]) == [float(json.loads(line)["total"]) for line in generated["cli"][:50]]
    assert got["total"].isna().iloc[50] and "invalidJson" in got["error"].iloc[50]


def test_polars_frame(b2b, generated):
    import polars as pl

    leads = generated["leads"][:50]
    frame = pl.DataFrame([{"id": lead["id"], **lead["profile"], "events": lead["events"]} for lead in leads])
    got = b2b.score_frame(frame, NOW, explain=True)
    assert isinstance(got, pl.DataFrame)
    assert got["explanation"].to_list() == generated["cli"][:50]
