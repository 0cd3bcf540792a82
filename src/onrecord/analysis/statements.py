"""Stage ``onrecord.statements.v1``: DNA-style statements — speaker, holder, concept, polarity,
modality, kind — one per holder of each stance-bearing clause (see ``stance.py``).

A clause becomes a statement when it is about a codebook concept, or when an actor takes a position,
states an interest or a condition, prescribes, or is evaluated. Questions are not statements. The span
is the sentence; the label is the concept id (``other`` plus ``attrs.phrase`` when none fits).
"""

from __future__ import annotations

from .._types import Annotation
from .actors import MentionIndex, mentions_of
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


def token_span(seg, first: int, end: int) -> tuple[int, int]:
    """Character span of Doc tokens ``[first, end)`` of a segment, without edge punctuation."""
    doc = seg.doc
    while end - first > 1 and doc[end - 1].is_punct:
        end -= 1
    while end - first > 1 and doc[first].is_punct:
        first += 1
    return seg.start + doc[first].idx, seg.start + doc[end - 1].idx + len(doc[end - 1].text)


#: How many sentences back a clause without a concept of its own may take the topic from.
TOPIC_MEMORY = 2


@stage(NAME, requires=("sentence", "actor"), assigns=("statement",))
def statements(doc: AnalysisDoc, res: Resources) -> list[Annotation]:
    """Who holds which position on which concept, with polarity, modality and kind."""
    lex = lexicon(res)
    mentions = [m for m in mentions_of(doc, res)]
    out: list[Annotation] = []
    for seg in res.segments(doc):
        seg_mentions = MentionIndex(m for m in mentions if seg.start <= m.start < seg.end)
        topics: list = []  # concepts of the last sentences of this turn (the discourse topic)
        for sent in seg.doc.sents:
            if sent.text.rstrip().endswith("?") or len(sent) < 3:
                topics = (topics + [None])[-TOPIC_MEMORY:]
                continue
            seen = set()
            clauses = clauses_of(sent, seg.start, seg.speaker, seg_mentions, lex)
            own = next((c.concept for c in clauses if c.concept), None)
            topic = next((t for t in reversed(topics) if t is not None), None)
            topics = (topics + [own])[-TOPIC_MEMORY:]
            for clause in clauses:
                concept = clause.concept or own
                from_context = False
                if concept is None and topic is not None and (clause.holder_is_actor or clause.kind != "claim"):
                    concept, from_context = topic, True
                if not (concept or (clause.holder_is_actor and clause.kind != "claim") or clause.kind == "evaluation"):
                    continue
                start, end = token_span(seg, *clause.extent)
                label = concept.concept if concept else "other"
                for holder in clause.holders:
                    key = (holder, label, clause.polarity, start, end)
                    if key in seen:
                        continue
                    seen.add(key)
                    attrs = {
                        "speaker": seg.speaker, "holder": holder, "polarity": clause.polarity, "modality": clause.modality,
                        "kind": clause.kind, "predicate": clause.predicate.lemma_,
                    }
                    if concept:
                        attrs["cue"] = concept.cue
                        if from_context:
                            attrs["concept_from"] = "context"
                    else:
                        attrs["phrase"] = clause.phrase
                    score = 0.4 + 0.25 * bool(clause.concept) + 0.2 * clause.holder_is_actor + 0.15 * (clause.kind != "claim")
                    out.append(Annotation(start, end, "statement", label, attrs, score=round(score, 2), source=NAME))
    return out
