"""Writing documents, their metadata, sources, speakers and annotations. One call, one transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import socket
import time
from contextlib import contextmanager
from collections import Counter
from typing import Any, Callable, Iterable, Literal

from sqlalchemy import Connection, Integer, String, Text, and_, bindparam, insert, select, update

from .._types import Annotation, DocumentInput, Problem
from . import schema
from .prepared import Prepared, prepared_insert

__all__ = ["text_hash", "write_document", "insert_annotations", "start_run", "finish_run", "recorded_run"]

Outcome = Literal["added", "version", "unchanged"]


def text_hash(text: str) -> str:
    """The identity of a document: SHA-256 of its normalised text in UTF-8."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


D = schema.documents.c
S = schema.sources.c
SP = schema.speakers.c

# Compiled once per dialect, run on the DBAPI cursor (see prepared.py): this is the ingest hot path.
_DOC_BY_HASH = Prepared(select(D.id).where(D.sha256 == bindparam("sha256", type_=String)), {})
_PREVIOUS = Prepared(
    select(D.id, D.version)
    .join(schema.sources, S.doc_id == D.id)
    .where(and_(S.path == bindparam("path", type_=Text), S.key == bindparam("key", type_=String)))
    .order_by(D.version.desc(), D.id.desc())
    .limit(1),
    {},
)
_SOURCE_EXISTS = Prepared(
    select(S.id).where(
        and_(S.doc_id == bindparam("doc_id", type_=Integer), S.path == bindparam("path", type_=Text), S.key == bindparam("key", type_=String))
    ),
    {},
)
_SPEAKER_BY_NAME = Prepared(select(SP.id).where(SP.name == bindparam("name", type_=String)), {})
_INSERT_DOC = prepared_insert(schema.documents, ["sha256", "text", "n_chars", "version", "previous_id", "created_at"], returning="id")
_INSERT_META = prepared_insert(
    schema.document_meta,
    ["doc_id", "date", "outlet", "programme", "title", "author", "language", "url", "format", "encoding", "extra"],
)
_INSERT_SOURCE = prepared_insert(schema.sources, ["doc_id", "path", "key", "size", "run_id", "seen_at"])
_INSERT_SPEAKER = prepared_insert(schema.speakers, ["name"], returning="id")
_INSERT_DOC_SPEAKERS = prepared_insert(schema.document_speakers, ["doc_id", "speaker_id", "n_turns", "first_start"])
_INSERT_ANNOTATIONS = prepared_insert(
    schema.annotations, ["doc_id", "start", "end", "layer", "label", "attrs", "score", "source", "verified", "created_at"]
)


def _one(prepared: Prepared, conn: Connection, params: dict[str, Any]) -> tuple | None:
    cursor = prepared.run(conn, params)
    row = cursor.fetchone()
    cursor.close()
    return row


def _speaker_id(conn: Connection, name: str, known: dict[str, int], new: dict[str, int]) -> int:
    if name in known:
        return known[name]
    if name in new:
        return new[name]
    row = _one(_SPEAKER_BY_NAME, conn, {"name": name}) or _one(_INSERT_SPEAKER, conn, {"name": name})
    new[name] = row[0]
    return row[0]


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
        _INSERT_ANNOTATIONS.run_many(conn, rows)
    return len(rows)


def _insert_source(conn: Connection, doc_id: int, doc: DocumentInput, size: int | None, run_id: int | None, now) -> None:
    _INSERT_SOURCE.run(
        conn, {"doc_id": doc_id, "path": doc.source_path, "key": doc.source_key or "", "size": size, "run_id": run_id, "seen_at": now}
    ).close()


