"""The document page's text model: speaker turns cut into segments, each covered by a set of annotations.

Overlapping spans are cut at every boundary, so each segment carries the ids and layers of all spans
covering it; the page styles one visual channel per layer and lists every covering span on click.
Offsets stay code points of the stored text. Bidirectional control characters are shown as U+FFFD
(one code point for one, so offsets do not move) and counted, so a reversed or hidden text cannot
pass for something else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from .._types import Annotation

__all__ = ["Segment", "Block", "blocks", "BIDI_CONTROLS", "visible", "annotation_view"]

#: LRE RLE PDF LRO RLO, LRI RLI FSI PDI, LRM RLM ALM: they reorder or hide what the page shows.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
REPLACEMENT = "\ufffd"


def visible(text: str) -> str:
    return BIDI_CONTROLS.sub(REPLACEMENT, text)


@dataclass
class Segment:
    start: int
    end: int
    text: str
    ids: tuple[int, ...] = ()
    layers: tuple[str, ...] = ()


@dataclass
class Block:
    """A speaker turn (or the text outside turns, e.g. the header line)."""

    start: int
    end: int
    speaker: str | None
    segments: list[Segment] = field(default_factory=list)


def _cut(text: str, start: int, end: int, spans: Sequence[Annotation]) -> list[Segment]:
    """Segments of ``text[start:end]`` at every boundary of ``spans`` that fall inside it."""
    points = {start, end}
    for a in spans:
        if a.end > start and a.start < end:
            points.add(max(a.start, start))
            points.add(min(a.end, end))
    cuts = sorted(points)
    active = sorted((a for a in spans if a.end > start and a.start < end), key=lambda a: a.start)
    out: list[Segment] = []
    live: list[Annotation] = []
    k = 0
    for a, b in zip(cuts, cuts[1:]):
        while k < len(active) and active[k].start <= a:
            live.append(active[k])
            k += 1
        live = [x for x in live if x.end > a]
        covering = [x for x in live if x.start <= a and x.end >= b]
        out.append(Segment(a, b, visible(text[a:b]), tuple(x.id for x in covering if x.id is not None),
                           tuple(sorted({x.layer for x in covering}))))
    return out


def blocks(text: str, turns: Iterable[Annotation], spans: Sequence[Annotation]) -> list[Block]:
    """The text as blocks (turns in order, and whatever lies between them), each cut into segments."""
    out: list[Block] = []
    at = 0
    for t in sorted(turns, key=lambda t: (t.start, t.end)):
        if t.start < at:  # nested or overlapping turns: take the outermost reading
            continue
        if t.start > at and text[at : t.start].strip():
            out.append(Block(at, t.start, None))
        out.append(Block(t.start, t.end, str(t.attrs.get("speaker") or t.label or "")))
        at = t.end
    if at < len(text) and (text[at:].strip() or not out):
        out.append(Block(at, len(text), None))
    for b in out:
        b.segments = _cut(text, b.start, b.end, spans)
    return out


def annotation_view(a: Annotation, text: str, clip: int = 400) -> dict[str, Any]:
    """An annotation for the page's side panel (the span's text clipped)."""
    quote = text[a.start : a.end]
    return {
        "id": a.id, "layer": a.layer, "label": a.label, "start": a.start, "end": a.end, "attrs": a.attrs,
        "score": a.score, "source": a.source, "verified": a.verified,
        "text": visible(quote if len(quote) <= clip else quote[: clip - 1] + "…"),
    }
