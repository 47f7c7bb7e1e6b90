"""Backtesting and learning on histories of leads with known outcomes
(docs/BACKTEST.md): the CLI's ``backtest``, ``suggest`` and ``learn``, with the same
results. Re-exported by the package: ``leadscore.backtest``, ``leadscore.suggest``,
``leadscore.threshold_sweep``, ``leadscore.learn``."""

from __future__ import annotations

import json as _json
import os as _os
import warnings as _warnings
from collections.abc import Mapping as _Mapping
from typing import Any, NamedTuple, Optional, Union

from . import _native

__all__ = ["backtest", "suggest", "threshold_sweep", "learn", "Learnt", "HistoryWarning"]


class HistoryWarning(UserWarning):
    """Rows of a history that could not be read and were skipped (as the CLI
    reports them on standard error); the run goes on without them."""


class Learnt(NamedTuple):
    """What :func:`learn` gives: the rule set (a dict, ready for ``Engine``) and the
    figures of the fit (AUCs, features, the holdout's backtest report)."""

    rule_set: dict
    report: dict


def _history(history: Any) -> tuple[dict, str]:
    """The native call's history arguments (``path`` or ``text``) and its name in
    messages."""
    if isinstance(history, (bytes, bytearray, memoryview)):
        return {"text": bytes(history)}, "history"
    if isinstance(history, str) and ("\n" in history or history.lstrip().startswith("{")):
        return {"text": history.encode("utf-8")}, "history"
    if isinstance(history, (str, _os.PathLike)):
        path = _os.fspath(history)
        return {"path": path}, path
    if isinstance(history, (list, tuple)):
        lines = "".join(_json.dumps(lead, ensure_ascii=False, allow_nan=False) + "\n" for lead in history)
        return {"text": lines.encode("utf-8")}, "history"
    raise TypeError(
        "a history is a path, its text (bytes, or a str with a line break), or a list of lead dicts, "
        f"not {type(history).__name__}"
    )


def _mapping(mapping: Any) -> Optional[str]:
    if mapping is None:
        return None
    if isinstance(mapping, _Mapping):
        return _json.dumps(mapping, ensure_ascii=False, allow_nan=False)
    if isinstance(mapping, (str, _os.PathLike)):
        return _os.fspath(mapping)
    raise TypeError(f"a mapping is a dict, its JSON text or a path, not {type(mapping).__name__}")


def _engine(rules: Any):
    from . import Engine

    return (rules if isinstance(rules, Engine) else Engine(rules))._native


def _warn(name: str, skipped) -> None:
    problems, count = skipped
    for line, column, code, message in problems:
        where = f"{column}: " if column else ""
        _warnings.warn(f"{name}:{line}: skipped ({code}): {where}{message}", HistoryWarning, stacklevel=3)
    if count > len(problems):
        _warnings.warn(f"{name}: {count - len(problems)} more rows skipped", HistoryWarning, stacklevel=3)


def backtest(
    rules: Any,
    history: Any,
    *,
    mapping: Any = None,
    now: Any = None,
    compare: Any = None,
    conversion_rate: Optional[float] = None,
    mqls: Optional[float] = None,
    mql_share: Optional[float] = None,
) -> dict:
    """Backtests a rule set on a history: the report as a dict, the JSON of
    ``leadscore backtest --json`` (docs/BACKTEST.md), threshold sweep included.

    ``rules`` and ``compare``: an :class:`Engine` or anything ``Engine`` takes. With
    ``compare``, both are scored on the same leads and the result is the comparison
    (``a``, ``b``, ``aucDelta``, ``agreement``). ``history``: a path to CSV or NDJSON,
    its text (bytes, or a str with a line break), or a list of lead dicts with their
    outcome. ``mapping``: a dict, its JSON text or a path. ``now``: milliseconds or a
    timezone-aware datetime; by default the mapping's, else the history's latest
    event time. ``conversion_rate``, ``mqls``, ``mql_share``: the target of the
    suggested threshold (``suggested`` in the report).

    The history streams (it is never held whole) and is scored on every core, with
    the GIL released. Rows that cannot be read are skipped with a
    :class:`HistoryWarning` each (the first 100) and counted in ``skipped``.
    """
    from . import now_ms

    args, name = _history(history)
    report, skipped = _native.backtest(
        _engine(rules),
        **args,
        mapping=_mapping(mapping),
        now=None if now is None else now_ms(now),
        compare=None if compare is None else _engine(compare),
        conversion_rate=conversion_rate,
        mqls=mqls,
        mql_share=mql_share,
    )
    _warn(name, skipped)
    return _json.loads(report)


def suggest(
    rules: Any,
    history: Any,
    *,
    conversion_rate: Optional[float] = None,
    mqls: Optional[float] = None,
    mql_share: Optional[float] = None,
    mapping: Any = None,
    now: Any = None,
) -> dict:
    """The report of :func:`backtest` with the threshold suggested for a target (at
    least one of ``conversion_rate``, ``mqls``, ``mql_share``): ``leadscore suggest
    --json``. ``report["suggested"]["threshold"]`` is the threshold, or None when
    none reaches the target."""
    if conversion_rate is None and mqls is None and mql_share is None:
        raise TypeError("suggest needs a target: conversion_rate, mqls or mql_share")
    return backtest(
        rules,
        history,
        mapping=mapping,
        now=now,
        conversion_rate=conversion_rate,
        mqls=mqls,
        mql_share=mql_share,
    )


def threshold_sweep(rules: Any, history: Any, *, mapping: Any = None, now: Any = None) -> list:
    """The threshold sweep of :func:`backtest`'s report: for each MQL threshold,
    the MQLs, their share, their conversion rate and the conversions captured."""
    return backtest(rules, history, mapping=mapping, now=now)["sweep"]


def learn(
    history: Any,
    *,
    mapping: Any = None,
    seed: Optional[int] = None,
    compare: Any = None,
    options: Optional[Union[_Mapping, str]] = None,
) -> Learnt:
    """Learns a rule set with integer points from a history, as ``leadscore learn``
    does: the same history, mapping, seed and options give the same rule set.

    ``options``: learn's options (``holdout``, ``l2``, ``bins``, ``minLeads``,
    ``pointsPerDoubling``, ``minZ``, ``target``, ``id``, ``version``, ``now``; a dict
    or JSON text), ``seed`` the train/holdout split's seed (over ``options``'s).
    ``compare``: a hand-written rule set whose AUC is reported beside the learnt
    one's. Returns :class:`Learnt`: the rule set as a dict and the fit's figures.
    The history is held whole (within a lead set's limits); the GIL is released
    while it is read and fitted.
    """
    args, name = _history(history)
    if isinstance(options, str):
        options = _json.loads(options)
    options = dict(options or {})
    if seed is not None:
        options["seed"] = seed
    result, skipped = _native.learn(
        **args,
        mapping=_mapping(mapping),
        options=_json.dumps(options, allow_nan=False),
        compare=None if compare is None else _engine(compare),
    )
    _warn(name, skipped)
    report = _json.loads(result)
    rule_set = report.pop("ruleSet")
    return Learnt(rule_set, report)
