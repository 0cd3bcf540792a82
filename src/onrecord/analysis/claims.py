"""Stage ``onrecord.claims.v1``: check-worthy factual claims, scored 0-1.

A sentence is check-worthy in proportion to what a fact-checker could verify in it: numbers, dates,
money and percentages; named actors doing something in the past or present (events); attributions
("X said ...", quotes). Opinion and hedging cues, predictions and questions lower the score.
Sentences scoring at least ``THRESHOLD`` are annotated; ``attrs.type`` says what makes it checkable.
"""

from __future__ import annotations

from bisect import bisect_left

from .._types import Annotation
from .actors import mentions_of
from .base import AnalysisDoc, stage
from .lexicon import lexicon
from .predictions import future_markers
from .resources import Resources
from .statements import sentence_span

__all__ = ["claims", "THRESHOLD"]

NAME = "onrecord.claims.v1"
THRESHOLD = 0.5
_NUMERIC_ENTS = {"CARDINAL", "PERCENT", "MONEY", "QUANTITY", "DATE", "ORDINAL", "TIME"}
_OPINION = {"think", "believe", "feel", "opinion", "view", "conviction", "seem", "obviously", "clearly", "must", "should"}
_CARDINALS = {"two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "twenty", "thirty",
              "forty", "fifty", "hundred", "hundreds", "thousand", "thousands", "million", "millions", "billion", "billions",
              "trillion", "dozen", "dozens", "percent", "half"}
_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
           "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "yesterday", "last"}


@stage(NAME, requires=("sentence", "actor"), assigns=("claim",))
def claims(doc: AnalysisDoc, res: Resources) -> list[Annotation]:
    """Check-worthy factual claims: numbers, events, attributions; scored 0-1."""
    lex = lexicon(res)
    mentions = sorted((m for m in mentions_of(doc, res) if not m.inferred), key=lambda m: m.start)
    starts = [m.start for m in mentions]
    out: list[Annotation] = []
    for seg in res.segments(doc):
        for sent in seg.doc.sents:
            if sent.text.rstrip().endswith("?") or len(sent) < 4:
                continue
            start, end = sentence_span(seg, sent)
            named = mentions[bisect_left(starts, start) : bisect_left(starts, end)]  # not a scan per sentence
            numbers = [t for t in sent if any(c.isdigit() for c in t.text) or t.lower_ in _CARDINALS or t.lower_ in _MONTHS
                       or "%" in t.text or t.text in ("$", "€", "£")]
            quote = any(c in sent.text for c in "“\"") and named
            speech = any(lex.has("speech_verbs", t.lemma_) and t.pos_ == "VERB" for t in sent)
            past_event = any(t.tag_ in ("VBD", "VBN") and t.pos_ in ("VERB", "AUX") and t.dep_ in ("ROOT", "conj", "ccomp", "relcl") for t in sent)
            keys = lex.phrase_keys(sent)
            opinion = any(t.lemma_.lower() in _OPINION for t in sent) or "hedge_phrases" in keys
            future = bool(future_markers(sent, keys, lex))
            score = 0.1
            kind = "other"
            if numbers:
                score += 0.4
                kind = "number"
            if named and past_event:
                score += 0.3
                kind = "event" if kind == "other" else kind
            if named and (speech or quote):
                score += 0.25
                kind = "attribution" if kind == "other" else kind
            if named:
                score += 0.05 * min(len({m.actor for m in named}), 3)
            if opinion:
                score -= 0.25
            if future and not (named and speech):  # "X says it will ..." is a checkable attribution
                score -= 0.3
            score = max(0.0, min(1.0, score))
            if score >= THRESHOLD:
                out.append(Annotation(start, end, "claim", "claim", {"type": kind, "speaker": seg.speaker}, round(score, 2), NAME))
    return out
