"""Stage ``onrecord.sentences.v1``: sentences from spaCy's dependency parse, within speaker turns.

A sentence never crosses a turn or a paragraph break; each carries its turn's speaker.
"""

from __future__ import annotations

import re

from .._types import Annotation
from .base import AnalysisDoc, stage
from .resources import Resources

__all__ = ["sentences", "sentence_spans"]

NAME = "onrecord.sentences.v1"
_PARA = re.compile(r"\n\s*\n|\n")


def sentence_spans(doc: AnalysisDoc, res: Resources) -> list[tuple[int, int, str]]:
    """``(start, end, speaker)`` of every sentence, trimmed of surrounding whitespace."""
    cached = doc.cache.get("sentence_spans")
    if cached is not None:
        return cached
    text = doc.text
    out: list[tuple[int, int, str]] = []
    for seg in res.segments(doc):
        for sent in seg.doc.sents:
            s0, e0 = seg.start + sent.start_char, seg.start + sent.end_char
            # a line break inside a parsed sentence is a boundary the parser missed
            pos = s0
            for m in _PARA.finditer(text, s0, e0):
                out.append((pos, m.start(), seg.speaker))
                pos = m.end()
            out.append((pos, e0, seg.speaker))
    trimmed = []
    for s, e, who in out:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            trimmed.append((s, e, who))
    doc.cache["sentence_spans"] = trimmed
    return trimmed


@stage(NAME, requires=("turn",), assigns=("sentence",))
def sentences(doc: AnalysisDoc, res: Resources) -> list[Annotation]:
    """Sentences (spaCy parser boundaries) inside each speaker turn, with the turn's speaker."""
    return [Annotation(s, e, "sentence", "sentence", {"speaker": who}, source=NAME) for s, e, who in sentence_spans(doc, res)]
