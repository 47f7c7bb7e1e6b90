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
