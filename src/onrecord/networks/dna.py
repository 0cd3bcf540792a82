"""DNA 3 network arithmetic (two-mode, one-mode, qualifier aggregation, normalisation, duplicates,
time windows), written from the description in DNA's documentation of its export
(see docs/networks.md for the facts and for where onrecord deliberately differs).

Statements carry ``var1`` (actor), ``var2`` (concept) and a ``qualifier`` (boolean agreement 0/1,
an integer, or a text value). All functions are pure and work on numpy arrays.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace
from typing import Iterable, Literal, Sequence

import numpy as np

from ..errors import ConfigError

__all__ = ["NetStatement", "NetworkOptions", "Network", "filter_statements", "two_mode", "one_mode", "network", "time_windows"]

QualifierType = Literal["boolean", "integer", "text", "none"]
AGGREGATIONS = {"twomode": ("ignore", "subtract", "combine"), "onemode": ("ignore", "congruence", "conflict", "subtract")}
NORMALISATIONS = {"twomode": ("no", "activity", "prominence"), "onemode": ("no", "average", "jaccard", "cosine", "cosine_dna")}
DUPLICATES = ("include", "document", "week", "month", "year", "acrossrange")


@dataclass(frozen=True, slots=True)
class NetStatement:
    id: int
    doc_id: int
    time: dt.datetime
    var1: str
    var2: str
    qualifier: int | str | None = None
    start: int = 0
    stop: int = 0


@dataclass(frozen=True)
class NetworkOptions:
    network_type: Literal["twomode", "onemode"] = "twomode"
    aggregation: str = "ignore"
    normalization: str = "no"
    qualifier_type: QualifierType = "boolean"
    duplicates: str = "include"
    start: dt.datetime | None = None
    stop: dt.datetime | None = None
    #: variable ("var1", "var2", "qualifier") -> values to drop (with ``invert_values``: to keep)
    exclude: dict[str, frozenset[str]] = field(default_factory=dict)
    invert_values: bool = False
    isolates: bool = False

    def checked(self) -> "NetworkOptions":
        kind = self.network_type
        if kind not in AGGREGATIONS:
            raise ConfigError(f"network type {kind!r}: use twomode or onemode")
        if self.aggregation not in AGGREGATIONS[kind]:
            raise ConfigError(f"aggregation {self.aggregation!r} is not available for {kind} networks: {', '.join(AGGREGATIONS[kind])}")
        if self.normalization not in NORMALISATIONS[kind]:
            raise ConfigError(f"normalization {self.normalization!r} is not available for {kind} networks: {', '.join(NORMALISATIONS[kind])}")
        if self.duplicates not in DUPLICATES:
            raise ConfigError(f"duplicates {self.duplicates!r}: use one of {', '.join(DUPLICATES)}")
        if self.qualifier_type == "none" and self.aggregation != "ignore":
            raise ConfigError("an aggregation other than 'ignore' needs a qualifier")
        return self


@dataclass
class Network:
    matrix: np.ndarray
    rows: list[str]
    cols: list[str]
    start: dt.datetime | None
    stop: dt.datetime | None
    n_statements: int
    integer: bool
    time: dt.datetime | None = None  # the mid-point of a time window


def _string(value: int | str | None) -> str:
    return "" if value is None else str(value)


def _duplicate_key(s: NetStatement, mode: str, with_qualifier: bool) -> tuple:
    base = (s.var1, s.var2, s.qualifier if with_qualifier else None)
    if mode == "document":
        return base + (s.doc_id,)
    if mode == "year":
        return base + (s.time.year,)
    if mode == "month":  # the calendar month (DNA compares the month number only; see docs/networks.md)
        return base + (s.time.year, s.time.month)
    if mode == "week":  # the ISO week (Monday first)
        return base + tuple(s.time.isocalendar()[:2])
    return base


def filter_statements(statements: Iterable[NetStatement], options: NetworkOptions) -> tuple[list[NetStatement], list[NetStatement]]:
    """``(original, filtered)``: the statements in the date range (both ends inclusive), and those that
    also survive value exclusion, the empty-field rule and duplicate removal, in DNA's order."""
    opts = options
    original = [s for s in statements if (opts.start is None or s.time >= opts.start) and (opts.stop is None or s.time <= opts.stop)]
    ordered = sorted(original, key=lambda s: (s.time, s.doc_id, s.start, s.stop, s.id))
    kept: list[NetStatement] = []
    seen: set[tuple] = set()
    for s in ordered:
        excluded = False
        for var, values in opts.exclude.items():
            value = _string(getattr(s, var))
            if (value in values) != opts.invert_values:
                excluded = True
        if excluded or not s.var1 or not s.var2:
            continue
        if opts.aggregation != "ignore" and opts.qualifier_type == "text" and _string(s.qualifier) == "":
            continue
        if opts.duplicates != "include":
            key = _duplicate_key(s, opts.duplicates, opts.aggregation != "ignore")
            if key in seen:
                continue
            seen.add(key)
        kept.append(s)
    return original, kept


