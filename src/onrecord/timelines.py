"""Timelines: per actor or concept, statement counts and net polarity by week or month, per speaker,
with attention normalised by corpus volume.

``net polarity`` = (support − oppose) / statements in the period; ``attention`` = the actor's (or
concept's) statements in the period per 1,000 words (whitespace-separated) of documents dated in that period, so that a
month with more commentary does not look like more attention.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, select

from ._types import speaker_test
from .errors import ConfigError
from .store import schema
from .store.queries import dated_between

__all__ = ["period_of", "timeline", "UNITS"]

UNITS = ("week", "month", "year")
A, M, D = schema.annotations.c, schema.document_meta.c, schema.documents.c


def period_of(day: dt.date, unit: str) -> str:
    """The period label of a date: ``2025-W49`` (ISO week), ``2025-12`` (month) or ``2025`` (year)."""
    if unit == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if unit == "month":
        return f"{day.year}-{day.month:02d}"
    if unit == "year":
        return str(day.year)
    raise ConfigError(f"timeline unit {unit!r}: use one of {', '.join(UNITS)}")


def timeline(conn: Connection, *, by: str = "actor", unit: str = "month", speaker: str | None = None,
             since: dt.date | None = None, until: dt.date | None = None) -> list[dict[str, Any]]:
    """Rows ``{period, key, speaker, statements, support, oppose, net, attention}`` sorted by period
    and key; ``by`` is ``actor`` (the statement's holder) or ``concept``."""
    if by not in ("actor", "concept"):
        raise ConfigError(f"timeline by {by!r}: use actor or concept")
    period_of(dt.date(2000, 1, 1), unit)  # validates the unit
    words: dict[str, int] = defaultdict(int)
    q = select(M.date, D.text).join(schema.documents, D.id == M.doc_id)
    q = dated_between(q, since, until)
    for day, text in conn.execute(q.where(M.date.is_not(None))):
        words[period_of(day, unit)] += len(text.split())
    q = select(M.date, A.label, A.attrs).join(schema.document_meta, M.doc_id == A.doc_id).where(A.layer == "statement")
    q = dated_between(q, since, until)
    cells: dict[tuple[str, str, str], dict[str, int]] = defaultdict(lambda: {"support": 0, "oppose": 0})
    said_by = speaker_test(speaker)
    for day, label, attrs in conn.execute(q.where(M.date.is_not(None))):
        attrs = attrs or {}
        who = str(attrs.get("speaker") or "")
        if not said_by(who):
            continue
        key = str(attrs.get("holder", "")) if by == "actor" else label
        polarity = "oppose" if attrs.get("polarity") == "oppose" else "support"
        cells[(period_of(day, unit), key, who)][polarity] += 1
    out = []
    for (period, key, who), c in sorted(cells.items()):
        n = c["support"] + c["oppose"]
        out.append({
            "period": period, "key": key, "speaker": who, "statements": n, "support": c["support"], "oppose": c["oppose"],
            "net": round((c["support"] - c["oppose"]) / n, 4), "attention": round(1000 * n / words[period], 4) if words[period] else None,
        })
    return out
