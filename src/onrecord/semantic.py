"""Semantic search over sentences with the shipped static embedding model (see ``onrecord.embeddings``).

The index is a table (``sentence_vectors``): one float16 vector per ``sentence`` annotation, per
model. :func:`update_index` embeds the sentences of documents not indexed yet (or analysed again since
they were indexed); :func:`search` embeds the query and ranks every indexed sentence by cosine
similarity, with the matrix cached in memory until the index changes. Memory: 512 bytes per sentence
(256 dimensions, float16), so a million sentences take about 0.5 GB.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import numpy as np
from sqlalchemy import Connection, and_, delete, func, insert, select

from .store import schema
from .store.engine import Store

__all__ = ["update_index", "search", "index_size"]

A, S, M, D = schema.annotations.c, schema.sentence_vectors.c, schema.document_meta.c, schema.documents.c
ST = schema.analysis_state.c
_CACHE: dict[tuple[str, str], tuple[tuple[int, int], np.ndarray, np.ndarray]] = {}
_LOCK = threading.Lock()


def _model() -> tuple[str, Any]:
    from . import embeddings

    return embeddings.model_id(), embeddings.embed


def _stale_docs(conn: Connection, model: str, limit: int) -> list[int]:
    """Documents with sentences and no vectors of this model, or sentences analysed after indexing."""
    indexed = select(S.doc_id, func.min(S.created_at).label("at")).where(S.model == model).group_by(S.doc_id).subquery()
    q = (select(ST.doc_id).outerjoin(indexed, indexed.c.doc_id == ST.doc_id)
         .where(and_(ST.stage_base == "onrecord.sentences", (indexed.c.doc_id.is_(None)) | (indexed.c.at < ST.analysed_at)))
         .order_by(ST.doc_id).limit(limit))
    return list(conn.execute(q).scalars())


def update_index(store: Store, *, batch_docs: int = 200, max_docs: int | None = None) -> int:
    """Embed the sentences of documents not yet indexed; returns how many sentences were embedded."""
    model, embed = _model()
    done = 0
    seen = 0
    while max_docs is None or seen < max_docs:
        with store.read() as conn:
            ids = _stale_docs(conn, model, batch_docs)
            if not ids:
                break
            rows = conn.execute(
                select(A.doc_id, A.start, A.end, func.substr(D.text, A.start + 1, A.end - A.start))
                .join(schema.documents, D.id == A.doc_id)
                .where(and_(A.doc_id.in_(ids), A.layer == "sentence")).order_by(A.doc_id, A.start)
            ).all()
        vectors = embed([r[3] for r in rows]) if rows else np.zeros((0, 1), dtype=np.float32)
        now = dt.datetime.now(dt.timezone.utc)
        with store.write() as conn:
            conn.execute(delete(schema.sentence_vectors).where(and_(S.doc_id.in_(ids), S.model == model)))
            if rows:
                conn.execute(insert(schema.sentence_vectors), [
                    {"doc_id": r[0], "start": r[1], "end": r[2], "model": model,
                     "vector": v.astype(np.float16).tobytes(), "created_at": now}
                    for r, v in zip(rows, vectors)
                ])
        done += len(rows)
        seen += len(ids)
    return done


def index_size(conn: Connection, model: str | None = None) -> int:
    model = model or _model()[0]
    return conn.execute(select(func.count()).select_from(schema.sentence_vectors).where(S.model == model)).scalar() or 0


def _matrix(store: Store, model: str) -> tuple[np.ndarray, np.ndarray]:
    with store.read() as conn:
        stamp = tuple(conn.execute(select(func.count(), func.coalesce(func.max(S.id), 0)).where(S.model == model)).one())
        key = (store.url, model)
        with _LOCK:
            cached = _CACHE.get(key)
            if cached and cached[0] == stamp:
                return cached[1], cached[2]
        ids, blobs = [], []
        for sid, blob in conn.execute(select(S.id, S.vector).where(S.model == model).order_by(S.id)):
            ids.append(sid)
            blobs.append(blob)
    matrix = np.frombuffer(b"".join(blobs), dtype=np.float16).reshape(len(blobs), -1) if blobs else np.zeros((0, 1), np.float16)
    id_array = np.asarray(ids, dtype=np.int64)
    with _LOCK:
        _CACHE[key] = (stamp, id_array, matrix)
    return id_array, matrix


def search(store: Store, query: str, *, limit: int = 20, update: bool = True) -> list[dict[str, Any]]:
    """Sentences most similar in meaning to ``query``: ``{doc_id, start, end, text, score, date, outlet,
    speaker}``, best first. With ``update`` the index is brought up to date first."""
    if update:
        update_index(store)
    model, embed = _model()
    ids, matrix = _matrix(store, model)
    if not len(ids) or not query.strip():
        return []
    q = embed([query])[0].astype(np.float32)
    scores = matrix.astype(np.float32) @ q if matrix.shape[0] < 200_000 else np.concatenate(
        [matrix[i : i + 200_000].astype(np.float32) @ q for i in range(0, matrix.shape[0], 200_000)])
    k = min(limit, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    wanted = {int(ids[i]): float(scores[i]) for i in top}
    with store.read() as conn:
        rows = conn.execute(
            select(S.id, S.doc_id, S.start, S.end, func.substr(D.text, S.start + 1, S.end - S.start).label("text"),
                   M.date, M.outlet)
            .join(schema.documents, D.id == S.doc_id).join(schema.document_meta, M.doc_id == S.doc_id)
            .where(S.id.in_(list(wanted)))
        ).all()
    out = [{"doc_id": r.doc_id, "start": r.start, "end": r.end, "text": r.text, "score": round(wanted[r.id], 4),
            "date": r.date.isoformat() if r.date else None, "outlet": r.outlet} for r in rows]
    return sorted(out, key=lambda x: (-x["score"], x["doc_id"], x["start"]))
