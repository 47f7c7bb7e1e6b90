"""Throughput of the Python package against the native CLI on the same leads
(docs/PERFORMANCE.md, "Python, DuckDB and Spark"). Figures, not pass/fail.

    LEADSCORE_CLI=target/release/leadscore .tools/python/bin/python python/bench.py [LEADS [PART...]]

PART is cli, python, duckdb or spark (all by default).

Each way scores the same generated leads (python/tests/leads.py) with the b2b-saas
example at the golden cases' `now`, and is timed from its input in memory (or on
disk for the CLI and Spark) to the last result; the best of `ROUNDS` runs counts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "tests"))

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

import leadscore  # noqa: E402
from leads import NOW, ROOT, generated_leads  # noqa: E402

ROUNDS = 3
RULES = ROOT / "examples/b2b-saas/ruleset.json"


def best(fn, rounds=ROUNDS):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    parts = set(sys.argv[2:]) or {"cli", "python", "duckdb", "spark"}
    cli = os.environ.get("LEADSCORE_CLI", str(ROOT / "target/release/leadscore"))
    texts = [json.dumps(lead, separators=(",", ":")) for lead in generated_leads(count)]
    size = sum(len(t) + 1 for t in texts)
    engine = leadscore.Engine(RULES)
    work = Path(tempfile.mkdtemp(prefix="leadscore-bench-"))
    ndjson = work / "leads.ndjson"
    ndjson.write_text("".join(t + "\n" for t in texts))
    results = []

    def report(name, seconds, note=""):
        results.append((name, seconds))
        print(f"{name:<56} {count / seconds:>12,.0f} leads/s  {seconds:7.2f} s  {note}", flush=True)

    print(f"{count:,} leads, {size / 1e6:.1f} MB of NDJSON; load: {os.getloadavg()}", flush=True)

    def run_cli():
        with open(os.devnull, "wb") as sink:
            subprocess.run(
                [cli, "score", "--rules", str(RULES), "--leads", str(ndjson), "--now", str(NOW)], stdout=sink, check=True
            )

    if "cli" in parts:
        report("CLI (native, one thread, NDJSON file -> stdout)", best(run_cli))
    array = pa.array(texts)
    if "python" in parts:
        python_batch(engine, texts, array, count, report)
    if "duckdb" in parts:
        duckdb_udf(engine, array, report)
    if "spark" in parts:
        spark_job(engine, array, work, report)


def python_batch(engine, texts, array, count, report):
    report("Python engine.score_json, one call per lead", best(lambda: [engine.score_json(t, NOW) for t in texts]))
    report("Python score_arrow, threads=1", best(lambda: engine.score_arrow(array, NOW, threads=1)))
    report(f"Python score_arrow, threads={os.cpu_count()} (all cores)", best(lambda: engine.score_arrow(array, NOW)))
    rows = pa.Table.from_pylist(
        [{"id": lead["id"], **lead["profile"], "events": lead["events"]} for lead in generated_leads(count)]
    )
    report("Python score_arrow, table of columns, all cores", best(lambda: engine.score_arrow(rows, NOW)))
    report(
        "Python score_arrow explain=True (CLI lines), all cores",
        best(lambda: engine.score_arrow(array, NOW, explain=True)),
    )


def duckdb_udf(engine, array, report):
    import duckdb

    from leadscore import duckdb as leadscore_duckdb

    con = duckdb.connect()
    leadscore_duckdb.register(con, engine, name="lead_score")
    con.register("array_table", pa.table({"lead": array}))
    con.execute("CREATE TABLE leads AS SELECT lead FROM array_table")
    query = f"SELECT count(*), sum(s.total) FROM (SELECT lead_score(lead, {NOW}) AS s FROM leads)"
    report("DuckDB lead_score(lead, now), in-memory table", best(lambda: con.execute(query).fetchall()))
    query_json = f"SELECT sum(length(lead_score_json(lead, {NOW}))) FROM leads"
    report("DuckDB lead_score_json (CLI lines)", best(lambda: con.execute(query_json).fetchall()))
    con.close()


def spark_job(engine, array, work, report):
    parquet = work / "leads.parquet"
    pq.write_table(pa.table({"lead": array}), parquet, row_group_size=50_000)
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    from leadscore import spark as leadscore_spark

    started = time.perf_counter()
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    startup = time.perf_counter() - started
    leads = spark.read.parquet(str(parquet))

    def run_spark():
        scored = leadscore_spark.score_dataframe(leads, engine, NOW, column="lead")
        scored.agg(F.count("*"), F.sum("total")).collect()

    report("Spark local[2] mapInArrow over Parquet", best(run_spark), f"(session start {startup:.1f} s, not counted)")
    spark.stop()


if __name__ == "__main__":
    main()
