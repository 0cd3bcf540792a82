"""What changed since a date: new actors, new positions, shifts, predictions due, and the series the
charts draw. Pure reads of the store; no rendering here."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import Connection, select

from .._types import speaker_test
from ..ledger import list_predictions
from ..shifts import find_shifts
from ..store import schema
from ..timelines import timeline

__all__ = ["build_report"]

A, M = schema.annotations.c, schema.document_meta.c
#: How far ahead "due" reaches from the report date.
DUE_DAYS = 30


def _first_seen(conn: Connection, layer: str, key, speaker: str | None = None) -> dict[Any, tuple[dt.date, int, dict]]:
    """The first dated annotation of each key; with ``speaker``, first in that speaker's words only."""
    q = (select(M.date, A.doc_id, A.label, A.attrs).join(schema.document_meta, M.doc_id == A.doc_id)
         .where(A.layer == layer, M.date.is_not(None)).order_by(M.date, A.doc_id, A.start))
    first: dict[Any, tuple[dt.date, int, dict]] = {}
    said_by = speaker_test(speaker)
    for day, doc_id, label, attrs in conn.execute(q):
        if not said_by((attrs or {}).get("speaker")):
            continue
        k = key(label, attrs or {})
        if k is not None and k not in first:
            first[k] = (day, doc_id, attrs or {})
    return first


def build_report(conn: Connection, since: dt.date | None = None, today: dt.date | None = None, names: dict[str, str] | None = None,
                 speaker: str | None = None) -> dict[str, Any]:
    """The report's content. ``since`` defaults to 30 days before the newest document's date. With
    ``speaker``, everything is that speaker's: actors they name and positions they state for the first
    time, their shifts, their predictions and their timelines."""
    names = names or {}
    dates = [d for (d,) in conn.execute(select(M.date).where(M.date.is_not(None)).order_by(M.date))]
    newest = dates[-1] if dates else None
    since = since or ((newest - dt.timedelta(days=30)) if newest else None)
    today = today or dt.date.today()
    docs_since = sum(1 for d in dates if since is None or d >= since)
    actor_first = _first_seen(conn, "actor", lambda label, a: None if a.get("pronoun") else (label if label != "other" else f"other:{a.get('name')}"), speaker)
    new_actors = [
        {"actor": k, "name": names.get(k, k.split(":", 1)[-1]), "first": day.isoformat(), "doc_id": doc_id}
        for k, (day, doc_id, _) in actor_first.items() if since is None or day >= since
    ]
    pos_first = _first_seen(conn, "statement", lambda label, a: (a.get("holder"), label, a.get("polarity")) if label != "other" else None, speaker)
    new_positions = [
        {"holder": h, "holder_name": names.get(h, h), "concept": c, "concept_name": names.get(c, c), "polarity": p,
         "first": day.isoformat(), "doc_id": doc_id, "speaker": a.get("speaker")}
        for (h, c, p), (day, doc_id, a) in pos_first.items() if since is None or day >= since
    ]
    shifts = [s for s in find_shifts(conn, speaker=speaker) if since is None or s["after"]["date"] >= since.isoformat()]
    predictions = list_predictions(conn, speaker=speaker, today=today)
    horizon = today + dt.timedelta(days=DUE_DAYS)
    due = [p for p in predictions if p["status"] == "overdue" or (
        p["status"] == "open" and p["horizon_end"] and dt.date.fromisoformat(p["horizon_end"]) <= horizon)]
    made = [p for p in predictions if since is None or (p["date"] and p["date"] >= since.isoformat())]
    concept_rows = timeline(conn, by="concept", unit="month", speaker=speaker)
    actor_rows = timeline(conn, by="actor", unit="month", since=since, speaker=speaker)
    totals: Counter = Counter()
    for r in concept_rows:
        totals[r["key"]] += r["statements"]
    top = [k for k, _ in totals.most_common(6) if k != "other"][:5]
    series: dict[str, dict[str, int]] = defaultdict(dict)
    for r in concept_rows:
        if r["key"] in top:
            series[r["key"]][r["period"]] = series[r["key"]].get(r["period"], 0) + r["statements"]
    net: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in actor_rows:
        if r["key"].startswith("speaker:") or r["key"].startswith("other"):
            continue
        net[r["key"]][0] += r["support"]
        net[r["key"]][1] += r["oppose"]
    busiest = sorted(net, key=lambda k: -(net[k][0] + net[k][1]))[:10]
    return {
        "since": since.isoformat() if since else None, "speaker": speaker, "today": today.isoformat(), "newest": newest.isoformat() if newest else None,
        "documents": len(dates), "documents_since": docs_since,
        "new_actors": sorted(new_actors, key=lambda x: (x["first"], x["name"])),
        "new_positions": sorted(new_positions, key=lambda x: (x["first"], x["holder"], x["concept"])),
        "shifts": shifts, "predictions_due": due, "predictions_made": made,
        "concept_series": {k: dict(sorted(v.items())) for k, v in series.items()},
        "actor_polarity": [{"actor": k, "name": names.get(k, k), "support": net[k][0], "oppose": net[k][1]} for k in busiest],
    }