def _labels(values: Iterable[str]) -> list[str]:
    out = sorted(set(values))
    return out[1:] if out and out[0] == "" else out


def _levels(original: Sequence[NetStatement], processed: Sequence[NetStatement], qualifier_type: QualifierType) -> list:
    if qualifier_type == "none":
        return [None]
    if qualifier_type == "boolean":
        return [0, 1]
    if qualifier_type == "integer":
        return sorted({int(s.qualifier) for s in original if s.qualifier is not None})
    return sorted({_string(s.qualifier) for s in original})


def _counts(stmts: Sequence[NetStatement], rows: list[str], cols: list[str], levels: list, qualifier_type: QualifierType) -> np.ndarray:
    a = np.zeros((len(rows), len(cols), len(levels)))
    ri = {v: i for i, v in enumerate(rows)}
    ci = {v: i for i, v in enumerate(cols)}
    li = {v: i for i, v in enumerate(levels)}
    for s in stmts:
        if s.var1 not in ri or s.var2 not in ci:
            continue
        if qualifier_type == "none":
            k = 0
        elif qualifier_type in ("boolean", "integer"):
            k = li.get(int(s.qualifier) if s.qualifier is not None else None, None)
        else:
            k = li.get(_string(s.qualifier))
        if k is None:
            continue
        a[ri[s.var1], ci[s.var2], k] += 1
    return a


def _prepare(original, processed, options, label_var2: bool = True):
    label_source = original if options.isolates else processed
    rows = _labels(s.var1 for s in label_source)
    cols = _labels(s.var2 for s in label_source)
    levels = _levels(original, processed, options.qualifier_type)
    return rows, cols, levels, _counts(processed, rows, cols, levels, options.qualifier_type)


def two_mode(original: Sequence[NetStatement], processed: Sequence[NetStatement], options: NetworkOptions) -> Network:
    opts = options
    rows, cols, levels, a = _prepare(original, processed, opts)
    n = a.sum(axis=2)
    agg = opts.aggregation
    numeric = opts.qualifier_type in ("boolean", "integer")
    if agg == "ignore" or (agg == "subtract" and not numeric):
        m = n.copy()
    elif agg == "subtract":
        weights = np.array([-1.0, 1.0]) if opts.qualifier_type == "boolean" else np.array(levels, dtype=float)
        m = (a * weights).sum(axis=2)
    else:  # combine: a lexical rank, the smallest level the most significant bit
        bits = 2.0 ** np.arange(len(levels) - 1, -1, -1)
        m = ((a > 0) * bits).sum(axis=2)
    if opts.normalization == "activity":
        d = (m > 0).sum(axis=1) if agg == "combine" else (n.sum(axis=1) if agg == "subtract" else m.sum(axis=1))
        m = np.divide(m, d[:, None], out=np.zeros_like(m), where=d[:, None] != 0)
    elif opts.normalization == "prominence":
        d = (m > 0).sum(axis=0) if agg == "combine" else (n.sum(axis=0) if agg == "subtract" else m.sum(axis=0))
        m = np.divide(m, d[None, :], out=np.zeros_like(m), where=d[None, :] != 0)
    return Network(m, rows, cols, opts.start, opts.stop, len(processed), opts.normalization == "no")


