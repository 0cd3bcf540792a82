"""The prediction ledger: predictions with horizon and status, human verdicts, per-speaker scorecards.

A verdict (``resolve``) is a row of ``prediction_verdicts`` — outcome, evidence, note, who, when —
and marks the prediction annotation as human-verified, so that a re-analysis never deletes it (the
re-run rule keeps verified annotations). Later verdicts are added, never written over; the newest is
the prediction's status.

Scorecard per speaker: hit rate over resolved predictions (true = 1, partly = 0.5, false = 0; void
is left out), the Brier score over those with a confidence cue (certain = 0.9, likely = 0.7,
possible = 0.4 as the forecast probability), and open predictions whose horizon has passed (overdue).
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ._types import speaker_test
from .errors import ConfigError, NotFoundError
from .store import schema
from .store.queries import dated_between

__all__ = ["OUTCOMES", "CONFIDENCE_PROBABILITY", "list_predictions", "resolve", "scorecard"]

OUTCOMES = {"true": 1.0, "partly": 0.5, "false": 0.0, "void": None}
CONFIDENCE_PROBABILITY = {"certain": 0.9, "likely": 0.7, "possible": 0.4}
A, M, V = schema.annotations.c, schema.document_meta.c, schema.prediction_verdicts.c


def _verdicts(conn: Connection, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for at in range(0, len(ids), 500):
        q = select(schema.prediction_verdicts).where(V.annotation_id.in_(ids[at : at + 500])).order_by(V.decided_at, V.id)
        for r in conn.execute(q).mappings():
            out[r["annotation_id"]].append({k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in r.items()})
    return out


def list_predictions(conn: Connection, *, speaker: str | None = None, status: str | None = None, today: dt.date | None = None,
                     since: dt.date | None = None, until: dt.date | None = None) -> list[dict[str, Any]]:
    """Every prediction with its document date, speaker, holder, concept, horizon, confidence, text and
    status: ``open``, ``overdue`` (open, horizon ended before ``today``) or the newest verdict's outcome."""
    today = today or dt.date.today()
    q = (
        select(A.id, A.doc_id, A.start, A.end, A.label, A.attrs, A.score, A.source, A.verified, M.date, schema.documents.c.text)
        .join(schema.document_meta, M.doc_id == A.doc_id)
        .join(schema.documents, schema.documents.c.id == A.doc_id)
        .where(A.layer == "prediction")
    )
    q = dated_between(q, since, until)
    # Undated first (SQLite's NULL order, spelt out so PostgreSQL gives the same), then a total order.
    rows = conn.execute(q.order_by(M.date.is_(None).desc(), M.date, A.doc_id, A.start, A.id)).all()
    verdicts = _verdicts(conn, [r.id for r in rows])
    out = []
    said_by = speaker_test(speaker)
    for r in rows:
        attrs = r.attrs or {}
        if not said_by(attrs.get("speaker")):
            continue
        history = verdicts.get(r.id, [])
        end = attrs.get("horizon_end")
        if history:
            state = history[-1]["outcome"]
        elif end and dt.date.fromisoformat(end) < today:
            state = "overdue"
        else:
            state = "open"
        if status and not (state == status or (status == "resolved" and history)):
            continue
        out.append({
            "id": r.id, "doc_id": r.doc_id, "date": r.date.isoformat() if r.date else None, "start": r.start, "end": r.end,
            "text": r.text[r.start : r.end], "concept": r.label, "speaker": attrs.get("speaker"), "holder": attrs.get("holder"),
            "horizon": attrs.get("horizon", ""), "horizon_start": attrs.get("horizon_start"), "horizon_end": end,
            "confidence": attrs.get("confidence"), "status": state, "verdicts": history, "source": r.source,
        })
    return out


def resolve(conn: Connection, prediction_id: int, outcome: str, *, evidence: str | None = None, note: str | None = None,
            by: str | None = None, when: dt.datetime | None = None) -> dict[str, Any]:
    """Record a verdict on a prediction (inside the caller's transaction) and mark it verified."""
    if outcome not in OUTCOMES:
        raise ConfigError(f"outcome {outcome!r}: use one of {', '.join(OUTCOMES)}")
    found = conn.execute(select(A.id, A.layer).where(A.id == prediction_id)).first()
    if found is None or found.layer != "prediction":
        raise NotFoundError(f"no prediction with id {prediction_id} (see `onrecord predictions`)")
    row = {
        "annotation_id": prediction_id, "outcome": outcome, "evidence": evidence, "note": note,
        "decided_by": by or getpass.getuser(), "decided_at": when or dt.datetime.now(dt.timezone.utc),
    }
    row["id"] = conn.execute(insert(schema.prediction_verdicts).values(**row)).inserted_primary_key[0]
    conn.execute(update(schema.annotations).where(A.id == prediction_id).values(verified=True))
    return row


def scorecard(predictions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per speaker: predictions, open, overdue, resolved, hit rate, Brier score (see the module doc)."""
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in predictions:
        by[p["speaker"] or "unknown"].append(p)
    out = []
    for speaker, items in sorted(by.items()):
        scored = [(OUTCOMES[p["status"]], p) for p in items if p["status"] in OUTCOMES and OUTCOMES[p["status"]] is not None]
        brier = [(CONFIDENCE_PROBABILITY[p["confidence"]] - value) ** 2 for value, p in scored if p["confidence"] in CONFIDENCE_PROBABILITY]
        out.append({
            "speaker": speaker,
            "predictions": len(items),
            "open": sum(p["status"] == "open" for p in items),
            "overdue": sum(p["status"] == "overdue" for p in items),
            "resolved": sum(bool(p["verdicts"]) for p in items),
            "hit_rate": round(sum(v for v, _ in scored) / len(scored), 4) if scored else None,
            "brier": round(sum(brier) / len(brier), 4) if brier else None,
            "brier_n": len(brier),
        })
    return out
