"""Reading the store: document listings with filters, single documents, layers, full-text search, stats."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import Connection, Select, and_, func, select

from .._types import Annotation, Meta
from ..errors import ConfigError, NotFoundError
from . import schema

__all__ = ["DocumentFilter", "select_documents", "document_conditions", "document_rows", "find_document", "annotations_of", "stats", "speakers_by_doc", "sources_by_doc", "dated_between"]

D = schema.documents.c
M = schema.document_meta.c
A = schema.annotations.c


@dataclass(frozen=True)
class DocumentFilter:
    """Which documents to list. Every field is optional; all given ones must hold."""

    since: dt.date | None = None
    until: dt.date | None = None
    outlet: str | None = None
    speaker: str | None = None
    search: str | None = None
    ids: tuple[int, ...] | None = None
    latest_only: bool = False


def dated_between(q: Select, since: dt.date | None, until: dt.date | None) -> Select:
    """``q`` (which joins ``document_meta``) limited to documents dated in ``[since, until]``; an open
    end is not limited."""
    if since:
        q = q.where(M.date >= since)
    if until:
        q = q.where(M.date <= until)
    return q


def select_documents(conn: Connection, flt: DocumentFilter) -> Select:
    q = select(D.id).select_from(schema.documents.join(schema.document_meta, M.doc_id == D.id))
    q = dated_between(q, flt.since, flt.until)
    conds = document_conditions(conn, flt, D.id)
    if conds:
        q = q.where(and_(*conds))
    return q.order_by(M.date.is_(None), M.date, D.id)


def document_conditions(conn: Connection, flt: DocumentFilter, key: Any) -> list:
    """The conditions of ``flt`` except its date range (see :func:`dated_between`), on the document id
    column ``key``: ``documents.id``, or ``document_meta.doc_id`` for a query that reads only the metadata."""
    conds = []
    if flt.outlet:
        conds.append(func.lower(M.outlet) == flt.outlet.lower())
    if flt.ids is not None:
        conds.append(key.in_(flt.ids))
    if flt.speaker:
        sp = schema.speakers.c
        ds = schema.document_speakers.c
        # the speaker's ids first (a small table), then their documents on the speaker_id index
        ids = select(sp.id).where(func.lower(sp.name) == flt.speaker.lower())
        conds.append(key.in_(select(ds.doc_id).where(ds.speaker_id.in_(ids))))
    if flt.latest_only:
        newer = schema.documents.alias("newer")
        conds.append(~select(newer.c.id).where(newer.c.previous_id == key).exists())
    if flt.search:
        conds.append(key.in_(_fts_ids(conn, flt.search)))
    return conds


def _fts_ids(conn: Connection, query: str) -> Select:
    from sqlalchemy import column, table, text

    if conn.dialect.name == "postgresql":
        # The same FTS5 query language, translated to a tsquery over the generated documents.fts column.
        from .fts import FTS_COLUMN, FTS_CONFIG, fts5_to_tsquery

        docs = table("documents", column("id"), column(FTS_COLUMN)).alias("fts_documents")
        tsquery = func.to_tsquery(text(f"'{FTS_CONFIG}'::regconfig"), fts5_to_tsquery(query))
        return select(docs.c.id).where(docs.c[FTS_COLUMN].op("@@")(tsquery))
    if conn.dialect.name != "sqlite":
        raise ConfigError(f"full-text search is not available on {conn.dialect.name}")

    fts = table("document_fts", column("rowid"))
    # Validate the FTS5 query now, so a syntax error is reported as such (FTS5 parses it before the first
    # row, so one row is enough; counting every match would run the search twice).
    try:
        conn.exec_driver_sql("SELECT 1 FROM document_fts WHERE document_fts MATCH ? LIMIT 1", (query,)).scalar()
    except Exception as exc:
        raise ConfigError(f"bad search query {query!r}: {getattr(exc, 'orig', exc)}") from None
    return select(fts.c.rowid).where(text("document_fts MATCH :q").bindparams(q=query))


def attr_of(conn: Connection, name: str) -> Any:
    """An annotation's attribute ``name`` (a plain identifier) read in SQL: no JSON decoding in Python."""
    from sqlalchemy import literal_column

    if not name.isidentifier():
        raise ValueError(f"not an attribute name: {name!r}")
    if conn.dialect.name == "sqlite":
        return func.json_extract(schema.annotations.c.attrs, literal_column(f"'$.{name}'"))
    return schema.annotations.c.attrs.op("->>")(literal_column(f"'{name}'"))