def one_mode(original: Sequence[NetStatement], processed: Sequence[NetStatement], options: NetworkOptions) -> Network:
    opts = options
    rows, cols, levels, a = _prepare(original, processed, opts)
    agg, q = opts.aggregation, opts.qualifier_type
    n = a.sum(axis=2)  # actor x concept
    activity = n.sum(axis=1)
    if agg == "ignore":
        w = n @ n.T
    elif q in ("boolean", "integer"):
        values = np.array([0.0, 1.0]) if q == "boolean" else np.array(levels, dtype=float)
        spread = values.max() - values.min() if len(values) else 0.0
        with np.errstate(invalid="ignore", divide="ignore"):
            d = np.abs(values[:, None] - values[None, :]) / spread  # NaN when only one value exists (as DNA)
        kernel = {"congruence": 1 - d, "conflict": d, "subtract": 1 - 2 * d}[agg]
        flat = a.reshape(len(rows), -1)  # (actor, concept*level)
        big = np.kron(np.eye(len(cols)), kernel)
        w = flat @ big @ flat.T
    else:  # text qualifier: per (concept, level) cell
        flat = a.reshape(len(rows), -1)
        congruence = flat @ flat.T
        only = np.zeros_like(congruence)
        for i in range(len(rows)):
            for j in range(len(rows)):
                x, y = flat[i], flat[j]
                only[i, j] = x[(x > 0) & (y == 0)].sum() + y[(x == 0) & (y > 0)].sum()
        w = {"congruence": congruence, "conflict": only, "subtract": congruence - only}[agg]
    w = w.astype(float)
    norm = opts.normalization
    if norm != "no":
        if norm == "average":
            denom = (activity[:, None] + activity[None, :]) / 2
        elif norm == "cosine_dna":  # DNA's "cosine": the product of the two actors' statement counts
            denom = activity[:, None] * activity[None, :]
        elif norm == "cosine":  # the true cosine of the actors' concept (x qualifier) count vectors
            vec = a.reshape(len(rows), -1) if agg != "ignore" else n
            length = np.sqrt((vec**2).sum(axis=1))
            denom = length[:, None] * length[None, :]
        else:  # jaccard over (concept x qualifier level) cells
            flat = a.reshape(len(rows), -1)
            denom = np.zeros((len(rows), len(rows)))
            for i in range(len(rows)):
                x = flat[i]
                y = flat
                denom[i] = ((y == 0) * x).sum(axis=1) + ((x == 0) * y).sum(axis=1) + (((x > 0) & (y > 0)) * x * y).sum(axis=1)
        w = np.divide(w, denom, out=np.zeros_like(w), where=denom != 0)
    np.fill_diagonal(w, 0.0)
    integer = norm == "no" and (agg == "ignore" or q in ("boolean", "text"))
    return Network(w, rows, rows, opts.start, opts.stop, len(processed), integer)


def network(statements: Iterable[NetStatement], options: NetworkOptions) -> Network:
    """One network over all statements (no time window)."""
    opts = options.checked()
    original, processed = filter_statements(statements, opts)
    return (two_mode if opts.network_type == "twomode" else one_mode)(original, processed, opts)


def _add(t: dt.datetime, unit: str, k: int) -> dt.datetime:
    if unit == "days":
        return t + dt.timedelta(days=k)
    if unit == "weeks":
        return t + dt.timedelta(weeks=k)
    months = t.month - 1 + (k if unit == "months" else 12 * k)
    year, month = t.year + months // 12, months % 12 + 1
    day = min(t.day, [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1])
    return t.replace(year=year, month=month, day=day)


def time_windows(statements: Iterable[NetStatement], options: NetworkOptions, window: int, unit: str = "days") -> list[Network]:
    """Networks over moving windows (DNA's calendar time windows without a kernel): mid-points from
    the start to the stop in steps of one ``unit``; a window spans ``A = round_half_up((window - 1) / 2)``
    units either side and is emitted only when it lies wholly inside [start, stop]."""
    if unit not in ("days", "weeks", "months", "years"):
        raise ConfigError(f"time window unit {unit!r}: use days, weeks, months or years")
    if window < 1:
        raise ConfigError("the window must be at least 1 unit")
    opts = options.checked()
    original, processed = filter_statements(statements, opts)
    if not original:
        return []
    start = opts.start or min(s.time for s in original)
    stop = opts.stop or max(s.time for s in original)
    half = math.floor((window - 1) / 2 + 0.5)
    build = two_mode if opts.network_type == "twomode" else one_mode
    out = []
    k = 0
    while True:
        mid = _add(start, unit, k)
        if mid > stop:
            break
        lo, hi = _add(mid, unit, -half), _add(mid, unit, half)
        if lo >= start and hi <= stop:
            inside = [s for s in processed if lo <= s.time <= hi]
            net = build(original, inside, replace(opts, start=lo, stop=hi))
            net.time = mid
            out.append(net)
        k += 1
    return out
