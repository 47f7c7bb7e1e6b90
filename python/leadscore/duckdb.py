"""DuckDB: the engine as vectorised (Arrow) scalar functions.

    import duckdb, leadscore, leadscore.duckdb
    con = duckdb.connect()
    leadscore.duckdb.register(con, leadscore.Engine("ruleset.json"), name="lead_score")
    con.sql("SELECT lead_score(lead, 1795176000000).total FROM read_parquet('leads.parquet')")

``name(lead_json, now)`` returns a STRUCT of the batch result's columns
(``lead_id``, ``total``, ``fit``, ``engagement``, ``stage``, ``grade``, ``level``,
``band``, ``disqualified``, ``error``); ``name_json(lead_json, now)`` the CLI's line
for the lead (NULL for a lead that cannot be scored). ``now`` is BIGINT
milliseconds: for a TIMESTAMPTZ ``t``, pass ``epoch_ms(t)``.

``scored(con, engine, source, now)`` is the table-valued form: every row of a
query (Parquet of leads as profile columns and an events list, or a column of
JSON) scored as it streams, as a relation of the batch result's columns.
"""

from __future__ import annotations

from typing import Any

#: The STRUCT the scoring function returns, field for field the batch result.
RESULT_TYPE = (
    "STRUCT(lead_id VARCHAR, total DOUBLE, fit DOUBLE, engagement DOUBLE, stage VARCHAR, "
    "grade VARCHAR, level UTINYINT, band VARCHAR, disqualified BOOLEAN, error VARCHAR)"
)


def register(con: Any, engine: Any, name: str = "lead_score", *, threads: int | None = None) -> None:
    """Registers ``name(lead_json, now)`` and ``name_json(lead_json, now)`` on the
    DuckDB connection ``con``. Each call of DuckDB's gives a vector of rows (2,048
    by default) to one batch call, with the GIL released while it scores."""
    import duckdb
    import pyarrow as pa

    def scored(leads, now):
        table = engine.score_arrow(leads, now, threads=threads)
        return pa.StructArray.from_arrays([c.combine_chunks() for c in table.columns], names=table.column_names)

    def scored_json(leads, now):
        return engine.score_arrow(leads, now, explain=True, threads=threads).column("explanation")

    result_type = duckdb.sqltype(RESULT_TYPE)
    for suffix, fn, returns in (("", scored, result_type), ("_json", scored_json, duckdb.sqltype("VARCHAR"))):
        # One function per name: DuckDB's Python UDFs have no overloads, so `now`
        # is taken as BIGINT and a TIMESTAMPTZ goes through epoch_ms() (see README).
        con.create_function(
            name + suffix,
            fn,
            [duckdb.sqltype("VARCHAR"), duckdb.sqltype("BIGINT")],
            returns,
            type="arrow",
            null_handling="special",
            side_effects=False,
        )


def scored(
    con: Any,
    engine: Any,
    source: str,
    now: Any,
    *,
    column: str | None = None,
    keep: tuple = (),
    explain: bool = False,
    threads: int | None = None,
    batch_rows: int = 100_000,
):
    """The leads of the query ``source`` scored, as a DuckDB
    relation: the batch result's columns, one row per lead in order, after the
    ``keep`` columns of the source. ``column`` names a column of lead JSON; without
    it the rows are the leads (``id``, ``events`` and profile columns, the ``keep``
    ones included). The query runs on a cursor of its own and streams through in
    batches of ``batch_rows``, each scored without the GIL; the relation can be
    read once.

        leadscore.duckdb.scored(con, engine, "SELECT * FROM 'leads/*.parquet'", now).to_table("scores")
    """
    import pyarrow as pa

    # The query streams on a cursor of its own: a connection with an open result
    # cannot run the query that reads the scores.
    relation = con.cursor().sql(source)
    if hasattr(relation, "to_arrow_reader"):
        reader = relation.to_arrow_reader(batch_rows)
    else:
        reader = relation.fetch_record_batch(batch_rows)
    empty = engine.score_arrow(pa.array([], pa.string()), 0, explain=explain)
    kept = [reader.schema.field(name) for name in keep]
    schema = pa.schema(kept + list(empty.schema))

    def batches():
        for batch in reader:
            data = batch.column(column) if column is not None else batch
            result = engine.score_arrow(data, now, explain=explain, threads=threads)
            columns = [batch.column(name) for name in keep] + [c.combine_chunks() for c in result.columns]
            yield pa.RecordBatch.from_arrays(columns, schema=schema)

    return con.from_arrow(pa.RecordBatchReader.from_batches(schema, batches()))
