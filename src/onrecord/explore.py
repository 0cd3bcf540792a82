"""Browsing queries behind the workbench and the REST API: a filtered, paginated document list with
counts per layer, actor and concept profiles, statements, and the layers' labels.

Pure reads on a connection (SQLAlchemy Core, same SQL on SQLite and PostgreSQL); pages and API routes
only format what these return.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, func, literal, select, text

from .store import schema
from .store.queries import DocumentFilter, dated_between, document_conditions, holder_of, select_documents, speakers_by_doc
from .timelines import period_of

__all__ = ["BrowseFilter", "browse", "labels_of", "statement_date_range", "actor_profile", "concept_profile", "statements", "MAX_PAGE_SIZE"]

A, M, D = schema.annotations.c, schema.document_meta.c, schema.documents.c
MAX_PAGE_SIZE = 200
COUNTED_LAYERS = ("actor", "statement", "prediction", "technique", "claim")


@dataclass(frozen=True)
class BrowseFilter:
    """Documents to list: the store filters plus 'has an annotation with this label' per layer."""

    since: dt.date | None = None
    until: dt.date | None = None
    outlet: str | None = None
    speaker: str | None = None
    search: str | None = None
    actor: str | None = None
    concept: str | None = None
    technique: str | None = None


def _with_label(layer: str, label: str):
    return select(A.doc_id).where(and_(A.layer == layer, A.label == label))


def browse(conn: Connection, flt: BrowseFilter, *, page: int = 1, per_page: int = 50) -> dict[str, Any]:
    """``{total, page, per_page, pages, items}``; each item has id, date, outlet, programme, title,
    author, speakers, n_chars and counts per analysis layer. Newest documents first."""
    per_page = max(1, min(int(per_page), MAX_PAGE_SIZE))
    page = max(1, int(page))
    doc_flt = DocumentFilter(flt.since, flt.until, flt.outlet, flt.speaker, flt.search)
    labelled = [(layer, label) for layer, label in (("actor", flt.actor), ("statement", flt.concept), ("technique", flt.technique))
                if label]
    if conn.dialect.name == "sqlite":
        total, rows = _browse_page_sqlite(conn, doc_flt, labelled, per_page, (page - 1) * per_page)
    else:
        q = select_documents(conn, doc_flt)
        for layer, label in labelled:
            q = q.where(D.id.in_(_with_label(layer, label)))
        ids_q = q.order_by(None)
        total = conn.execute(select(func.count()).select_from(ids_q.subquery())).scalar() or 0
        rows = conn.execute(
            ids_q.add_columns(M.date, M.outlet, M.programme, M.title, M.author, D.n_chars)
            .order_by(M.date.is_(None), M.date.desc(), D.id.desc())
            .limit(per_page).offset((page - 1) * per_page)
        ).all()
    ids = [r.id for r in rows]
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    if ids:
        for doc_id, layer, n in conn.execute(
            select(A.doc_id, A.layer, func.count()).where(and_(A.doc_id.in_(ids), A.layer.in_(COUNTED_LAYERS)))
            .group_by(A.doc_id, A.layer)
        ):
            counts[doc_id][layer] = n
    speakers = speakers_by_doc(conn, ids)
    items = [
        {"id": r.id, "date": r.date.isoformat() if r.date else None, "outlet": r.outlet, "programme": r.programme,
         "title": r.title, "author": r.author, "n_chars": r.n_chars, "speakers": [n for n, _ in speakers.get(r.id, [])],
         "counts": {layer: counts[r.id].get(layer, 0) for layer in COUNTED_LAYERS}}
        for r in rows
    ]
    return {"total": total, "page": page, "per_page": per_page, "pages": max(1, -(-total // per_page)), "items": items}


def statement_date_range(conn: Connection) -> tuple[dt.date | None, dt.date | None]:
    """The first and last date of a document with at least one statement (``(None, None)`` if none).
    Walks the date index from each end and stops at the first document with a statement."""
    has_statement = select(A.id).where(and_(A.doc_id == M.doc_id, A.layer == "statement")).exists()
    dated = select(M.date).where(and_(M.date.is_not(None), has_statement)).limit(1)
    return (conn.execute(dated.order_by(M.date)).scalar(), conn.execute(dated.order_by(M.date.desc())).scalar())


def _browse_page_sqlite(conn: Connection, flt: DocumentFilter, labelled: list[tuple[str, str]], limit: int,
                        offset: int) -> tuple[int, list]:
    """What the join of documents and metadata in :func:`browse` gives, read from the metadata alone (each
    metadata row belongs to one document: a foreign key), then the page's rows by id. SQLite sorts NULL
    first, so NULL dates come last in DESC order: the order walks the date index backwards, no sort."""
    q = dated_between(select(M.doc_id), flt.since, flt.until)
    conds = document_conditions(conn, flt, M.doc_id) + [M.doc_id.in_(_with_label(layer, label)) for layer, label in labelled]
    if conds:
        q = q.where(and_(*conds))
    if flt.search and not labelled and flt == DocumentFilter(search=flt.search):
        # a search alone: every indexed row is one document with its metadata row, so FTS5 counts the
        # matches itself (~10x faster than counting them through the metadata on a common word)
        total = conn.execute(text("SELECT count(*) FROM document_fts WHERE document_fts MATCH :q"), {"q": flt.search}).scalar() or 0
    else:
        total = conn.execute(select(func.count()).select_from(q.subquery())).scalar() or 0
    ids = list(conn.execute(q.order_by(M.date.desc(), M.doc_id.desc()).limit(limit).offset(offset)).scalars())
    if not ids:
        return total, []
    found = {r.id: r for r in conn.execute(
        select(D.id, M.date, M.outlet, M.programme, M.title, M.author, D.n_chars)
        .join(schema.document_meta, M.doc_id == D.id).where(D.id.in_(ids)))}
    return total, [found[i] for i in ids if i in found]


def labels_of(conn: Connection, layer: str, limit: int = 500) -> list[dict[str, Any]]:
    """The labels of a layer with their annotation and document counts, most frequent first."""
    q = (select(A.label, func.count().label("n"), func.count(func.distinct(A.doc_id)).label("docs"))
         .where(A.layer == layer).group_by(A.label).order_by(func.count().desc(), A.label).limit(limit))
    return [{"label": r.label, "count": r.n, "documents": r.docs} for r in conn.execute(q)]


def _statement_query(conds: list, since: dt.date | None, until: dt.date | None):
    q = select(A.id).join(schema.document_meta, M.doc_id == A.doc_id).where(and_(A.layer == "statement", *conds))
    return dated_between(q, since, until)


def _statement_rows(conn: Connection, conds: list, since: dt.date | None, until: dt.date | None, limit: int | None,
                    offset: int = 0, with_text: bool = True):
    """Statement rows in date order; without ``with_text`` the ``text`` column is empty and no document
    text is read (profiles aggregate thousands of rows and show a few: :func:`_dicts_with_text`)."""
    text_column = func.substr(D.text, A.start + 1, A.end - A.start) if with_text else literal(None)
    q = select(A.id, A.doc_id, A.start, A.end, A.label, A.attrs, A.score, A.source, A.verified, M.date, text_column.label("text"))
    q = q.join(schema.document_meta, M.doc_id == A.doc_id)
    if with_text:
        q = q.join(schema.documents, D.id == A.doc_id)
    q = q.where(and_(A.layer == "statement", *conds))
    q = dated_between(q, since, until).order_by(M.date.is_(None), M.date, A.doc_id, A.start, A.id)
    if limit:
        q = q.limit(limit).offset(offset)
    return conn.execute(q).all()


def _dicts_with_text(conn: Connection, rows: list) -> list[dict[str, Any]]:
    """:func:`_statement_dict` of rows read without text, with their texts read now (by id)."""
    texts: dict[int, str] = {}
    if rows:
        q = (select(A.id, func.substr(D.text, A.start + 1, A.end - A.start)).join(schema.documents, D.id == A.doc_id)
             .where(A.id.in_([r.id for r in rows])))
        texts = {i: t for i, t in conn.execute(q)}
    return [{**_statement_dict(r), "text": texts.get(r.id)} for r in rows]


def _statement_dict(r) -> dict[str, Any]:
    attrs = r.attrs or {}
    return {"id": r.id, "doc_id": r.doc_id, "start": r.start, "end": r.end, "concept": r.label, "holder": attrs.get("holder"),
            "polarity": attrs.get("polarity"), "modality": attrs.get("modality"), "speaker": attrs.get("speaker"),
            "date": r.date.isoformat() if r.date else None, "text": r.text, "score": r.score, "source": r.source,
            "verified": bool(r.verified)}


def statements(conn: Connection, *, holder: str | None = None, concept: str | None = None, speaker: str | None = None,
               polarity: str | None = None, since: dt.date | None = None, until: dt.date | None = None,
               page: int = 1, per_page: int = 50) -> dict[str, Any]:
    """Statements (newest documents last) with their text, paginated."""
    per_page = max(1, min(int(per_page), MAX_PAGE_SIZE))
    page = max(1, int(page))
    conds = []
    if holder:
        conds.append(A.attrs["holder"].as_string() == holder)
    if concept:
        conds.append(A.label == concept)
    if polarity:
        conds.append(A.attrs["polarity"].as_string() == polarity)
    if speaker:
        conds.append(func.lower(A.attrs["speaker"].as_string()) == speaker.lower())
    total = conn.execute(select(func.count()).select_from(_statement_query(conds, since, until).subquery())).scalar() or 0
    chunk = _statement_rows(conn, conds, since, until, per_page, (page - 1) * per_page)
    return {"total": total, "page": page, "per_page": per_page, "pages": max(1, -(-total // per_page)),
            "items": [_statement_dict(r) for r in chunk]}


def _series(rows, unit: str) -> list[dict[str, Any]]:
    cells: dict[str, dict[str, int]] = defaultdict(lambda: {"statements": 0, "support": 0, "oppose": 0})
    for r in rows:
        if r.date is None:
            continue
        cell = cells[period_of(r.date, unit)]
        cell["statements"] += 1
        polarity = (r.attrs or {}).get("polarity")
        if polarity in ("support", "oppose"):
            cell[polarity] += 1
    return [{"period": p, **c, "net": round((c["support"] - c["oppose"]) / c["statements"], 3)}
            for p, c in sorted(cells.items())]


def _positions(rows, key) -> list[dict[str, Any]]:
    tally: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        tally[key(r)][(r.attrs or {}).get("polarity") or "neutral"] += 1
    out = [{"key": k, "support": c["support"], "oppose": c["oppose"], "neutral": c["neutral"], "total": sum(c.values())}
           for k, c in tally.items() if k]
    return sorted(out, key=lambda x: (-x["total"], x["key"]))


def _mentions(conn: Connection, actor: str, sample: int = 2000) -> tuple[Counter, set[int], int]:
    """(alias texts of the first ``sample`` mentions, documents mentioning the actor, mentions). Counting
    uses the (label, layer, doc_id) index alone; only the sample reads document text."""
    where = and_(A.layer == "actor", A.label == actor)
    docs = set(conn.execute(select(A.doc_id).where(where).distinct()).scalars())
    n = conn.execute(select(func.count()).select_from(schema.annotations).where(where)).scalar() or 0
    # the sample's ids first (on the index), then their texts: ordering the texts themselves would read
    # the text of every mention before the sort
    first = select(A.id).where(where).order_by(A.doc_id).limit(sample).scalar_subquery()
    texts = conn.execute(
        select(func.substr(D.text, A.start + 1, A.end - A.start)).join(schema.documents, D.id == A.doc_id).where(A.id.in_(first))
    ).scalars()
    return Counter(texts), docs, n


def _co_occurring(conn: Connection, layer: str, label: str, docs: set[int], limit: int = 15) -> list[dict[str, Any]]:
    if not docs:
        return []
    ids = sorted(docs)[:5000]
    q = (select(A.label, func.count(func.distinct(A.doc_id)).label("docs"))
         .where(and_(A.layer == layer, A.doc_id.in_(ids), A.label != label))
         .group_by(A.label).order_by(func.count(func.distinct(A.doc_id)).desc(), A.label).limit(limit))
    return [{"label": r.label, "documents": r.docs} for r in conn.execute(q)]


def actor_profile(conn: Connection, actor: str, *, unit: str = "month", limit: int = 200) -> dict[str, Any]:
    """Aliases seen (mention texts), statements by the actor (as holder) and about it (its mention inside
    another holder's statement), concepts supported / opposed, a timeline, co-occurring actors."""
    aliases, docs, n_mentions = _mentions(conn, actor)
    holder = holder_of(conn)
    by = _statement_rows(conn, [holder == actor], None, None, None, with_text=False)
    about = _statements_about(conn, actor, docs, limit)
    return {
        "id": actor, "mentions": n_mentions, "documents": len(docs),
        "aliases": [{"text": t, "count": n} for t, n in aliases.most_common(50)],
        "statements_by": _dicts_with_text(conn, by[-limit:]), "n_statements_by": len(by),
        "statements_about": [_statement_dict(r) for r in about],
        "concepts": _positions(by, lambda r: r.label),
        "timeline": _series(by, unit),
        "co_occurring": _co_occurring(conn, "actor", actor, docs),
    }


#: An actor named in more documents than this has the statements about it found document by document in
#: date order, stopping at the limit, instead of matching every mention first.
ABOUT_WALK_FROM = 2000


def _statements_about(conn: Connection, actor: str, docs: set[int], limit: int) -> list:
    """The first ``limit`` statements (date order) that contain a mention of ``actor`` and are held by
    someone else."""
    holder = holder_of(conn)
    mention = schema.annotations.alias("mention")

    def about(doc_ids: list[int] | None, n: int | None) -> list:
        q = select(A.id).join(mention, and_(mention.c.doc_id == A.doc_id, mention.c.layer == "actor", mention.c.label == actor,
                                            mention.c.start >= A.start, mention.c.end <= A.end)).where(A.layer == "statement")
        if doc_ids is not None:
            q = q.where(A.doc_id.in_(doc_ids))
        return _statement_rows(conn, [A.id.in_(q), holder != actor], None, None, n)

    if len(docs) <= ABOUT_WALK_FROM:
        return about(None, limit)
    # the order of _statement_rows (dated documents by date and id on the date index, then the undated
    # ones), read lazily: a much-named actor needs only the first few hundred of its documents
    dated = conn.execute(select(M.doc_id).where(M.date.is_not(None)).order_by(M.date, M.doc_id))
    undated = conn.execute(select(M.doc_id).where(M.date.is_(None)).order_by(M.doc_id))
    rows: list = []
    chunk: list[int] = []
    try:
        for (doc_id,) in itertools.chain(dated, undated):
            if doc_id in docs:
                chunk.append(doc_id)
            if len(chunk) == 200:
                rows += about(chunk, None)
                chunk = []
                if len(rows) >= limit:
                    return rows[:limit]
        if chunk:
            rows += about(chunk, None)
    finally:
        dated.close()
        undated.close()
    return rows[:limit]


def concept_profile(conn: Connection, concept: str, *, unit: str = "month", limit: int = 200) -> dict[str, Any]:
    """Statements on a concept, holders supporting / opposing it, a timeline, co-occurring concepts."""
    rows = _statement_rows(conn, [A.label == concept], None, None, None, with_text=False)
    docs = {r.doc_id for r in rows}
    return {
        "id": concept, "n_statements": len(rows), "documents": len(docs),
        "statements": _dicts_with_text(conn, rows[-limit:]),
        "holders": _positions(rows, lambda r: (r.attrs or {}).get("holder")),
        "timeline": _series(rows, unit),
        "co_occurring": _co_occurring(conn, "statement", concept, docs),
    }
