"""leadscore: the lead-scoring engine of the leadscore CLI, for Python.

    >>> import leadscore, datetime
    >>> engine = leadscore.Engine("examples/b2b-saas/ruleset.json")
    >>> engine.score({"id": "ann", "profile": {"jobTitle": "CTO"}}, now=1795176000000)["stage"]

See python/README.md: batches over Arrow data, pandas and Polars frames, DuckDB and
Spark, and backtests and learning on histories (``backtest``, ``suggest``,
``threshold_sweep``, ``learn``).
"""

from __future__ import annotations

import datetime as _dt
import json as _json
import numbers as _numbers
import os as _os
from collections.abc import Mapping as _Mapping
from typing import Any, NamedTuple, Optional, Union

from . import _native

__all__ = [
    "Engine",
    "RuleSetError",
    "LeadError",
    "Problem",
    "RESULT_COLUMNS",
    "now_ms",
    "backtest",
    "suggest",
    "threshold_sweep",
    "learn",
    "Learnt",
    "HistoryWarning",
]

#: The columns of a batch result, in order (python/README.md, "Batches");
#: `explanation` only with ``explain=True``.
RESULT_COLUMNS = (
    "lead_id",
    "total",
    "fit",
    "engagement",
    "stage",
    "grade",
    "level",
    "band",
    "disqualified",
    "explanation",
    "error",
)


class Problem(NamedTuple):
    """One thing wrong with an input, at a JSON path such as ``engagement[2].where``."""

    path: str
    code: str
    message: str

    def __str__(self) -> str:
        if self.path:
            return f"{self.path}: {self.message} ({self.code})"
        return f"{self.message} ({self.code})"


class RuleSetError(ValueError):
    """A rule set refused whole, with every problem found in it (as ``leadscore check``
    lists them)."""

    def __init__(self, message: str, problems: list[Problem]):
        super().__init__(message)
        self.problems = problems


class LeadError(ValueError):
    """A lead that could not be scored (not JSON, not of a lead's shape, over a limit)."""

    def __init__(self, message: str, problem: Problem):
        super().__init__(message)
        self.problem = problem
        self.path = problem.path
        self.code = problem.code


_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_MS = _dt.timedelta(milliseconds=1)

Now = Union[int, _dt.datetime]


def now_ms(now: Now) -> int:
    """Milliseconds since the epoch for ``now``: an int as it is, or a timezone-aware
    datetime (sub-millisecond parts dropped toward the past). A naive datetime is
    refused: it names no instant."""
    if isinstance(now, bool):
        raise TypeError("now must be milliseconds (int) or a timezone-aware datetime, not a bool")
    if isinstance(now, _numbers.Integral):
        # int, and numpy's integers
        return int(now)
    if isinstance(now, _dt.datetime):
        if now.tzinfo is None or now.tzinfo.utcoffset(now) is None:
            raise ValueError(
                f"now {now.isoformat()} is a naive datetime: give it a timezone "
                "(datetime(..., tzinfo=timezone.utc)) or milliseconds since the epoch"
            )
        return (now - _EPOCH) // _MS
    raise TypeError(f"now must be milliseconds (int) or a timezone-aware datetime, not {type(now).__name__}")


def _rule_set_error(e: _native.RuleSetRefused) -> RuleSetError:
    message, problems = e.args
    return RuleSetError(message, [Problem(*p) for p in problems])


def _lead_error(e: _native.LeadRefused) -> LeadError:
    message, path, code, detail = e.args
    return LeadError(message, Problem(path, code, detail))


