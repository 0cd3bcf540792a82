"""What pages and API routes share: codebook names, pagination, profiles, networks (cached per store
state), exports and semantic search. Each function calls the library and shapes its answer."""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import os
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable

import networkx as nx
from fastapi import Request
from sqlalchemy import func, select

from .. import explore
from ..corpus import Corpus
from ..errors import ConfigError
from ..settings import get_setting
from ..store import schema

__all__ = ["names", "paged", "labelled", "labels", "corpus_choices", "statement_dates", "actor", "concept", "NetworkQuery",
           "NetworkView", "network", "export_file", "semantic"]


def _corpus(request: Request) -> Corpus:
    return request.app.state.corpus


@functools.lru_cache(maxsize=4)
def _names(codebook: str | None, concepts: str | None) -> dict[str, dict[str, str]]:
    from ..analysis.codebook import load_actor_codebook, load_concept_codebook

    actors = {a.id: {"name": a.name, "type": a.type} for a in load_actor_codebook(codebook)}
    return {"actor": {k: v["name"] for k, v in actors.items()}, "actor_type": {k: v["type"] for k, v in actors.items()},
            "concept": {c.id: c.name for c in load_concept_codebook(concepts)}}


def names() -> dict[str, dict[str, str]]:
    """``{"actor": id -> name, "actor_type": id -> type, "concept": id -> name}`` from the codebooks in use."""
    return _names(get_setting("codebook"), get_setting("concepts"))


def display(key: str | None) -> str:
    """A holder / actor / concept id as people read it (``speaker:Name`` -> ``Name (speaker)``)."""
    if not key:
        return "—"
    if key.startswith("speaker:"):
        return f"{key[8:]} (speaker)"
    n = names()
    return n["actor"].get(key) or n["concept"].get(key) or key


