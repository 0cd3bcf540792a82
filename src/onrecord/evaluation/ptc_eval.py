"""Technique scores with the SemEval-2020 Task 11 semantics, for both gold formats.

``technique_scores`` turns gold and predicted technique annotations (per document) into PTC labels
and returns SI (span identification, on merged spans) and TC (technique classification: each gold
span takes the technique of the predicted span that overlaps it most, scored micro-F1).
``evaluate_ptc`` scores the store against a PTC folder (``article<ID>.txt`` + ``*.labels`` files),
finding each article in the store by the id in its source file name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from sqlalchemy import select

from .._types import Annotation
from ..errors import FormatError, NotFoundError
from ..store import schema
from ..store.queries import annotations_of
from .ptc import Label, article_id, labels_from_annotations, read_labels, score_si, score_tc, tc_predictions
from .scoring import score_layer

__all__ = ["technique_scores", "evaluate_ptc"]


def _scores(gold: list[Label], pred: list[Label]) -> dict[str, dict[str, Any]]:
    si = score_si(gold, pred)
    tc = score_tc(gold, tc_predictions(gold, pred))
    return {"SI": si.to_dict(), "TC": tc.micro.to_dict()}


def technique_scores(gold: Mapping[str, list[Annotation]], pred: Mapping[str, list[Annotation]]) -> dict[str, dict[str, Any]]:
    """SI and TC over documents named by the same keys in ``gold`` and ``pred``."""
    gold_labels = [x for name, anns in gold.items() for x in labels_from_annotations(name, anns)]
    pred_labels = [x for name, anns in pred.items() for x in labels_from_annotations(name, anns)]
    return _scores(gold_labels, pred_labels)


def _stored_articles(conn) -> dict[str, int]:
    """Article id -> newest document id ingested from a file whose name carries that id."""
    s = schema.sources.c
    found: dict[str, int] = {}
    for doc_id, path in conn.execute(select(s.doc_id, s.path).order_by(s.doc_id)):
        aid = article_id(path)
        if aid is not None and Path(path).name.lower().startswith("article"):
            found[aid] = doc_id
    return found


def evaluate_ptc(store, gold_dir: str | Path):
    from .run import EvalReport

    root = Path(gold_dir)
    articles = sorted(root.glob("article*.txt"))
    if not articles:
        raise FormatError("no article<ID>.txt files", str(root))
    gold = read_labels(root)
    ids = [article_id(p) for p in articles]
    with store.read() as conn:
        stored = _stored_articles(conn)
        missing = [a for a in ids if a not in stored]
        if missing:
            raise NotFoundError(
                f"{len(missing)} article(s) are not in the store (article{', article'.join(missing[:5])}); "
                f"run `onrecord ingest {gold_dir}` and `onrecord analyze` first (or eval --prepare)"
            )
        anns = annotations_of(conn, [stored[a] for a in ids], ["technique"])
    pred = {a: [x for x in anns[stored[a]] if x.layer == "technique"] for a in ids}
    pred_labels = [x for a in ids for x in labels_from_annotations(a, pred[a])]
    gold_labels = [x for x in gold if x.article_id in set(ids)]
    report = EvalReport("ptc", [f"article{a}" for a in ids])
    gold_anns = {a: [Annotation(x.start, x.end, "technique", x.technique) for x in gold_labels if x.article_id == a] for a in ids}
    report.layers["technique"] = score_layer("technique", [(gold_anns[a], pred[a]) for a in ids])
    report.ptc = _scores(gold_labels, pred_labels)
    return report
