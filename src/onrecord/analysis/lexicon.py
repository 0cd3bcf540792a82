"""The stance lexicon (``data/stance.yaml``) and the concept codebook, compiled into spaCy matchers once
per process."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources as importlib_resources
from typing import TYPE_CHECKING

import yaml

from .resources import Resources

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Span

__all__ = ["Lexicon", "lexicon", "ConceptHit"]

_PHRASE_LISTS = (
    "condition_phrases", "prescription_phrases", "hedge_phrases", "reported_phrases", "conditional_phrases", "future_phrases",
)


@dataclass(frozen=True)
class ConceptHit:
    concept: str
    start: int  # token index in the span's doc
    end: int
    weight: float
    cue: str


class Lexicon:
    def __init__(self, res: Resources):
        from spacy.matcher import PhraseMatcher

        data = yaml.safe_load(importlib_resources.files("onrecord").joinpath("data", "stance.yaml").read_text(encoding="utf-8"))
        self.words = {k: frozenset(w.lower() for w in v) for k, v in data.items() if isinstance(v, list) and k not in _PHRASE_LISTS}
        nlp = res.parser
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        for key in _PHRASE_LISTS:
            self.phrases.add(key, [nlp.make_doc(p) for p in data[key]])
        self.confidence = PhraseMatcher(nlp.vocab, attr="LOWER")
        for level, items in data["confidence"].items():
            self.confidence.add(level, [nlp.make_doc(p) for p in items])
        # Concepts: matched on lower-cased tokens and on lemmas (so "negotiated", "sanctioned" count).
        self.concepts_lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.concepts_lemma = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self.concept_order = [c.id for c in res.concepts]
        cues = [(c.id, cue) for c in res.concepts for cue in c.cues]
        lemma_docs = res.parse([cue for _, cue in cues])
        by_concept_lower: dict[str, list] = {}
        by_concept_lemma: dict[str, list] = {}
        for (cid, cue), parsed in zip(cues, lemma_docs):
            by_concept_lower.setdefault(cid, []).append(nlp.make_doc(cue))
            by_concept_lemma.setdefault(cid, []).append(parsed)
        for cid, docs in by_concept_lower.items():
            self.concepts_lower.add(cid, docs)
        for cid, docs in by_concept_lemma.items():
            self.concepts_lemma.add(cid, docs)

    def has(self, key: str, word: str) -> bool:
        return word.lower() in self.words.get(key, ())

    def phrase_keys(self, span: "Span") -> dict[str, list[tuple[int, int]]]:
        """Which phrase lists occur in ``span``: key -> token ranges (in ``span.doc``)."""
        out: dict[str, list[tuple[int, int]]] = {}
        vocab = span.doc.vocab
        for match_id, s, e in self.phrases(span):
            out.setdefault(vocab.strings[match_id], []).append((s, e))  # matchers give Doc positions
        return out

    def confidence_keys(self, span: "Span") -> set[str]:
        vocab = span.doc.vocab
        return {vocab.strings[m] for m, _, _ in self.confidence(span)}

    def concepts(self, span: "Span") -> list[ConceptHit]:
        vocab = span.doc.vocab
        seen: dict[tuple[str, int, int], ConceptHit] = {}
        for matcher in (self.concepts_lower, self.concepts_lemma):
            for match_id, s, e in matcher(span):
                cid = vocab.strings[match_id]
                cue = span.doc[s:e].text  # matchers give Doc positions, also for a Span
                weight = 2.0 if e - s > 1 else 1.0
                seen[(cid, s, e)] = ConceptHit(cid, s, e, weight, cue)
        # a longer cue inside the same tokens wins over a shorter one of another concept
        hits = sorted(seen.values(), key=lambda h: (-(h.end - h.start), h.start))
        kept: list[ConceptHit] = []
        for h in hits:
            if not any(k.start <= h.start and h.end <= k.end and (k.end - k.start) > (h.end - h.start) for k in kept):
                kept.append(h)
        return sorted(kept, key=lambda h: h.start)

    def best_concept(self, hits: list[ConceptHit]) -> ConceptHit | None:
        if not hits:
            return None
        score: dict[str, float] = {}
        first: dict[str, ConceptHit] = {}
        for h in hits:
            score[h.concept] = score.get(h.concept, 0.0) + h.weight
            first.setdefault(h.concept, h)
        order = {cid: i for i, cid in enumerate(self.concept_order)}
        best = max(score, key=lambda cid: (score[cid], -order.get(cid, 99)))
        return first[best]


def lexicon(res: Resources) -> Lexicon:
    return res.memo("stance.lexicon", lambda: Lexicon(res))
