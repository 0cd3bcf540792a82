"""Span-overlap precision/recall/F1 for the onrecord layers, overall, per attribute and per label.

A prediction matches a gold annotation of the same layer when their spans overlap and, for a
criterion, the compared values agree. Matching is one-to-one (each gold annotation is matched by at
most one prediction, largest overlap first), so two statements on one sentence need two matches.
Holders of the form ``speaker:NAME`` compare as ``speaker`` (the speaker's own view): who the speaker
is comes from the turn, not from the analysis; ``other:NAME`` (an actor the codebook lacks) compares as
``other``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from .._types import Annotation

__all__ = ["PRF", "LayerScore", "score_layer", "CRITERIA", "match_count"]


@dataclass
class PRF:
    tp_pred: int = 0  # predictions matched
    tp_gold: int = 0  # gold annotations matched
    n_pred: int = 0
    n_gold: int = 0

    @property
    def precision(self) -> float:
        return self.tp_pred / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp_gold / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: "PRF") -> None:
        self.tp_pred += other.tp_pred
        self.tp_gold += other.tp_gold
        self.n_pred += other.n_pred
        self.n_gold += other.n_gold

    def to_dict(self) -> dict[str, Any]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "n_pred": self.n_pred, "n_gold": self.n_gold}


def _holder(a: Annotation) -> str:
    h = str(a.attrs.get("holder", ""))
    if h.startswith("speaker:"):
        return "speaker"
    if h.startswith("other:"):  # an actor the codebook lacks (the name is kept in the prediction)
        return "other"
    return h


def _attr(name: str) -> Callable[[Annotation], Any]:
    return lambda a: a.attrs.get(name)


#: Per layer: criterion name -> the value a prediction must share with gold (None: span only).
CRITERIA: dict[str, dict[str, Callable[[Annotation], Any] | None]] = {
    "actor": {"span": None, "label": lambda a: a.label},
    "statement": {
        "span": None, "concept": lambda a: a.label, "holder": _holder, "polarity": _attr("polarity"),
        "holder+concept+polarity": lambda a: (_holder(a), a.label, a.attrs.get("polarity")),
        "modality": _attr("modality"), "kind": _attr("kind"),
    },
    "prediction": {"span": None, "concept": lambda a: a.label, "holder": _holder, "confidence": _attr("confidence")},
    "technique": {"span": None, "label": lambda a: a.label},
    "claim": {"span": None},
}
#: Per layer, the criterion whose values are reported per label.
PER_LABEL = {"actor": "label", "statement": "concept", "prediction": "concept", "technique": "label"}


def _overlap(a: Annotation, b: Annotation) -> int:
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def match_count(gold: list[Annotation], pred: list[Annotation], key: Callable[[Annotation], Any] | None) -> int:
    """Size of a greedy one-to-one matching of overlapping pairs that agree on ``key``."""
    pairs = []
    for i, p in enumerate(pred):
        for j, g in enumerate(gold):
            ov = _overlap(p, g)
            if ov and (key is None or key(p) == key(g)):
                pairs.append((ov, i, j))
    pairs.sort(key=lambda x: (-x[0], x[1], x[2]))
    used_p, used_g = set(), set()
    for _, i, j in pairs:
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
    return len(used_p)


@dataclass
class LayerScore:
    layer: str
    criteria: dict[str, PRF] = field(default_factory=dict)
    per_label: dict[str, PRF] = field(default_factory=dict)

    def add_document(self, gold: list[Annotation], pred: list[Annotation]) -> None:
        for name, key in CRITERIA[self.layer].items():
            n = match_count(gold, pred, key)
            self.criteria.setdefault(name, PRF()).add(PRF(n, n, len(pred), len(gold)))
        label_criterion = PER_LABEL.get(self.layer)
        if label_criterion:
            key = CRITERIA[self.layer][label_criterion]
            for label in {a.label for a in gold} | {a.label for a in pred}:
                g = [a for a in gold if a.label == label]
                p = [a for a in pred if a.label == label]
                n = match_count(g, p, key)
                self.per_label.setdefault(label, PRF()).add(PRF(n, n, len(p), len(g)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "criteria": {k: v.to_dict() for k, v in self.criteria.items()},
            "per_label": {k: v.to_dict() for k, v in sorted(self.per_label.items())},
        }


def score_layer(layer: str, docs: Iterable[tuple[list[Annotation], list[Annotation]]]) -> LayerScore:
    """Score ``(gold, predicted)`` annotation lists of one layer over several documents."""
    score = LayerScore(layer)
    for gold, pred in docs:
        score.add_document(gold, pred)
    return score