def _lead_text(lead: Any) -> str:
    if isinstance(lead, str):
        return lead
    if isinstance(lead, (bytes, bytearray, memoryview)):
        return bytes(lead).decode("utf-8")
    if isinstance(lead, _Mapping):
        # NaN and infinities are not JSON: refused here rather than written as tokens
        # the engine would refuse with a less useful message.
        return _json.dumps(lead, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    raise TypeError(f"a lead is a dict or its JSON text, not {type(lead).__name__}")


class Engine:
    """One rule set, ready to score leads.

    ``ruleset`` is the rule set as a dict, its JSON text (a string starting with
    ``{``), a path to a JSON or compiled (``.lsc``) rule set (a string or
    ``os.PathLike``), or compiled bytes. A bad rule set raises :class:`RuleSetError`
    with every problem and its path.
    """

    __slots__ = ("_native", "_source")

    def __init__(self, ruleset: Union[str, bytes, _os.PathLike, _Mapping]):
        source: Union[str, bytes]
        if isinstance(ruleset, _Mapping):
            source = _json.dumps(ruleset, ensure_ascii=False, allow_nan=False)
        elif isinstance(ruleset, (bytes, bytearray, memoryview)):
            source = bytes(ruleset)
        elif isinstance(ruleset, str) and ruleset.lstrip().startswith("{"):
            source = ruleset
        elif isinstance(ruleset, (str, _os.PathLike)):
            with open(ruleset, "rb") as f:
                source = f.read()
        else:
            raise TypeError(f"a rule set is a dict, JSON text, a path or compiled bytes, not {type(ruleset).__name__}")
        try:
            if isinstance(source, bytes):
                if source.startswith(_native.Engine.compiled_magic()):
                    self._native = _native.Engine.from_compiled(source)
                else:
                    source = source.decode("utf-8")
                    self._native = _native.Engine.from_json(source)
            else:
                self._native = _native.Engine.from_json(source)
        except _native.RuleSetRefused as e:
            raise _rule_set_error(e) from None
        self._source = source

    @property
    def key(self) -> str:
        """The rule set's ``id@version``."""
        return self._native.key

    @property
    def source(self) -> Union[str, bytes]:
        """The rule set as it was given: JSON text or compiled bytes (what a Spark
        job broadcasts to build the engine again on each worker)."""
        return self._source

    def to_compiled(self) -> bytes:
        """The rule set compiled, as ``leadscore compile`` writes it."""
        return self._native.to_compiled()

    def __repr__(self) -> str:
        return f"leadscore.Engine({self.key!r})"

    def score_json(self, lead: Any, now: Now) -> str:
        """The result of one lead as JSON text: the bytes of the CLI's line for it
        (``leadscore score`` writes this and a newline)."""
        try:
            return self._native.score_json(_lead_text(lead), now_ms(now))
        except _native.LeadRefused as e:
            raise _lead_error(e) from None

    def score(self, lead: Any, now: Now) -> dict:
        """The result of one lead as a dict (the CLI's JSON, parsed)."""
        return _json.loads(self.score_json(lead, now))

    def score_arrow(
        self,
        data: Any,
        now: Any,
        *,
        explain: bool = False,
        threads: Optional[int] = None,
        id_column: str = "id",
        events_column: str = "events",
    ):
        """Scores a batch of leads and returns a ``pyarrow.Table`` of the fixed schema
        :data:`RESULT_COLUMNS`, one row per lead in order.

        ``data``: an Arrow array or chunked array of JSON text (one lead each), or a
        table / record batch whose ``id_column`` is the lead's id, ``events_column`` a
        list of event structs, and every other column a profile field. Anything that
        speaks the Arrow PyCapsule interface works (pyarrow, Polars, DuckDB, arro3).

        ``now``: milliseconds, a timezone-aware datetime, or an Arrow array of them
        (one per lead: int64 milliseconds or timestamps with a timezone).

        A lead that cannot be scored gets nulls and a message in ``error``; the batch
        goes on. The GIL is released while scoring, on ``threads`` threads (default:
        one per core).
        """
        fixed, column = _now_argument(now)
        return self._native.score_arrow(
            data,
            fixed,
            now_column=column,
            explain=explain,
            threads=threads,
            id_column=id_column,
            events_column=events_column,
        )

    def score_frame(
        self,
        frame: Any,
        now: Any,
        *,
        column: Optional[str] = None,
        explain: bool = False,
        threads: Optional[int] = None,
        id_column: str = "id",
        events_column: str = "events",
    ):
        """:meth:`score_arrow` for a pandas or Polars DataFrame, returning a frame of
        the same library, one row per lead in order. ``column`` names a column of
        JSON text; without it the frame's rows are the leads (id, events, profile
        columns)."""
        from . import frames

        return frames.score_frame(
            self,
            frame,
            now,
            column=column,
            explain=explain,
            threads=threads,
            id_column=id_column,
            events_column=events_column,
        )


def _now_argument(now: Any):
    """``now`` as the native call takes it: (milliseconds, None) or (None, int64 array)."""
    if isinstance(now, (_numbers.Integral, _dt.datetime)):
        return now_ms(now), None
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(now, pa.ChunkedArray):
        now = now.combine_chunks()
    if not isinstance(now, pa.Array):
        now = pa.array(now)
    if pa.types.is_timestamp(now.type):
        if now.type.tz is None:
            raise ValueError("now is a column of naive timestamps: give them a timezone, or use milliseconds")
        # Sub-millisecond parts dropped toward the past, as now_ms does.
        now = pc.floor_temporal(now, unit="millisecond").cast(pa.timestamp("ms", tz=now.type.tz)).cast(pa.int64())
    elif pa.types.is_integer(now.type):
        now = now.cast(pa.int64())
    else:
        raise TypeError(f"a column of now must be int64 milliseconds or timestamps with a timezone, not {now.type}")
    return None, now


# After Engine and now_ms, which they use.
from .history import HistoryWarning, Learnt, backtest, learn, suggest, threshold_sweep  # noqa: E402