def write_document(
    conn: Connection,
    doc: DocumentInput,
    run_id: int | None = None,
    size: int | None = None,
    speaker_ids: dict[str, int] | None = None,
) -> tuple[Outcome, int, dict[str, int]]:
    """Store ``doc`` inside the caller's transaction; returns what happened, the document id, and the
    speakers this call created (name -> id; callers may cache them once the transaction commits).

    The same text (by hash) is stored once: a repeat only records where it was seen. A text that
    differs from the last one seen at the same path and key becomes a new version linked to it.
    """
    now = _now()
    digest = text_hash(doc.text)
    key = doc.source_key or ""
    found = _one(_DOC_BY_HASH, conn, {"sha256": digest})
    if found is not None:
        if _one(_SOURCE_EXISTS, conn, {"doc_id": found[0], "path": doc.source_path, "key": key}) is None:
            _insert_source(conn, found[0], doc, size, run_id, now)
        return "unchanged", found[0], {}

    previous = _one(_PREVIOUS, conn, {"path": doc.source_path, "key": key})
    version, previous_id = (previous[1] + 1, previous[0]) if previous else (1, None)
    doc_id = _one(
        _INSERT_DOC,
        conn,
        {"sha256": digest, "text": doc.text, "n_chars": len(doc.text), "version": version, "previous_id": previous_id, "created_at": now},
    )[0]
    m = doc.meta
    _INSERT_META.run(
        conn,
        {
            "doc_id": doc_id, "date": m.date, "outlet": m.outlet, "programme": m.programme, "title": m.title,
            "author": m.author, "language": m.language, "url": m.url, "format": doc.format,
            "encoding": doc.encoding, "extra": m.extra or {},
        },
    ).close()
    if conn.dialect.name == "sqlite":  # PostgreSQL fills its generated tsvector column (documents.fts) itself
        conn.connection.cursor().execute("INSERT INTO document_fts(rowid, text) VALUES (?, ?)", (doc_id, doc.text)).close()
    insert_annotations(conn, doc_id, doc.annotations, now)
    turns: Counter[str] = Counter()
    first: dict[str, int] = {}
    for a in doc.annotations:
        name = a.attrs.get("speaker") if a.layer == "turn" else None
        if name:
            turns[name] += 1
            first[name] = min(first.get(name, a.start), a.start)
    created: dict[str, int] = {}
    if turns:
        known = speaker_ids or {}
        _INSERT_DOC_SPEAKERS.run_many(
            conn,
            [
                {"doc_id": doc_id, "speaker_id": _speaker_id(conn, name, known, created), "n_turns": n, "first_start": first[name]}
                for name, n in turns.items()
            ],
        )
    _insert_source(conn, doc_id, doc, size, run_id, now)
    return ("version" if previous_id else "added"), doc_id, created


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_interrupted_runs(conn: Connection) -> int:
    """Runs still 'running' whose process (on this host) is gone were killed: mark them 'interrupted'."""
    r = schema.runs.c
    stale = [
        run_id
        for run_id, params in conn.execute(select(r.id, r.params).where(r.status == "running"))
        if isinstance(params, dict) and params.get("host") == socket.gethostname() and isinstance(params.get("pid"), int)
        and not _alive(params["pid"])
    ]
    if stale:
        conn.execute(update(schema.runs).where(r.id.in_(stale)).values(status="interrupted"))
    return len(stale)


def start_run(conn: Connection, kind: str, params: dict, analyzers: list[str]) -> int:
    """Record a run as 'running' (with this process's pid and host, so a killed run can be told)."""
    mark_interrupted_runs(conn)
    params = {**params, "pid": os.getpid(), "host": socket.gethostname()}
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



@contextmanager
def recorded_run(store, kind: str, params: dict, analyzers: list[str], report, n_ok: Callable[[], int], started: float | None = None):
    """Record a run around the block: 'running' on entry (``report.run_id`` set), then 'ok',
    'failed' (``report.problems``) or 'interrupted' (Ctrl-C) on exit, with ``report.seconds``."""
    started = time.perf_counter() if started is None else started
    with store.write() as conn:
        report.run_id = start_run(conn, kind, params, analyzers)
    interrupted = False
    try:
        yield report
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        report.seconds = time.perf_counter() - started
        with store.write() as conn:
            finish_run(conn, report.run_id, n_ok(), report.problems, interrupted)
