"""``onrecord eval``: score what the store holds against a gold folder.

``format="onrecord"``: ``NAME.txt`` + ``NAME.gold.jsonl`` (see docs/annotation.md); each gold text is
found in the store by its content (the SHA-256 of the text as ingest stores it), and every layer is
scored with span-overlap P/R/F1 overall, per attribute and per label (``scoring.py``); the technique
layer is scored with the SemEval-2020 Task 11 SI and TC semantics as well (``ptc.py``).

``format="ptc"``: a PTC folder (``article<ID>.txt`` + labels); documents are found by the article id
in their source file name, and the technique layer is scored with SI and TC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from sqlalchemy import select

from .._types import Annotation
from ..errors import ConfigError, NotFoundError
from ..store import schema
from ..store.queries import annotations_of
from ..store.writer import text_hash
from .gold import GOLD_LAYERS, load_gold_dir
from .scoring import LayerScore, score_layer

__all__ = ["EvalReport", "evaluate", "gold_texts"]

FORMATS = ("onrecord", "ptc")


@dataclass
class EvalReport:
    format: str
    documents: list[str]
    layers: dict[str, LayerScore] = field(default_factory=dict)
    ptc: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format, "documents": self.documents,
            "layers": {k: v.to_dict() for k, v in self.layers.items()}, "ptc": self.ptc,
        }


def predicted(annotations: list[Annotation], layer: str) -> list[Annotation]:
    """The machine (or verified) annotations of ``layer`` that count as predictions: inferred
    pronoun mentions are not scored as actor mentions (gold does not mark pronouns)."""
    return [a for a in annotations if a.layer == layer and not (layer == "actor" and a.attrs.get("pronoun"))]


def _doc_ids_by_hash(conn, hashes: list[str]) -> dict[str, int]:
    d = schema.documents.c
    return {sha: doc_id for doc_id, sha in conn.execute(select(d.id, d.sha256).where(d.sha256.in_(hashes)))}


def gold_texts(gold_dir: str | Path, fmt: str = "onrecord") -> list[str]:
    """The text files of a gold folder (what ``eval --prepare`` ingests)."""
    root = Path(gold_dir)
    if fmt == "ptc":
        return sorted(str(p) for p in root.glob("article*.txt"))
    return [str(g.path) for g in load_gold_dir(root)]


def evaluate(store, gold_dir: str | Path, fmt: str = "onrecord", layers: Sequence[str] | None = None) -> EvalReport:
    if fmt not in FORMATS:
        raise ConfigError(f"unknown gold format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "ptc":
        from .ptc_eval import evaluate_ptc

        return evaluate_ptc(store, gold_dir)
    gold_docs = load_gold_dir(gold_dir)
    wanted = [layer for layer in (layers or GOLD_LAYERS) if layer in GOLD_LAYERS]
    hashes = {text_hash(g.text): g for g in gold_docs}
    with store.read() as conn:
        ids = _doc_ids_by_hash(conn, list(hashes))
        missing = [g.name for h, g in hashes.items() if h not in ids]
        if missing:
            raise NotFoundError(
                f"{len(missing)} gold text(s) are not in the store ({', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}); "
                f"run `onrecord ingest {gold_dir}` and `onrecord analyze` first"
            )
        stored = annotations_of(conn, [ids[h] for h in hashes], wanted)
    report = EvalReport("onrecord", [g.name for g in gold_docs])
    for layer in wanted:
        pairs = [(g.layer(layer), predicted(stored[ids[h]], layer)) for h, g in hashes.items()]
        report.layers[layer] = score_layer(layer, pairs)
    if "technique" in wanted:
        from .ptc_eval import technique_scores

        report.ptc = technique_scores(
            {g.name: g.layer("technique") for g in hashes.values()},
            {g.name: predicted(stored[ids[h]], "technique") for h, g in hashes.items()},
        )
    return report
