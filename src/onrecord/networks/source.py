"""Statements from the store as network input: holder x concept with polarity as agreement."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, and_, select

from .._types import speaker_test
from ..store import schema
from ..store.queries import attr_of, dated_between
from .dna import NetStatement

__all__ = ["StatementFilter", "statements_from_store", "POLARITY"]

#: onrecord polarity -> DNA's boolean agreement qualifier.
POLARITY = {"support": 1, "oppose": 0}


@dataclass(frozen=True)
class StatementFilter:
    since: dt.date | None = None
    until: dt.date | None = None
    speaker: str | None = None
    min_score: float | None = None  # confidence threshold (the analyzer's score)
    verified_only: bool = False
    layer: str = "statement"


def statements_from_store(conn: Connection, flt: StatementFilter = StatementFilter()) -> tuple[list[NetStatement], int]:
    """``(statements, skipped)``: every statement annotation as a :class:`NetStatement` (var1 = holder,
    var2 = concept label, qualifier = agreement 1/0, time = the document date); statements of
    documents without a date cannot be placed in time and are skipped (counted)."""
    a, m = schema.annotations.c, schema.document_meta.c
    holder, polarity, speaker = (attr_of(conn, name) for name in ("holder", "polarity", "speaker"))
    q = select(a.id, a.doc_id, a.start, a.end, a.label, holder, polarity, speaker, m.date).join(
        schema.document_meta, m.doc_id == a.doc_id
    ).where(a.layer == flt.layer)
    q = dated_between(q, flt.since, flt.until)
    conds = []
    if flt.verified_only:
        conds.append(a.verified.is_(True))
    if flt.min_score is not None:
        conds.append(a.score >= flt.min_score)
    if conds:
        q = q.where(and_(*conds))
    out, skipped = [], 0
    said_by = speaker_test(flt.speaker)
    times: dict[dt.date, dt.datetime] = {}  # one datetime and one string per distinct value: long lists stay small
    names: dict[str, str] = {}
    for row_id, doc_id, start, end, label, who, pol, speaker_of, day in conn.execute(q.order_by(a.doc_id, a.start, a.id)):
        if not said_by(speaker_of):
            continue
        if day is None:
            skipped += 1
            continue
        time = times.get(day)
        if time is None:
            time = times[day] = dt.datetime.combine(day, dt.time())
        who = "" if who is None else str(who)
        out.append(NetStatement(row_id, doc_id, time, names.setdefault(who, who), names.setdefault(label, label),
                                POLARITY.get(pol), start, end))
    return out, skipped
