"""Spark local[2], offline on loopback: mapInArrow over generated Parquet matches
the CLI on every row. scripts/test-python.sh installs Java and pyspark; when either
is missing this fails, with the reason, rather than skip."""

from __future__ import annotations

import json
import os
import shutil
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import leadscore.spark
from conftest import NOW


@pytest.fixture(scope="module")
def spark():
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.fail("Spark needs Java: none on PATH or in JAVA_HOME (scripts/test-python.sh installs it)")
    try:
        from pyspark.sql import SparkSession
    except ImportError as e:
        pytest.fail(f"pyspark cannot be imported: {e}")
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    # The workers run this interpreter, which has the package and pyarrow.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("leadscore-test")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "700")
        .getOrCreate()
    )
    yield session
    session.stop()


def test_map_in_arrow_over_parquet_matches_the_cli_on_every_row(spark, b2b, generated, tmp_path):
    path = tmp_path / "leads.parquet"
    # Several files and row groups, so several tasks and batches.
    pq.write_table(pa.table({"lead": generated["texts"][:1200]}), path, row_group_size=300)
    pq.write_table(pa.table({"lead": generated["texts"][1200:]}), tmp_path / "more.parquet", row_group_size=300)
    leads = spark.read.parquet(str(path), str(tmp_path / "more.parquet"))
    scored = leadscore.spark.score_dataframe(leads, b2b, NOW, column="lead", explain=True)
    rows = {r["lead_id"]: r.asDict() for r in scored.collect()}
    assert len(rows) == len(generated["cli"])
    for line in generated["cli"]:
        r = json.loads(line)
        got = rows[r["leadId"]]
        assert got["explanation"] == line
        assert (got["total"], got["stage"], got["level"], got["error"]) == (float(r["total"]), r["stage"], r["level"], None)


def test_map_in_arrow_over_rows_of_profile_and_events(spark, b2b, generated, tmp_path):
    leads = generated["leads"][:400]
    table = pa.Table.from_pylist([{"id": lead["id"], **lead["profile"], "events": lead["events"]} for lead in leads])
    pq.write_table(table, tmp_path / "rows.parquet")
    df = spark.read.parquet(str(tmp_path / "rows.parquet"))
    scored = leadscore.spark.score_dataframe(df, b2b, NOW, column=None, explain=True)
    got = {r["lead_id"]: r["explanation"] for r in scored.collect()}
    assert got == {json.loads(line)["leadId"]: line for line in generated["cli"][:400]}
