"""Writing documents, their metadata, sources, speakers and annotations. One call, one transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from typing import Iterable, Literal

from sqlalchemy import Connection, and_, func, insert, select, update

from .._types import Annotation, DocumentInput, Problem
from . import schema

__all__ = ["text_hash", "write_document", "insert_annotations", "start_run", "finish_run"]

Outcome = Literal["added", "version", "unchanged"]


def text_hash(text: str) -> str:
    """The identity of a document: SHA-256 of its normalised text in UTF-8."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _speaker_id(conn: Connection, name: str, cache: dict[str, int]) -> int:
    if name in cache:
        return cache[name]
    row = conn.execute(select(schema.speakers.c.id).where(schema.speakers.c.name == name)).first()
    if row is None:
        speaker_id = conn.execute(insert(schema.speakers).values(name=name)).inserted_primary_key[0]
    else:
        speaker_id = row[0]
    cache[name] = speaker_id
    return speaker_id


def insert_annotations(conn: Connection, doc_id: int, anns: Iterable[Annotation], now: dt.datetime | None = None) -> int:
    now = now or _now()
    rows = [
        {
            "doc_id": doc_id,
            "start": a.start,
            "end": a.end,
            "layer": a.layer,
            "label": a.label,
            "attrs": a.attrs or {},
            "score": a.score,
            "source": a.source,
            "verified": a.verified,
            "created_at": a.created_at or now,
        }
        for a in anns
    ]
    if rows:
        conn.execute(insert(schema.annotations), rows)
    return len(rows)


def _record_source(conn: Connection, doc_id: int, doc: DocumentInput, size: int | None, run_id: int | None, now) -> None:
    key = doc.source_key or ""
    s = schema.sources.c
    exists = conn.execute(
        select(s.id).where(and_(s.doc_id == doc_id, s.path == doc.source_path, s.key == key))
    ).first()
    if exists is None:
        conn.execute(
            insert(schema.sources).values(doc_id=doc_id, path=doc.source_path, key=key, size=size, run_id=run_id, seen_at=now)
        )


def write_document(
    conn: Connection,
    doc: DocumentInput,
    run_id: int | None = None,
    size: int | None = None,
) -> tuple[Outcome, int]:
    """Store ``doc`` inside the caller's transaction; returns what happened and the document id.

    The same text (by hash) is stored once: a repeat only records where it was seen. A text that
    differs from the last one seen at the same path and key becomes a new version linked to it.
    """
    now = _now()
    digest = text_hash(doc.text)
    d = schema.documents.c
    found = conn.execute(select(d.id).where(d.sha256 == digest)).first()
    if found is not None:
        _record_source(conn, found[0], doc, size, run_id, now)
        return "unchanged", found[0]

    s = schema.sources.c
    previous = conn.execute(
        select(d.id, d.version)
        .join(schema.sources, s.doc_id == d.id)
        .where(and_(s.path == doc.source_path, s.key == (doc.source_key or "")))
        .order_by(d.version.desc(), d.id.desc())
        .limit(1)
    ).first()
    version, previous_id = (previous[1] + 1, previous[0]) if previous else (1, None)
    doc_id = conn.execute(
        insert(schema.documents).values(
            sha256=digest, text=doc.text, n_chars=len(doc.text), version=version, previous_id=previous_id, created_at=now
        )
    ).inserted_primary_key[0]
    m = doc.meta
    conn.execute(
        insert(schema.document_meta).values(
            doc_id=doc_id,
            date=m.date,
            outlet=m.outlet,
            programme=m.programme,
            title=m.title,
            author=m.author,
            language=m.language,
            url=m.url,
            format=doc.format,
            encoding=doc.encoding,
            extra=m.extra or {},
        )
    )
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO document_fts(rowid, text) VALUES (?, ?)", (doc_id, doc.text))
    insert_annotations(conn, doc_id, doc.annotations, now)
    turns = Counter(a.attrs.get("speaker") for a in doc.annotations if a.layer == "turn" and a.attrs.get("speaker"))
    cache: dict[str, int] = {}
    if turns:
        conn.execute(
            insert(schema.document_speakers),
            [{"doc_id": doc_id, "speaker_id": _speaker_id(conn, name, cache), "n_turns": n} for name, n in turns.items()],
        )
    _record_source(conn, doc_id, doc, size, run_id, now)
    return ("version" if previous_id else "added"), doc_id


def start_run(conn: Connection, kind: str, params: dict, analyzers: list[str]) -> int:
    return conn.execute(
        insert(schema.runs).values(
            kind=kind, status="running", started_at=_now(), params=params, analyzers=analyzers, n_ok=0, n_failed=0, problems=[]
        )
    ).inserted_primary_key[0]


def finish_run(conn: Connection, run_id: int, n_ok: int, problems: list[Problem], interrupted: bool = False) -> None:
    status = "interrupted" if interrupted else ("failed" if problems else "ok")
    conn.execute(
        update(schema.runs)
        .where(schema.runs.c.id == run_id)
        .values(
            status=status,
            finished_at=_now(),
            n_ok=n_ok,
            n_failed=len(problems),
            problems=[p.to_dict() for p in problems[:1000]],
        )
    )


def count_documents(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(schema.documents)).scalar_one()
