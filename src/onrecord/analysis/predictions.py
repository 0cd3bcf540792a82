"""Stage ``onrecord.predictions.v1``: statements about the future.

A sentence is a prediction when it has a future marker: a modal "will / shall / 'll / won't", "going
to" + verb, or a future phrase of the stance lexicon ("sooner or later", "is bound to", "there will
be", "next year" ...), and is not a question. The holder is the speaker, unless the forecast is
attributed ("Peskov said talks will resume", "according to X"). Each carries the concept, a horizon
normalised against the document date (``horizon.py``), a confidence cue (certain / likely / possible)
and ``status: open``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._types import Annotation
from .actors import MentionIndex, mentions_of
from .base import AnalysisDoc, stage
from .horizon import horizon
from .lexicon import lexicon
from .resources import Resources
from .stance import clauses_of, speaker_holder
from .statements import TOPIC_MEMORY, sentence_span

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Span

__all__ = ["predictions", "future_markers"]

NAME = "onrecord.predictions.v1"
FUTURE_MODALS = {"will", "shall", "'ll", "wo", "’ll"}
POSSIBILITY_MODALS = {"may", "might", "could"}


def future_markers(sent: "Span", phrase_keys: dict, lex=None) -> list[int]:
    """Token indices (in ``sent.doc``) that put ``sent`` in the future: "will / shall / 'll",
    "going to" + verb, a future phrase, a forecasting verb with a complement ("we expect the talks to
    fail"), "would" under a verb of saying or after "if" ("he said tanks would trigger a war"), or a
    possibility ("may", "could", "I wouldn't rule out") with a time horizon ("by spring")."""
    out = [t.i for t in sent if t.tag_ == "MD" and t.lower_ in FUTURE_MODALS]
    for t in sent:
        if t.lower_ == "going" and t.i + 2 < len(t.doc) and t.doc[t.i + 1].lower_ == "to" and t.doc[t.i + 2].tag_ == "VB":
            out.append(t.i)
        elif t.tag_ == "MD" and t.lower_ in ("would", "'d") and (
            any(a.dep_ == "ccomp" and lex is not None and lex.has("speech_verbs", a.head.lemma_) for a in t.head.ancestors)
            or t.head.dep_ == "ccomp" and lex is not None and lex.has("speech_verbs", t.head.head.lemma_)
            or any(c.dep_ == "advcl" and any(m.lower_ == "if" for m in c.children) for c in t.head.children)
        ):
            out.append(t.i)
        elif lex is not None and t.pos_ == "VERB" and lex.has("forecast_verbs", t.lemma_) and any(
            c.dep_ in ("ccomp", "xcomp") for c in t.children
        ):
            out.append(t.i)
    out += [s for s, _ in phrase_keys.get("future_phrases", [])]
    if not out and horizon(sent.text, None).kind not in ("none", "day"):
        # "Kiev may collapse by spring", "I wouldn't rule out a ceasefire by spring"
        possible = [t.i for t in sent if t.tag_ == "MD" and t.lower_ in POSSIBILITY_MODALS]
        out = possible or [s for s, _ in phrase_keys.get("hedge_phrases", [])]
    return sorted(set(out))


def _confidence(levels: set[str], markers: list[int], sent: "Span") -> str:
    if "possible" in levels:
        return "possible"
    if "likely" in levels:
        return "likely"
    if "certain" in levels or any(sent.doc[i].lower_ in FUTURE_MODALS for i in markers):
        return "certain"
    return "likely"


@stage(NAME, requires=("sentence", "actor"), assigns=("prediction",))
def predictions(doc: AnalysisDoc, res: Resources) -> list[Annotation]:
    """Predictions: span, holder, concept, normalised horizon, confidence, status open."""
    lex = lexicon(res)
    mentions = mentions_of(doc, res)
    out: list[Annotation] = []
    for seg in res.segments(doc):
        seg_mentions = MentionIndex(m for m in mentions if seg.start <= m.start < seg.end)
        topics: list = []
        for sent in seg.doc.sents:
            hits = lex.concepts(sent)
            own_topic = lex.best_concept(hits)
            topic = next((t for t in reversed(topics) if t is not None), None)
            topics = (topics + [own_topic])[-TOPIC_MEMORY:]
            if sent.text.rstrip().endswith("?") or len(sent) < 3:
                continue
            keys = lex.phrase_keys(sent)
            markers = future_markers(sent, keys, lex)
            if not markers:
                continue
            clauses = clauses_of(sent, seg.start, seg.speaker, seg_mentions, lex)
            attributed = [c for c in clauses if c.attributed]
            holders = attributed[0].holders if attributed else [speaker_holder(seg.speaker)]
            # the concept of the clause that carries the future marker, else the sentence's
            concept = None
            for c in clauses:
                node = c.content or c.predicate
                if any(node.left_edge.i <= i <= node.right_edge.i for i in markers) and c.concept:
                    concept = c.concept
                    break
            concept = concept or own_topic or topic
            start, end = sentence_span(seg, sent)
            negated = any(t.dep_ == "neg" or t.lower_ in ("neither", "nor", "never", "no") for t in sent)
            when = horizon(sent.text, doc.date)
            for holder in holders:
                attrs = {
                    "speaker": seg.speaker, "holder": holder, "confidence": _confidence(lex.confidence_keys(sent), markers, sent),
                    "status": "open", "negated": negated, **when.to_attrs(),
                }
                if concept:
                    attrs["cue"] = concept.cue
                else:
                    attrs["phrase"] = " ".join(t.text for t in sent[:12])
                score = 0.5 + 0.2 * any(sent.doc[i].tag_ == "MD" for i in markers) + 0.15 * bool(concept) + 0.15 * bool(when.text)
                out.append(Annotation(start, end, "prediction", concept.concept if concept else "other", attrs, round(score, 2), NAME))
    return out
