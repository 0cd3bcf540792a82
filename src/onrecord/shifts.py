"""Shifts: where a speaker's coded statements on the same holder and concept changed between dates.

For each (speaker, holder, concept) — concepts other than ``other`` — statements are taken in date
order; a statement whose polarity differs from the latest earlier-dated statement of that group is a
**polarity shift** (score 1.0 x the two statements' mean confidence), and one with the same polarity
but another modality (asserted -> hedged, hedged -> conditional ...) is a **modality shift** (score
0.5 x the mean confidence). Each shift carries both spans with their texts and dates.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, select

from .store import schema
from .store.queries import dated_between

__all__ = ["find_shifts"]

A, M, D = schema.annotations.c, schema.document_meta.c, schema.documents.c


def _side(row, text: str) -> dict[str, Any]:
    attrs = row.attrs or {}
    return {
        "id": row.id, "doc_id": row.doc_id, "date": row.date.isoformat(), "start": row.start, "end": row.end,
        "text": text[row.start : row.end], "polarity": attrs.get("polarity"), "modality": attrs.get("modality"),
        "kind": attrs.get("kind"), "score": row.score,
    }


def find_shifts(conn: Connection, *, speaker: str | None = None, concept: str | None = None, holder: str | None = None,
                since: dt.date | None = None, until: dt.date | None = None, min_score: float = 0.0) -> list[dict[str, Any]]:
    """Polarity and modality shifts, highest score first, then by date."""
    q = (
        select(A.id, A.doc_id, A.start, A.end, A.label, A.attrs, A.score, M.date, D.text)
        .join(schema.document_meta, M.doc_id == A.doc_id)
        .join(schema.documents, D.id == A.doc_id)
        .where(A.layer == "statement", A.label != "other", M.date.is_not(None))
    )
    if concept:
        q = q.where(A.label == concept)
    q = dated_between(q, since, until)
    groups: dict[tuple[str, str, str], list] = defaultdict(list)
    texts: dict[int, str] = {}
    for row in conn.execute(q.order_by(M.date, A.doc_id, A.start)):
        attrs = row.attrs or {}
        who, whose = str(attrs.get("speaker") or ""), str(attrs.get("holder") or "")
        if speaker and who.casefold() != speaker.casefold():
            continue
        if holder and whose != holder:
            continue
        texts.setdefault(row.doc_id, row.text)
        groups[(who, whose, row.label)].append(row)
    out = []
    for (who, whose, label), rows in groups.items():
        by_date: dict[dt.date, list] = defaultdict(list)
        for r in rows:  # already in date order
            by_date[r.date].append(r)
        dates = list(by_date)
        for previous_date, date in zip(dates, dates[1:]):
            previous = by_date[previous_date]  # the latest earlier-dated statements of the group
            polarities = {(r.attrs or {}).get("polarity") for r in previous}
            modalities = {((r.attrs or {}).get("polarity"), (r.attrs or {}).get("modality")) for r in previous}
            for later in by_date[date]:
                lp, lm = (later.attrs or {}).get("polarity"), (later.attrs or {}).get("modality")
                if polarities - {lp}:
                    kind, weight = "polarity", 1.0
                    before = next(r for r in reversed(previous) if (r.attrs or {}).get("polarity") != lp)
                elif (lp, lm) not in modalities:
                    kind, weight = "modality", 0.5
                    before = previous[-1]
                else:
                    continue
                score = round(weight * ((before.score or 0.5) + (later.score or 0.5)) / 2, 4)
                if score < min_score:
                    continue
                out.append({
                    "speaker": who, "holder": whose, "concept": label, "kind": kind, "score": score,
                    "before": _side(before, texts[before.doc_id]), "after": _side(later, texts[later.doc_id]),
                })
    out.sort(key=lambda s: (-s["score"], s["after"]["date"], s["after"]["id"]))
    # a clause inside a sentence repeats the sentence's shift: keep one per earlier statement and place
    kept: list[dict[str, Any]] = []
    placed: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for s in out:
        a = s["after"]
        spans = placed[(s["before"]["id"], a["doc_id"])]
        if not any(start < a["end"] and a["start"] < end for start, end in spans):
            spans.append((a["start"], a["end"]))
            kept.append(s)
    return kept
