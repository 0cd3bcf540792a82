"""Network files: DNA's CSV matrix, GraphML (opens in Gephi, yEd, visone; a visone flavour with its
graphics), GEXF (with time intervals for a series of windows) and edge lists with every attribute."""

from __future__ import annotations

import csv
import math
import os
import xml.etree.ElementTree as ET
from typing import Mapping, Sequence

import networkx as nx

from .dna import Network

__all__ = ["to_graph", "write_matrix_csv", "write_graphml", "write_graphml_visone", "write_gexf", "write_edgelist", "NETWORK_FORMATS"]

#: ``visone`` is GraphML in the visone flavour (``--graphml-flavour visone``).
NETWORK_FORMATS = ("csv", "graphml", "gexf", "edgelist", "visone")


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


NS_GRAPHML = "http://graphml.graphdrawing.org/xmlns"
NS_VISONE = "http://visone.info/xmlns"
NS_Y = "http://www.yworks.com/xml/graphml"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_VISONE_COLORS = {"actor": "#6699FF", "concept": "#FFCC00"}
_VISONE_SHAPES = {"actor": "ellipse", "concept": "rectangle"}


def write_graphml_visone(net: Network, path: str | os.PathLike, two_mode: bool, names: Mapping[str, str] | None = None) -> int:
    """GraphML as visone writes and reads it: standard GraphML keys for the data (node ``name`` = id,
    ``label``, ``type``; edge ``weight``; graph ``statements``, ``start``, ``stop``) plus yFiles graphics
    under keys with ``yfiles.type`` ``nodegraphics`` / ``edgegraphics``, each wrapped in visone's own
    element (``visone:shapeNode`` around ``y:ShapeNode`` with geometry on a circle, fill, shape and
    ``y:NodeLabel``; ``visone:polyLineEdge`` around ``y:PolyLineEdge`` with a line width that grows
    with the absolute weight, red for a negative weight). Returns the number of edges."""
    g = to_graph(net, two_mode, names)
    ET.register_namespace("", NS_GRAPHML)
    ET.register_namespace("visone", NS_VISONE)
    ET.register_namespace("y", NS_Y)
    ET.register_namespace("xsi", NS_XSI)
    q = lambda ns, tag: f"{{{ns}}}{tag}"  # noqa: E731
    root = ET.Element(q(NS_GRAPHML, "graphml"), {
        q(NS_XSI, "schemaLocation"): f"{NS_GRAPHML} http://www.yworks.com/xml/schema/graphml/1.1/ygraphml.xsd"})
    keys = [("d0", "node", None, None, "nodegraphics"), ("d1", "edge", None, None, "edgegraphics"),
            ("d2", "node", "name", "string", None), ("d3", "node", "label", "string", None), ("d4", "node", "type", "string", None),
            ("d5", "edge", "weight", "double", None), ("d6", "graph", "statements", "int", None),
            ("d7", "graph", "start", "string", None), ("d8", "graph", "stop", "string", None)]
    for kid, kind, name, typ, yfiles in keys:
        attrs = {"id": kid, "for": kind}
        attrs.update({"yfiles.type": yfiles} if yfiles else {"attr.name": name, "attr.type": typ})
        ET.SubElement(root, q(NS_GRAPHML, "key"), attrs)
    graph = ET.SubElement(root, q(NS_GRAPHML, "graph"), {"id": "G", "edgedefault": "undirected"})
    for kid, key in (("d6", "statements"), ("d7", "start"), ("d8", "stop")):
        ET.SubElement(graph, q(NS_GRAPHML, "data"), {"key": kid}).text = str(g.graph[key])
    ids: dict[str, str] = {}
    n = max(g.number_of_nodes(), 1)
    radius = max(150.0, 12.0 * n)
    for i, (node, data) in enumerate(g.nodes(data=True)):
        ids[node] = f"n{i}"
        el = ET.SubElement(graph, q(NS_GRAPHML, "node"), {"id": ids[node]})
        gfx = ET.SubElement(ET.SubElement(ET.SubElement(el, q(NS_GRAPHML, "data"), {"key": "d0"}), q(NS_VISONE, "shapeNode")),
                            q(NS_Y, "ShapeNode"))
        angle = 2 * math.pi * i / n
        ET.SubElement(gfx, q(NS_Y, "Geometry"), {"x": f"{radius * math.cos(angle):.1f}", "y": f"{radius * math.sin(angle):.1f}",
                                                 "width": "30.0", "height": "30.0"})
        ET.SubElement(gfx, q(NS_Y, "Fill"), {"color": _VISONE_COLORS[data["type"]], "transparent": "false"})
        ET.SubElement(gfx, q(NS_Y, "BorderStyle"), {"color": "#000000", "type": "line", "width": "1.0"})
        ET.SubElement(gfx, q(NS_Y, "NodeLabel"), {"visible": "true", "autoSizePolicy": "content"}).text = data["label"]
        ET.SubElement(gfx, q(NS_Y, "Shape"), {"type": _VISONE_SHAPES[data["type"]]})
        for kid, value in (("d2", node), ("d3", data["label"]), ("d4", data["type"])):
            ET.SubElement(el, q(NS_GRAPHML, "data"), {"key": kid}).text = value
    top = max((abs(d["weight"]) for _, _, d in g.edges(data=True)), default=1.0) or 1.0
    for i, (u, v, data) in enumerate(g.edges(data=True)):
        el = ET.SubElement(graph, q(NS_GRAPHML, "edge"), {"id": f"e{i}", "source": ids[u], "target": ids[v]})
        gfx = ET.SubElement(ET.SubElement(ET.SubElement(el, q(NS_GRAPHML, "data"), {"key": "d1"}), q(NS_VISONE, "polyLineEdge")),
                            q(NS_Y, "PolyLineEdge"))
        w = data["weight"]
        ET.SubElement(gfx, q(NS_Y, "LineStyle"), {"color": "#CC0000" if w < 0 else "#000000", "type": "line",
                                                  "width": f"{1.0 + 4.0 * abs(w) / top:.2f}"})
        ET.SubElement(gfx, q(NS_Y, "Arrows"), {"source": "none", "target": "none"})
        ET.SubElement(el, q(NS_GRAPHML, "data"), {"key": "d5"}).text = repr(float(w))
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)
    return g.number_of_edges()