def paged(items: list[Any], page: int, per_page: int) -> dict[str, Any]:
    per_page = max(1, min(per_page, explore.MAX_PAGE_SIZE))
    total = len(items)
    return {"total": total, "page": page, "per_page": per_page, "pages": max(1, -(-total // per_page)),
            "items": items[(page - 1) * per_page : page * per_page]}


def labelled(request: Request, layer: str) -> list[dict[str, Any]]:
    return _cached(request, ("labelled", layer), lambda: _labelled(request, layer))


def _labelled(request: Request, layer: str) -> list[dict[str, Any]]:
    with _corpus(request).store.read() as conn:
        rows = explore.labels_of(conn, layer, limit=5000)
    kind = "actor" if layer == "actor" else "concept"
    for r in rows:
        r["id"] = r["label"]
        r["name"] = names()[kind].get(r["label"], r["label"])
        if kind == "actor":
            r["type"] = names()["actor_type"].get(r["label"])
    return rows


def _profile(request: Request, kind: str, key: str, unit: str) -> dict[str, Any] | None:
    with _corpus(request).store.read() as conn:
        if kind == "actor":
            data = explore.actor_profile(conn, key, unit=unit)
            found = data["mentions"] or data["n_statements_by"]
            data["type"] = names()["actor_type"].get(key)
        else:
            data = explore.concept_profile(conn, key, unit=unit)
            found = data["n_statements"]
    if not found:
        return None
    data["name"] = display(key)
    return data


def _cached_profile(request: Request, kind: str, key: str, unit: str, missing: str) -> dict[str, Any]:
    data = _cached(request, (kind, key, unit), lambda: _profile(request, kind, key, unit))
    if data is None:
        from ..errors import NotFoundError

        raise NotFoundError(missing)
    return data


def actor(request: Request, actor_id: str, unit: str = "month") -> dict[str, Any]:
    return _cached_profile(request, "actor", actor_id, unit, f"no actor {actor_id!r} in this corpus (see /api/v1/actors)")


def concept(request: Request, concept_id: str, unit: str = "month") -> dict[str, Any]:
    return _cached_profile(request, "concept", concept_id, unit,
                           f"no statements on concept {concept_id!r} (see /api/v1/concepts)")


# -- networks -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NetworkQuery:
    type: str = "twomode"
    aggregation: str | None = None
    normalization: str = "no"
    since: Any = None
    until: Any = None
    speaker: str | None = None
    verified_only: bool = False

    def options(self):
        from ..networks.dna import NetworkOptions

        aggregation = self.aggregation or ("ignore" if self.type == "twomode" else "congruence")
        return NetworkOptions(network_type=self.type, aggregation=aggregation, normalization=self.normalization).checked()


@dataclass
class NetworkView:
    graph: nx.Graph
    n_statements: int
    two_mode: bool
    _drawing: str | None = None

    def drawing(self) -> str:
        """The SVG drawing (spring layout), made once per cached network."""
        if self._drawing is None:
            from .svg import network_svg

            self._drawing = network_svg(self.graph, {n: d.get("label", n) for n, d in self.graph.nodes(data=True)},
                                        two_mode=self.two_mode)
        return self._drawing

    def as_json(self) -> dict[str, Any]:
        return {
            "type": "twomode" if self.two_mode else "onemode", "statements": self.n_statements,
            "nodes": [{"id": n, "label": d.get("label", n), "type": d.get("type")} for n, d in self.graph.nodes(data=True)],
            "edges": [{"source": u, "target": v, "weight": d.get("weight")} for u, v, d in self.graph.edges(data=True)],
        }


# -- derived views cached per store state ------------------------------------------------------------------
_CACHE_SIZE = 256
_CACHE_LOCK = threading.Lock()


def _store_stamp(corpus: Corpus) -> tuple:
    """Changes whenever documents or annotations are added or analysis runs happen (cheap: three indexed
    maxima), and, for an SQLite file, on every commit by any process (the database and WAL files'
    modification times and sizes), so corrections made outside the app are seen too."""
    files: tuple = ()
    if corpus.store.url.startswith("sqlite:///"):
        path = corpus.store.url[len("sqlite:///"):]
        for name in (path, path + "-wal"):
            try:
                st = os.stat(name)
                files += (st.st_mtime_ns, st.st_size)
            except OSError:
                files += (None, None)
    with corpus.store.read() as conn:
        top_annotation = select(func.coalesce(func.max(schema.annotations.c.id), 0)).scalar_subquery()
        top_run = select(func.coalesce(func.max(schema.runs.c.id), 0)).scalar_subquery()
        top_document = select(func.coalesce(func.max(schema.documents.c.id), 0)).scalar_subquery()
        return tuple(conn.execute(select(top_annotation, top_run, top_document)).one()) + files


def _view_cache(state: Any) -> OrderedDict:
    with _CACHE_LOCK:
        cache = getattr(state, "view_cache", None)
        if cache is None:
            cache = state.view_cache = OrderedDict()
        return cache


def _full_key(app: Any, key: tuple) -> tuple:
    return (key, _store_stamp(app.state.corpus), app.state.generation.value)


def _keep(cache: OrderedDict, full_key: tuple, value: Any, only_one: bool = False) -> None:
    """Store a value (the caller holds the lock); ``only_one`` drops the values of the same key kept for
    earlier store states first (large values: one is enough)."""
    if only_one:
        for old in [k for k in cache if k[0] == full_key[0]]:
            del cache[old]
    cache[full_key] = value
    while len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)


def _cached(request: Request, key: tuple, compute: Callable[[], Any]) -> Any:
    """``compute()``, kept (per app, least recently used first out) until the store or a write through the
    app changes. Cached values are shared between requests: callers must not modify them."""
    cache = _view_cache(request.app.state)
    full_key = _full_key(request.app, key)
    with _CACHE_LOCK:
        if full_key in cache:
            cache.move_to_end(full_key)
            return cache[full_key]
    value = compute()
    with _CACHE_LOCK:
        _keep(cache, full_key, value)
    return value


def _cached_later(app: Any, key: tuple, compute: Callable[[], Any]) -> Any | None:
    """The value kept for the current store state, or ``None`` while ``compute()`` runs in a background
    thread (one per key and state) whose result is kept for the state it started in. For values that
    take seconds and that callers can do without (they take a slower path meanwhile)."""
    cache = _view_cache(app.state)
    full_key = _full_key(app, key)
    with _CACHE_LOCK:
        if full_key in cache:
            cache.move_to_end(full_key)
            return cache[full_key]
        loading = getattr(app.state, "view_loading", None)
        if loading is None:
            loading = app.state.view_loading = set()
        if full_key in loading:
            return None
        loading.add(full_key)

    def run() -> None:
        try:
            value = compute()
            with _CACHE_LOCK:
                _keep(cache, full_key, value, only_one=True)
        except Exception:  # noqa: BLE001 - a failed background load only means the slower path stays in use
            pass
        finally:
            with _CACHE_LOCK:
                loading.discard(full_key)

    threading.Thread(target=run, name=f"onrecord-view-{key[0]}", daemon=True).start()
    return None


def listing(request: Request, flt: explore.BrowseFilter, page: int, per_page: int) -> dict[str, Any]:
    """:func:`explore.browse` (a page of the document list, filters and full-text search), cached for the
    current store state: paging back and forth or a repeated search reads the store once."""
    def compute() -> dict[str, Any]:
        with _corpus(request).store.read() as conn:
            return explore.browse(conn, flt, page=page, per_page=per_page)

    return _cached(request, ("listing", flt, page, per_page), compute)


def labels(request: Request, layer: str, limit: int) -> list[dict[str, Any]]:
    """:func:`explore.labels_of` for the current store state (the filter and review dropdowns)."""
    def compute() -> list[dict[str, Any]]:
        with _corpus(request).store.read() as conn:
            return explore.labels_of(conn, layer, limit)

    return _cached(request, ("labels", layer, limit), compute)


def corpus_choices(request: Request) -> dict[str, list]:
    """The corpus page's filter choices: speakers, outlets (most documents first), actors, concepts, techniques."""
    def compute() -> dict[str, list]:
        m = schema.document_meta.c
        with _corpus(request).store.read() as conn:
            return {
                "speakers": list(conn.execute(select(schema.speakers.c.name).order_by(schema.speakers.c.name).limit(500)).scalars()),
                "outlets": list(conn.execute(select(m.outlet).where(m.outlet.is_not(None)).group_by(m.outlet)
                                             .order_by(func.count().desc()).limit(200)).scalars()),
                "actors": labels(request, "actor", 300),
                "concepts": labels(request, "statement", 300),
                "techniques": labels(request, "technique", 100),
            }

    return _cached(request, ("corpus_choices",), compute)


def statement_dates(request: Request) -> tuple[Any, Any]:
    """The first and last date of a document with statements (the network page's windows)."""
    def compute() -> tuple[Any, Any]:
        with _corpus(request).store.read() as conn:
            return explore.statement_date_range(conn)

    return _cached(request, ("statement_dates",), compute)


def network(request: Request, query: NetworkQuery) -> NetworkView:
    """The network for a query, cached until the store or a write through the app changes it."""
    return _cached(request, ("network", query), lambda: _network(request, query))


#: Stores with at most this many statements keep them all in memory for the network views (~250 bytes
#: each); larger ones read each window's statements from the store.
STATEMENT_TABLE_LIMIT = 1_000_000


class StatementTable:
    """Every dated statement of the store as network statements, in time order, for the network views:
    a window is a slice found by bisection instead of a query (seconds on a large store)."""

    def __init__(self, statements: list) -> None:
        self.statements = sorted(statements, key=lambda st: st.time)  # stable: the store's order within a day
        self.times = [st.time for st in self.statements]

    def window(self, since: Any, until: Any) -> list:
        """The statements dated in ``[since, until]`` (dates; ``None`` leaves an end open)."""
        lo = bisect.bisect_left(self.times, dt.datetime.combine(since, dt.time())) if since else 0
        hi = bisect.bisect_right(self.times, dt.datetime.combine(until, dt.time())) if until else len(self.times)
        return self.statements[lo:hi]


def _load_statement_table(corpus: Corpus) -> StatementTable | None:
    from ..networks.source import statements_from_store

    with corpus.store.read() as conn:
        n = conn.execute(select(func.count()).select_from(schema.annotations).where(schema.annotations.c.layer == "statement")).scalar()
        if n > STATEMENT_TABLE_LIMIT:
            return None
        statements, _ = statements_from_store(conn)
    return StatementTable(statements)


def statement_table(app: Any) -> StatementTable | None:
    """The in-memory statement table for the current store state, or ``None`` while it loads in the
    background (or when the store is too large for one)."""
    return _cached_later(app, ("statement-table",), lambda: _load_statement_table(app.state.corpus))


def _network(request: Request, query: NetworkQuery) -> NetworkView:
    from ..networks.api import networks_of
    from ..networks.export import to_graph
    from ..networks.source import StatementFilter

    table = statement_table(request.app) if query.speaker is None and not query.verified_only else None
    if table is not None:
        series = networks_of(table.window(query.since, query.until), StatementFilter(query.since, query.until), query.options())
    else:
        series = _corpus(request).network(options=query.options(), since=query.since, until=query.until, speaker=query.speaker,
                                          verified_only=query.verified_only)
    n = names()
    known = {**n["actor"], **n["concept"]}
    graph = to_graph(series[0], query.type == "twomode", {k: display(k) if k.startswith("speaker:") else known.get(k, k)
                                                           for k in set(series[0].rows) | set(series[0].cols)})
    return NetworkView(graph, series[0].n_statements, query.type == "twomode")


def export_file(request: Request, query: NetworkQuery, fmt: str) -> str:
    """A temporary file with the network (gexf, graphml, csv, edgelist) or the coded corpus as DNA."""
    corpus = _corpus(request)
    handle, path = tempfile.mkstemp(prefix="onrecord-export-", suffix="." + fmt)
    os.close(handle)
    try:
        if fmt == "dna":
            os.unlink(path)
            corpus.export(path, format="dna", since=query.since, until=query.until)
        else:
            corpus.network(path, format=fmt, options=query.options(), since=query.since, until=query.until,
                           speaker=query.speaker, verified_only=query.verified_only)
    except Exception:
        if os.path.exists(path):
            os.unlink(path)
        raise
    return path


def semantic(request: Request, query: str, limit: int = 50) -> list[dict[str, Any]]:
    if not query.strip():
        raise ConfigError("an empty query")
    return _corpus(request).semantic_search(query, limit=limit)
