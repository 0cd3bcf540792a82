"""Human review of the coding: verify, correct, delete and add annotations.

Every decision is stored in the annotation itself (``verified``, ``source = "human:<name>"`` for what a
person wrote, ``attrs["review"]`` with who, when and what the machine had said), so it survives
re-analysis: the runner never deletes verified annotations, and a machine annotation a person deleted or
relabelled is recorded in ``annotation_rejections`` so the analyzer does not add it back.

All functions work inside the caller's write transaction and return the annotation as a dict.
"""

from __future__ import annotations

import datetime as dt
import getpass
from typing import Any, Mapping

from sqlalchemy import Connection, and_, delete, insert, select, update

from . import _types
from .errors import ConfigError, NotFoundError
from .store import schema
from .store.writer import insert_annotations

__all__ = ["REVIEWABLE_LAYERS", "verify", "correct", "remove", "add", "rejected_keys", "annotation"]

A = schema.annotations.c
#: Layers a person may edit in the workbench; the ingest layers (turns, headers) are the source's structure.
REVIEWABLE_LAYERS = ("actor", "statement", "prediction", "technique", "claim")
#: Attributes a correction may set, per layer (anything else is refused, so typos do not become data).
EDITABLE_ATTRS = {
    "actor": {"name", "type"},
    "statement": {"holder", "polarity", "modality", "kind"},
    "prediction": {"holder", "confidence", "horizon", "horizon_start", "horizon_end"},
    "technique": set(),
    "claim": {"type"},
}
POLARITIES = ("support", "oppose", "neutral")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _row(conn: Connection, ann_id: int) -> Mapping[str, Any]:
    row = conn.execute(select(schema.annotations).where(A.id == ann_id)).mappings().first()
    if row is None:
        raise NotFoundError(f"no annotation with id {ann_id}")
    return row


def annotation(conn: Connection, ann_id: int) -> dict[str, Any]:
    """One annotation as a dict (with its document id)."""
    row = _row(conn, ann_id)
    out = _types.Annotation(
        start=row["start"], end=row["end"], layer=row["layer"], label=row["label"], attrs=row["attrs"] or {},
        score=row["score"], source=row["source"], verified=bool(row["verified"]), id=row["id"], doc_id=row["doc_id"],
        created_at=row["created_at"],
    ).to_dict()
    out["doc_id"] = row["doc_id"]
    return out


def _check_layer(layer: str) -> None:
    if layer not in REVIEWABLE_LAYERS:
        raise ConfigError(f"layer {layer!r} cannot be edited; editable layers: {', '.join(REVIEWABLE_LAYERS)}")


def _check_attrs(layer: str, attrs: Mapping[str, Any]) -> dict[str, Any]:
    allowed = EDITABLE_ATTRS[layer]
    unknown = sorted(set(attrs) - allowed)
    if unknown:
        raise ConfigError(
            f"cannot set {', '.join(unknown)} on a {layer}; editable: {', '.join(sorted(allowed)) or 'only the label'}"
        )
    if "polarity" in attrs and attrs["polarity"] not in POLARITIES:
        raise ConfigError(f"polarity {attrs['polarity']!r}: use one of {', '.join(POLARITIES)}")
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in attrs.items()}


def _who(by: str | None) -> str:
    name = (by or "").strip() or getpass.getuser()
    if len(name) > 100:
        raise ConfigError("reviewer name longer than 100 characters")
    return name


def _reject(conn: Connection, row: Mapping[str, Any], by: str, when: dt.datetime, reason: str) -> None:
    if row["source"].startswith("human:"):
        return  # a person's own annotation: nothing for the analyzer to re-add
    conn.execute(
        insert(schema.annotation_rejections).values(
            doc_id=row["doc_id"], start=row["start"], end=row["end"], layer=row["layer"], label=row["label"],
            source=row["source"], decided_by=by, decided_at=when, reason=reason,
        )
    )


def _review_entry(row: Mapping[str, Any], action: str, by: str, when: dt.datetime, note: str | None) -> dict[str, Any]:
    history = list((row["attrs"] or {}).get("review", {}).get("history", []))
    history.append({"action": action, "by": by, "at": when.isoformat(), **({"note": note} if note else {})})
    entry: dict[str, Any] = {"by": by, "at": when.isoformat(), "action": action, "history": history}
    original = (row["attrs"] or {}).get("review", {}).get("machine")
    if original is None and not row["source"].startswith("human:"):
        original = {"label": row["label"], "attrs": {k: v for k, v in (row["attrs"] or {}).items() if k != "review"},
                    "source": row["source"], "score": row["score"]}
    if original is not None:
        entry["machine"] = original
    return entry


