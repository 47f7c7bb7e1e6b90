"""Spark: score a DataFrame of leads with ``mapInArrow``, the engine built once per
Python worker from a broadcast rule set (python/README.md, "Spark").

    from leadscore.spark import score_dataframe
    scored = score_dataframe(spark.read.parquet("leads/"), engine, now, column="lead")

The wheel must be on every worker: ship a packed environment with ``spark.archives``
(python/README.md); ``spark.submit.pyFiles`` cannot carry a native extension.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Optional

from . import Engine, now_ms

# Spark has no unsigned integers: `level` is a tinyint (int8) here.
_SPARK_FIELDS = (
    ("lead_id", "string"),
    ("total", "double"),
    ("fit", "double"),
    ("engagement", "double"),
    ("stage", "string"),
    ("grade", "string"),
    ("level", "tinyint"),
    ("band", "string"),
    ("disqualified", "boolean"),
)

# Engines built in this Python process, by rule set: a Spark worker runs many tasks
# in one process (spark.python.worker.reuse), each gets the engine already built.
_ENGINES: dict = {}


def result_schema(explain: bool = False) -> str:
    """The DDL schema of :func:`score_batches`'s output, for ``mapInArrow``."""
    fields = list(_SPARK_FIELDS)
    if explain:
        fields.append(("explanation", "string"))
    fields.append(("error", "string"))
    return ", ".join(f"{n} {t}" for n, t in fields)


def _engine(source) -> Engine:
    engine = _ENGINES.get(source)
    if engine is None:
        engine = _ENGINES[source] = Engine(source)
    return engine


def score_batches(
    source: Any,
    now: Any,
    *,
    column: Optional[str] = "lead",
    explain: bool = False,
    threads: Optional[int] = 1,
) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The function to give ``DataFrame.mapInArrow`` with :func:`result_schema`.

    ``source``: the rule set's JSON text or compiled bytes, or a Spark ``Broadcast``
    of it (read on the worker, so the engine is built there once). ``column``: the
    column of lead JSON text; ``None`` when the rows are the leads (``id``,
    ``events`` and profile columns). ``threads``: per task; Spark runs one task per
    core already, so 1 by default.
    """
    now = now_ms(now)

    def score(batches):
        import pyarrow as pa

        rule_set = source.value if hasattr(source, "value") else source
        engine = _engine(rule_set)
        schema = None
        for batch in batches:
            data = batch.column(column) if column is not None else batch
            table = engine.score_arrow(data, now, explain=explain, threads=threads)
            if schema is None:
                schema = table.schema.set(
                    table.schema.get_field_index("level"), pa.field("level", pa.int8())
                )
            yield from table.cast(schema).to_batches()

    return score


def score_dataframe(df: Any, engine: Engine, now: Any, *, column: Optional[str] = "lead", explain: bool = False):
    """Every lead of the Spark DataFrame ``df`` scored: a DataFrame of
    :func:`result_schema`, one row per lead. The rule set is broadcast once."""
    broadcast = df.sparkSession.sparkContext.broadcast(engine.source)
    return df.mapInArrow(score_batches(broadcast, now, column=column, explain=explain), result_schema(explain))