def holder_of(conn: Connection) -> Any:
    """An annotation's ``holder`` attribute as text, written exactly as the holder index (migration 7) is,
    so that ``holder_of(conn) == actor`` is an index lookup, not a scan of every annotation's JSON."""
    return attr_of(conn, "holder")


def document_rows(conn: Connection, ids: Iterable[int], with_text: bool = True) -> list[dict[str, Any]]:
    ids = list(ids)
    if not ids:
        return []
    cols = [D.id, D.sha256, D.n_chars, D.version, D.previous_id, D.created_at, *[M[c] for c in ("date", "outlet", "programme", "title", "author", "language", "url", "format", "encoding", "extra")]]
    if with_text:
        cols.append(D.text)
    rows = {}
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        for row in conn.execute(select(*cols).join(schema.document_meta, M.doc_id == D.id).where(D.id.in_(chunk))).mappings():
            rows[row["id"]] = dict(row)
    return [rows[i] for i in ids if i in rows]


def meta_of(row: dict[str, Any]) -> Meta:
    return Meta(
        date=row["date"],
        outlet=row["outlet"],
        programme=row["programme"],
        title=row["title"],
        author=row["author"],
        language=row["language"],
        url=row["url"],
        extra=row["extra"] or {},
    )


def find_document(conn: Connection, ref: str | int) -> int:
    """A document id from an id or a unique prefix (>= 6 hex digits) of its SHA-256."""
    text = str(ref).strip()
    if text.isdigit():
        row = conn.execute(select(D.id).where(D.id == int(text))).first()
        if row:
            return row[0]
    if len(text) >= 6 and all(c in "0123456789abcdef" for c in text.lower()):
        rows = conn.execute(select(D.id).where(D.sha256.like(text.lower() + "%")).limit(2)).all()
        if len(rows) == 1:
            return rows[0][0]
        if len(rows) > 1:
            raise NotFoundError(f"hash prefix {text!r} matches more than one document; give more digits")
    raise NotFoundError(f"no document {text!r} (give an id from `onrecord ls` or a hash prefix)")


def annotations_of(conn: Connection, doc_ids: Iterable[int], layers: Iterable[str] | None = None) -> dict[int, list[Annotation]]:
    ids = list(doc_ids)
    out: dict[int, list[Annotation]] = {i: [] for i in ids}
    layers = list(layers) if layers is not None else None
    for chunk_start in range(0, len(ids), 500):
        q = select(schema.annotations).where(A.doc_id.in_(ids[chunk_start : chunk_start + 500]))
        if layers is not None:
            q = q.where(A.layer.in_(layers))
        for r in conn.execute(q.order_by(A.doc_id, A.start, A.end, A.layer, A.id)).mappings():
            out[r["doc_id"]].append(
                Annotation(
                    start=r["start"],
                    end=r["end"],
                    layer=r["layer"],
                    label=r["label"],
                    attrs=r["attrs"] or {},
                    score=r["score"],
                    source=r["source"],
                    verified=bool(r["verified"]),
                    id=r["id"],
                    doc_id=r["doc_id"],
                    created_at=r["created_at"],
                )
            )
    return out


