"""Small SVG drawings for the workbench, written as markup (no scripts, no external files).

Every text that goes into the SVG is escaped; numbers are formatted by us. Charts are sized by
``viewBox`` so the browser scales them.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any, Sequence

import networkx as nx
import numpy as np

__all__ = ["timeline_svg", "network_svg", "layout"]

COLOURS = {"support": "#2f7d32", "oppose": "#c62828", "count": "#3b5b92", "actor": "#3b5b92", "concept": "#c77700"}


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def timeline_svg(series: Sequence[dict[str, Any]], *, title: str = "") -> str:
    """Bars: statements per period (support above, oppose below the axis); a line: net polarity."""
    if not series:
        return ""
    w, h, left, top, bottom = 640, 220, 40, 24, 46
    n = len(series)
    peak = max(max(s["support"], s["oppose"], 1) for s in series)
    mid = top + (h - top - bottom) / 2
    half = (h - top - bottom) / 2
    step = (w - left - 10) / n
    bar = max(2.0, min(28.0, step * 0.6))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" class="chart">',
             f"<title>{_e(title or 'statements over time')}</title>",
             f'<line x1="{left}" y1="{mid:.1f}" x2="{w - 10}" y2="{mid:.1f}" stroke="#999"/>',
             f'<text x="4" y="{top + 8}" font-size="10" fill="#555">+{peak}</text>',
             f'<text x="4" y="{h - bottom}" font-size="10" fill="#555">−{peak}</text>']
    points = []
    for i, s in enumerate(series):
        x = left + i * step + (step - bar) / 2
        up = half * s["support"] / peak
        down = half * s["oppose"] / peak
        label = f"{s['period']}: {s['statements']} statements, {s['support']} support, {s['oppose']} oppose, net {s['net']:+.2f}"
        parts.append(f'<g><title>{_e(label)}</title>'
                     f'<rect x="{x:.1f}" y="{mid - up:.1f}" width="{bar:.1f}" height="{up:.1f}" fill="{COLOURS["support"]}"/>'
                     f'<rect x="{x:.1f}" y="{mid:.1f}" width="{bar:.1f}" height="{down:.1f}" fill="{COLOURS["oppose"]}"/></g>')
        points.append(f"{x + bar / 2:.1f},{mid - half * s['net']:.1f}")
        if n <= 24 or i % math.ceil(n / 24) == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{h - bottom + 14}" font-size="9" text-anchor="end" '
                         f'transform="rotate(-45 {x + bar / 2:.1f} {h - bottom + 14})" fill="#333">{_e(s["period"])}</text>')
    if len(points) > 1:
        parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="#222" stroke-width="1.5" stroke-dasharray="4 2"/>')
    parts.append("</svg>")
    return "".join(parts)


def layout(graph: nx.Graph, seed: int = 7) -> dict[Any, tuple[float, float]]:
    """Positions in [0, 1]²: spring layout (deterministic seed) for up to 400 nodes, else a circle."""
    if graph.number_of_nodes() == 0:
        return {}
    if graph.number_of_nodes() > 400:
        pos = nx.circular_layout(graph)
    else:
        pos = nx.spring_layout(graph, seed=seed, weight="weight", iterations=60)
    xy = np.array(list(pos.values()), dtype=float)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = np.where(hi - lo > 1e-9, hi - lo, 1.0)
    return {node: tuple(((p - lo) / span).tolist()) for node, p in zip(pos, xy)}


def network_svg(graph: nx.Graph, names: dict[str, str], *, two_mode: bool) -> str:
    """Nodes as circles (actors blue) and squares (concepts orange), edges as wide as their weight (red
    when negative, as in subtract networks), labels escaped; hover titles give names and weights."""
    w, h, pad = 900, 620, 60
    if graph.number_of_nodes() == 0:
        return ""
    pos = layout(graph)
    weights = [abs(d.get("weight", 1.0)) for *_, d in graph.edges(data=True)] or [1.0]
    top = max(weights) or 1.0
    degree = dict(graph.degree(weight="weight"))
    peak = max((abs(v) for v in degree.values()), default=1.0) or 1.0
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" class="network">',
             "<title>discourse network</title>"]
    def xy(node):  # room on the right for labels
        x, y = pos[node]
        return pad + x * (w - 2 * pad - 140), pad + y * (h - 2 * pad)
    for u, v, d in graph.edges(data=True):
        (x1, y1), (x2, y2) = xy(u), xy(v)
        weight = d.get("weight", 1.0)
        colour = "#c62828" if weight < 0 else "#6b7280"
        width = 0.6 + 4.0 * abs(weight) / top
        parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
                     f'stroke-width="{width:.2f}" stroke-opacity="0.7"><title>{_e(names.get(u, u))} — '
                     f'{_e(names.get(v, v))}: {weight:g}</title></line>')
    for node, data in graph.nodes(data=True):
        x, y = xy(node)
        kind = data.get("type", "actor")
        r = 4 + 10 * math.sqrt(abs(degree.get(node, 0)) / peak)
        fill = COLOURS["concept"] if kind == "concept" else COLOURS["actor"]
        label = names.get(node, node)
        shape = (f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}" fill="{fill}"/>'
                 if two_mode and kind == "concept" else f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{fill}"/>')
        parts.append(f'<g class="node"><title>{_e(label)} ({_e(kind)})</title>{shape}'
                     f'<text x="{x + r + 3:.1f}" y="{y + 4:.1f}" font-size="11" fill="#111">{_e(label[:40])}</text></g>')
    parts.append("</svg>")
    return "".join(parts)
