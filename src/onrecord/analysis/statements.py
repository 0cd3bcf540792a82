"""Stage ``onrecord.statements.v1``: DNA-style statements — speaker, holder, concept, polarity,
modality, kind — one per holder of each stance-bearing clause (see ``stance.py``).

A clause becomes a statement when it is about a codebook concept, or when an actor takes a position,
states an interest or a condition, prescribes, or is evaluated. Questions are not statements. The span
is the sentence; the label is the concept id (``other`` plus ``attrs.phrase`` when none fits).
"""

from __future__ import annotations

from .._types import Annotation
from .actors import mentions_of
from .base import AnalysisDoc, stage
from .lexicon import lexicon
from .resources import Resources
from .stance import clauses_of

__all__ = ["statements", "sentence_span"]

NAME = "onrecord.statements.v1"


def sentence_span(seg, sent) -> tuple[int, int]:
    text = sent.text
    start = seg.start + sent.start_char + (len(text) - len(text.lstrip()))
    end = seg.start + sent.end_char - (len(text) - len(text.rstrip()))
    return start, end


@stage(NAME, requires=("sentence", "actor"), assigns=("statement",))
def statements(doc: AnalysisDoc, res: Resources) -> list[Annotation]:
    """Who holds which position on which concept, with polarity, modality and kind."""
    lex = lexicon(res)
    mentions = [m for m in mentions_of(doc, res)]
    out: list[Annotation] = []
    for seg in res.segments(doc):
        seg_mentions = [m for m in mentions if seg.start <= m.start < seg.start + len(seg.doc.text)]
        for sent in seg.doc.sents:
            if sent.text.rstrip().endswith("?") or len(sent) < 3:
                continue
            start, end = sentence_span(seg, sent)
            seen = set()
            for clause in clauses_of(sent, seg.start, seg.speaker, seg_mentions, lex):
                if not (clause.concept or (clause.holder_is_actor and clause.kind != "claim") or clause.kind == "evaluation"):
                    continue
                label = clause.concept.concept if clause.concept else "other"
                for holder in clause.holders:
                    key = (holder, label, clause.polarity)
                    if key in seen:
                        continue
                    seen.add(key)
                    attrs = {
                        "speaker": seg.speaker, "holder": holder, "polarity": clause.polarity, "modality": clause.modality,
                        "kind": clause.kind, "predicate": clause.predicate.lemma_,
                    }
                    if clause.concept:
                        attrs["cue"] = clause.concept.cue
                    else:
                        attrs["phrase"] = clause.phrase
                    score = 0.4 + 0.25 * bool(clause.concept) + 0.2 * clause.holder_is_actor + 0.15 * (clause.kind != "claim")
                    out.append(Annotation(start, end, "statement", label, attrs, score=round(score, 2), source=NAME))
    return out