def speakers_by_doc(conn: Connection, doc_ids: Iterable[int]) -> dict[int, list[tuple[str, int]]]:
    ids = list(doc_ids)
    out: dict[int, list[tuple[str, int]]] = {i: [] for i in ids}
    ds, sp = schema.document_speakers.c, schema.speakers.c
    for chunk_start in range(0, len(ids), 500):
        q = (
            select(ds.doc_id, sp.name, ds.n_turns)
            .join(schema.speakers, sp.id == ds.speaker_id)
            .where(ds.doc_id.in_(ids[chunk_start : chunk_start + 500]))
            .order_by(ds.doc_id, ds.first_start)
        )
        for doc_id, name, n in conn.execute(q):
            out[doc_id].append((name, n))
    return out


def sources_by_doc(conn: Connection, doc_ids: Iterable[int]) -> dict[int, list[str]]:
    """Paths each document was ingested from, oldest first."""
    ids = list(doc_ids)
    out: dict[int, list[str]] = {i: [] for i in ids}
    s = schema.sources.c
    for chunk_start in range(0, len(ids), 500):
        q = select(s.doc_id, s.path).where(s.doc_id.in_(ids[chunk_start : chunk_start + 500])).order_by(s.id)
        for doc_id, path in conn.execute(q):
            if path not in out[doc_id]:
                out[doc_id].append(path)
    return out


def layer_counts(conn: Connection, doc_ids: Iterable[int] | None = None) -> dict[str, int]:
    q = select(A.layer, func.count()).group_by(A.layer).order_by(A.layer)
    if doc_ids is not None:
        q = q.where(A.doc_id.in_(list(doc_ids)))
    return {layer: n for layer, n in conn.execute(q)}


def stats(conn: Connection) -> dict[str, Any]:
    n_docs = conn.execute(select(func.count()).select_from(schema.documents)).scalar_one()
    n_versions = conn.execute(select(func.count()).where(D.previous_id.is_not(None))).scalar_one()
    chars = conn.execute(select(func.coalesce(func.sum(D.n_chars), 0))).scalar_one()
    first, last = conn.execute(select(func.min(M.date), func.max(M.date))).one()
    outlets = conn.execute(
        select(M.outlet, func.count()).where(M.outlet.is_not(None)).group_by(M.outlet).order_by(func.count().desc(), M.outlet)
    ).all()
    ds, sp = schema.document_speakers.c, schema.speakers.c
    speakers = conn.execute(
        select(sp.name, func.count(ds.doc_id), func.sum(ds.n_turns))
        .join(schema.document_speakers, ds.speaker_id == sp.id)
        .group_by(sp.name)
        .order_by(func.count(ds.doc_id).desc(), sp.name)
    ).all()
    formats = conn.execute(select(M.format, func.count()).group_by(M.format).order_by(M.format)).all()
    r = schema.runs.c
    runs = conn.execute(select(r.kind, r.status, func.count()).group_by(r.kind, r.status).order_by(r.kind, r.status)).all()
    return {
        "documents": n_docs,
        "new_versions": n_versions,
        "characters": int(chars),
        "date_range": [first.isoformat() if first else None, last.isoformat() if last else None],
        "outlets": {o: n for o, n in outlets},
        "speakers": {name: {"documents": n, "turns": int(t)} for name, n, t in speakers},
        "formats": {f: n for f, n in formats},
        "layers": layer_counts(conn),
        "runs": [{"kind": k, "status": s, "count": n} for k, s, n in runs],
    }


def runs(conn: Connection, limit: int = 1000) -> list[dict[str, Any]]:
    """Ingest and analysis runs, newest first."""
    r = schema.runs.c
    rows = conn.execute(select(schema.runs).order_by(r.id.desc()).limit(limit)).mappings()
    return [{k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in row.items()} for row in rows]


def existing_ids(conn: Connection, ids: Iterable[int]) -> list[int]:
    """Those of ``ids`` that are stored documents."""
    ids = list(ids)
    found: list[int] = []
    for at in range(0, len(ids), 500):
        found.extend(conn.execute(select(D.id).where(D.id.in_(ids[at : at + 500]))).scalars())
    return found
