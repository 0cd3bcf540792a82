"""What pages and API routes share: codebook names, pagination, profiles, networks (cached per store
state), exports and semantic search. Each function calls the library and shapes its answer."""

from __future__ import annotations

import functools
import os
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import networkx as nx
from fastapi import Request
from sqlalchemy import func, select

from .. import explore
from ..corpus import Corpus
from ..errors import ConfigError
from ..settings import get_setting
from ..store import schema

__all__ = ["names", "paged", "labelled", "actor", "concept", "NetworkQuery", "NetworkView", "network", "export_file", "semantic"]


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
    with _corpus(request).store.read() as conn:
        rows = explore.labels_of(conn, layer, limit=5000)
    kind = "actor" if layer == "actor" else "concept"
    for r in rows:
        r["id"] = r["label"]
        r["name"] = names()[kind].get(r["label"], r["label"])
        if kind == "actor":
            r["type"] = names()["actor_type"].get(r["label"])
    return rows


def actor(request: Request, actor_id: str, unit: str = "month") -> dict[str, Any]:
    with _corpus(request).store.read() as conn:
        data = explore.actor_profile(conn, actor_id, unit=unit)
    if not data["mentions"] and not data["n_statements_by"]:
        from ..errors import NotFoundError

        raise NotFoundError(f"no actor {actor_id!r} in this corpus (see /api/v1/actors)")
    data["name"] = display(actor_id)
    data["type"] = names()["actor_type"].get(actor_id)
    return data


def concept(request: Request, concept_id: str, unit: str = "month") -> dict[str, Any]:
    with _corpus(request).store.read() as conn:
        data = explore.concept_profile(conn, concept_id, unit=unit)
    if not data["n_statements"]:
        from ..errors import NotFoundError

        raise NotFoundError(f"no statements on concept {concept_id!r} (see /api/v1/concepts)")
    data["name"] = display(concept_id)
    return data


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

    def as_json(self) -> dict[str, Any]:
        return {
            "type": "twomode" if self.two_mode else "onemode", "statements": self.n_statements,
            "nodes": [{"id": n, "label": d.get("label", n), "type": d.get("type")} for n, d in self.graph.nodes(data=True)],
            "edges": [{"source": u, "target": v, "weight": d.get("weight")} for u, v, d in self.graph.edges(data=True)],
        }


_NET_CACHE: "OrderedDict[tuple, NetworkView]" = OrderedDict()
_NET_LOCK = threading.Lock()


def _store_stamp(corpus: Corpus) -> tuple:
    """Changes whenever annotations are added or analysis runs happen (cheap: two indexed maxima)."""
    with corpus.store.read() as conn:
        top_annotation = select(func.coalesce(func.max(schema.annotations.c.id), 0)).scalar_subquery()
        top_run = select(func.coalesce(func.max(schema.runs.c.id), 0)).scalar_subquery()
        return tuple(conn.execute(select(top_annotation, top_run)).one())


def network(request: Request, query: NetworkQuery) -> NetworkView:
    """The network for a query, cached until the store or a write through the app changes it."""
    from ..networks.export import to_graph

    corpus = _corpus(request)
    key = (query, _store_stamp(corpus), request.app.state.generation.value)
    with _NET_LOCK:
        if key in _NET_CACHE:
            _NET_CACHE.move_to_end(key)
            return _NET_CACHE[key]
    series = corpus.network(options=query.options(), since=query.since, until=query.until, speaker=query.speaker,
                            verified_only=query.verified_only)
    n = names()
    labels = {**n["actor"], **n["concept"]}
    graph = to_graph(series[0], query.type == "twomode", {k: display(k) if k.startswith("speaker:") else labels.get(k, k)
                                                           for k in set(series[0].rows) | set(series[0].cols)})
    view = NetworkView(graph, series[0].n_statements, query.type == "twomode")
    with _NET_LOCK:
        _NET_CACHE[key] = view
        while len(_NET_CACHE) > 64:
            _NET_CACHE.popitem(last=False)
    return view


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