def verify(conn: Connection, ann_id: int, *, by: str | None = None, note: str | None = None) -> dict[str, Any]:
    """Mark an annotation as checked and right. Re-analysis keeps it and adds no duplicate."""
    row = _row(conn, ann_id)
    _check_layer(row["layer"])
    who, when = _who(by), _now()
    attrs = dict(row["attrs"] or {})
    attrs["review"] = _review_entry(row, "verify", who, when, note)
    conn.execute(update(schema.annotations).where(A.id == ann_id).values(verified=True, attrs=attrs))
    return annotation(conn, ann_id)


def correct(conn: Connection, ann_id: int, *, label: str | None = None, attrs: Mapping[str, Any] | None = None,
            by: str | None = None, note: str | None = None) -> dict[str, Any]:
    """Change the label (concept, technique, prediction topic, actor id) and/or editable attributes.

    The annotation becomes a person's (``source = "human:<name>"``, verified); what the machine had said is
    kept in ``attrs["review"]["machine"]``. A changed label records the machine's label as rejected."""
    row = _row(conn, ann_id)
    layer = row["layer"]
    _check_layer(layer)
    changes = _check_attrs(layer, attrs or {})
    new_label = row["label"] if label is None else label.strip()
    if not new_label or len(new_label) > 500:
        raise ConfigError("a label must have 1 to 500 characters")
    if new_label == row["label"] and all((row["attrs"] or {}).get(k) == v for k, v in changes.items()):
        raise ConfigError("nothing to change: give a different label or attribute (use verify to confirm as is)")
    who, when = _who(by), _now()
    new_attrs = {**(row["attrs"] or {}), **changes}
    new_attrs["review"] = _review_entry(row, "correct", who, when, note)
    if new_label != row["label"]:
        _reject(conn, row, who, when, f"relabelled {row['label']!r} -> {new_label!r}")
    conn.execute(
        update(schema.annotations).where(A.id == ann_id).values(
            label=new_label, attrs=new_attrs, source=f"human:{who}", verified=True, created_at=when
        )
    )
    return annotation(conn, ann_id)


def remove(conn: Connection, ann_id: int, *, by: str | None = None, reason: str | None = None) -> dict[str, Any]:
    """Delete an annotation; a machine one is recorded as rejected so re-analysis does not add it back."""
    row = _row(conn, ann_id)
    _check_layer(row["layer"])
    gone = annotation(conn, ann_id)
    _reject(conn, row, _who(by), _now(), reason or "deleted")
    conn.execute(delete(schema.annotations).where(A.id == ann_id))
    return gone


def add(conn: Connection, doc_id: int, *, start: int, end: int, layer: str, label: str,
        attrs: Mapping[str, Any] | None = None, by: str | None = None, note: str | None = None) -> dict[str, Any]:
    """Add a person's annotation on ``[start, end)`` of a document (code points of the stored text)."""
    _check_layer(layer)
    changes = _check_attrs(layer, attrs or {})
    n_chars = conn.execute(select(schema.documents.c.n_chars).where(schema.documents.c.id == doc_id)).scalar()
    if n_chars is None:
        raise NotFoundError(f"no document with id {doc_id}")
    if not (0 <= start < end <= n_chars):
        raise ConfigError(f"span [{start}, {end}) is not inside the document (0 to {n_chars} characters)")
    label = (label or "").strip()
    if not label or len(label) > 500:
        raise ConfigError("a label must have 1 to 500 characters")
    who, when = _who(by), _now()
    review = {"by": who, "at": when.isoformat(), "action": "add",
              "history": [{"action": "add", "by": who, "at": when.isoformat(), **({"note": note} if note else {})}]}
    ann = _types.Annotation(start=start, end=end, layer=layer, label=label, attrs={**changes, "review": review},
                            score=None, source=f"human:{who}", verified=True)
    insert_annotations(conn, doc_id, [ann], when)
    new_id = conn.execute(
        select(A.id).where(and_(A.doc_id == doc_id, A.start == start, A.end == end, A.layer == layer, A.source == ann.source))
        .order_by(A.id.desc()).limit(1)
    ).scalar()
    return annotation(conn, new_id)


def rejected_keys(conn: Connection, doc_id: int) -> set[tuple[int, int, str, str]]:
    """(start, end, layer, label) of the machine annotations a person rejected in a document."""
    r = schema.annotation_rejections.c
    return {tuple(x) for x in conn.execute(select(r.start, r.end, r.layer, r.label).where(r.doc_id == doc_id))}
