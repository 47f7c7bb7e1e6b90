"""``Engine.score_frame``: pandas and Polars frames through the Arrow batch call."""

from __future__ import annotations

from typing import Any


def _library(frame: Any) -> str:
    module = type(frame).__module__.split(".")[0]
    if module in ("pandas", "polars"):
        return module
    raise TypeError(f"score_frame takes a pandas or Polars DataFrame, not {type(frame).__module__}.{type(frame).__name__}")


def score_frame(engine, frame: Any, now: Any, *, column, explain, threads, id_column, events_column):
    import pyarrow as pa

    library = _library(frame)
    if library == "pandas":
        table = pa.Table.from_pandas(frame, preserve_index=False)
    else:
        table = frame.to_arrow()
    data = table.column(column) if column is not None else table
    result = engine.score_arrow(
        data, now, explain=explain, threads=threads, id_column=id_column, events_column=events_column
    )
    if library == "pandas":
        # Nullable dtypes keep a failed lead's nulls as nulls (not NaN or False).
        import pandas as pd

        return result.to_pandas(types_mapper=pd.ArrowDtype)
    import polars as pl

    return pl.from_arrow(result)
