"""Network files: DNA's CSV matrix, GraphML (opens in Gephi, yEd, visone), GEXF (with time intervals for
a series of windows) and edge lists with every attribute."""

from __future__ import annotations

import csv
import os
from typing import Mapping, Sequence

import networkx as nx

from .dna import Network

__all__ = ["to_graph", "write_matrix_csv", "write_graphml", "write_gexf", "write_edgelist", "NETWORK_FORMATS"]

NETWORK_FORMATS = ("csv", "graphml", "gexf", "edgelist")


def to_graph(net: Network, two_mode: bool, names: Mapping[str, str] | None = None) -> nx.Graph:
    """A weighted undirected graph: nodes carry ``label`` (display name) and ``type`` (actor/concept);
    edges are the non-zero cells (one-mode: the upper triangle)."""
    names = names or {}
    g = nx.Graph()
    for r in net.rows:
        g.add_node(r, label=names.get(r, r), type="actor")
    if two_mode:
        for c in net.cols:
            g.add_node(c, label=names.get(c, c), type="concept")
    for i, r in enumerate(net.rows):
        for j, c in enumerate(net.cols):
            if (two_mode or j > i) and net.matrix[i, j] != 0:
                value = float(net.matrix[i, j])
                g.add_edge(r, c, weight=value)
    g.graph.update({"statements": net.n_statements, "start": str(net.start or ""), "stop": str(net.stop or "")})
    return g


def _cell(value: float, integer: bool) -> str:
    return str(int(value)) if integer else f"{value:.6f}"


def write_matrix_csv(net: Network, path: str | os.PathLike) -> int:
    """DNA's CSV: ``;``-separated, a header cell ``""``, labels in double quotes (``"`` -> ``'``),
    integers as integers and anything else with six decimals."""
    quote = lambda s: '"' + s.replace('"', "'") + '"'  # noqa: E731
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(";".join(['""', *(quote(c) for c in net.cols)]) + "\n")
        for i, r in enumerate(net.rows):
            fh.write(";".join([quote(r), *(_cell(v, net.integer) for v in net.matrix[i])]) + "\n")
    return len(net.rows)


def write_graphml(net: Network, path: str | os.PathLike, two_mode: bool, names: Mapping[str, str] | None = None) -> int:
    g = to_graph(net, two_mode, names)
    nx.write_graphml(g, path)
    return g.number_of_edges()


def write_gexf(series: Sequence[Network], path: str | os.PathLike, two_mode: bool, names: Mapping[str, str] | None = None) -> int:
    """One network, or a series of time windows as one dynamic GEXF graph in which every node and edge
    has a spell per window it is in; an edge's weight per window is the dynamic attribute ``strength``
    and its static ``weight`` is the largest absolute one."""
    g = nx.Graph()
    dynamic = len(series) > 1 or bool(series and series[0].time is not None)
    for net in series:
        part = to_graph(net, two_mode, names)
        when = (net.start.date().isoformat(), net.stop.date().isoformat()) if dynamic and net.start and net.stop else None
        for node, data in part.nodes(data=True):
            if node not in g:
                g.add_node(node, **data, **({"spells": []} if when else {}))
            if when:
                g.nodes[node]["spells"].append(when)
        for u, v, data in part.edges(data=True):
            if not when:
                g.add_edge(u, v, weight=data["weight"])
                continue
            if not g.has_edge(u, v):
                g.add_edge(u, v, spells=[], strength=[], weight=0.0)
            edge = g.edges[u, v]
            edge["spells"].append(when)
            edge["strength"].append((data["weight"], *when))  # the weight in each window (dynamic attribute)
            edge["weight"] = max(edge["weight"], abs(data["weight"]))  # GEXF's static weight: the largest
    if dynamic:
        g.graph["mode"] = "dynamic"
        g.graph["timeformat"] = "date"
    nx.write_gexf(g, path)
    return g.number_of_edges()


def write_edgelist(series: Sequence[Network], path: str | os.PathLike, two_mode: bool, names: Mapping[str, str] | None = None) -> int:
    """CSV, one row per non-zero cell and window: source, target, their labels, weight, window start,
    stop and mid-point, statements in the window."""
    names = names or {}
    n = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["source", "target", "source_label", "target_label", "weight", "start", "stop", "time", "statements"])
        for net in series:
            for i, r in enumerate(net.rows):
                for j, c in enumerate(net.cols):
                    if (two_mode or j > i) and net.matrix[i, j] != 0:
                        w.writerow([r, c, names.get(r, r), names.get(c, c), _cell(float(net.matrix[i, j]), net.integer),
                                    net.start or "", net.stop or "", net.time or "", net.n_statements])
                        n += 1
    return n
