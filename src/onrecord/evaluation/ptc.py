"""The PTC format (Propaganda Techniques Corpus, SemEval-2020 Task 11) and its two scorers.

**Files.** An article is ``article<ID>.txt``: the title on the first line, then the text. Its labels
are lines ``<ID>\\t<technique>\\t<start>\\t<end>`` (half-open character offsets into the article file as
Python reads it); SI gold without techniques has three columns ``<ID>\\t<start>\\t<end>``. A labels
file may hold one article (``article<ID>.labels`` / ``article<ID>.task-flc-tc.labels``) or many.

**SI (span identification)**, as the task's scorer computes it: per article, the spans of the gold
and of the predictions are each merged where they overlap (share at least one character; touching
spans stay apart; techniques are ignored). Then, over all articles,

* precision = Σ_predicted s Σ_gold t |s∩t| / |s|, divided by the number of predicted spans,
* recall    = Σ_gold t Σ_predicted s |s∩t| / |t|, divided by the number of gold spans,
* F1 = their harmonic mean; 0 when either is 0, and 1 when there is neither a prediction nor a gold
  span (the official scorer's convention).

**TC (technique classification)**: the gold spans are given, a prediction names a technique for a gold
span (same article id, start and end). A span with several gold techniques takes as many predictions;
per span, predictions and gold labels are paired so that as many agree as possible. Micro precision =
correct / predictions, micro recall = correct / gold labels (so micro F1 = accuracy when every gold
label has exactly one prediction), and per technique P/R/F1 (0 where undefined, like scikit-learn).

The scorers are pure functions over :class:`Label` lists; reading and writing files is separate.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, TextIO

from .._types import Annotation
from ..errors import FormatError

__all__ = [
    "PTC_TECHNIQUES", "Label", "article_id", "parse_labels", "read_labels", "format_labels", "write_labels",
    "labels_from_annotations", "merge_spans", "SpanScore", "PRF", "TCScore", "score_si", "score_si_by_technique",
    "score_tc", "tc_predictions", "read_article", "PTCScores", "score_documents",
]

#: The 14 technique labels of SemEval-2020 Task 11, exactly as the task spells them.
PTC_TECHNIQUES = (
    "Appeal_to_Authority",
    "Appeal_to_fear-prejudice",
    "Bandwagon,Reductio_ad_hitlerum",
    "Black-and-White_Fallacy",
    "Causal_Oversimplification",
    "Doubt",
    "Exaggeration,Minimisation",
    "Flag-Waving",
    "Loaded_Language",
    "Name_Calling,Labeling",
    "Repetition",
    "Slogans",
    "Thought-terminating_Cliches",
    "Whataboutism,Straw_Men,Red_Herring",
)

_ARTICLE = re.compile(r"article(\d+)", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
_LABEL_SUFFIXES = (".labels", ".labels.tsv", ".labels.txt")


@dataclass(frozen=True, order=True)
class Label:
    """One PTC label line: ``technique`` is ``""`` for three-column (SI) lines."""

    article_id: str
    start: int
    end: int
    technique: str = ""


# --- names and files --------------------------------------------------------------------------------

def article_id(name: str | os.PathLike) -> str | None:
    """The article id in a file name: ``article123.txt`` -> ``"123"``,
    ``/x/article123.task-flc-tc.labels`` -> ``"123"``; otherwise the first run of digits of the file
    name (``0042_notes.txt`` -> ``"0042"``); ``None`` when the name has no digits."""
    base = os.path.basename(os.fspath(name))
    m = _ARTICLE.search(base)
    if m:
        return m.group(1)
    m = _DIGITS.search(base)
    return m.group(0) if m else None


def _parse_line(line: str, where: str, number: int) -> Label:
    cols = line.rstrip("\r\n").split("\t")
    if len(cols) == 4:
        aid, technique, start_s, end_s = cols
    elif len(cols) == 3:
        aid, start_s, end_s = cols
        technique = ""
    else:
        raise FormatError(f"expected 4 tab-separated columns (article_id, technique, start, end) or 3 (SI), got {len(cols)}", where, number)
    aid = aid.strip()
    found = article_id(aid)
    if not aid or found is None:
        raise FormatError(f"article id {aid!r} has no digits", where, number)
    try:
        start, end = int(start_s), int(end_s)
    except ValueError:
        raise FormatError(f"start/end must be integers, not {start_s!r}/{end_s!r}", where, number) from None
    if start < 0 or end <= start:
        raise FormatError(f"span [{start}, {end}) is empty or negative", where, number)
    return Label(found, start, end, technique.strip())


def parse_labels(text: str, where: str = "<labels>") -> list[Label]:
    """Label lines -> :class:`Label` objects (blank lines skipped; an id ``article12`` reads as ``12``)."""
    return [_parse_line(line, where, n) for n, line in enumerate(text.split("\n"), start=1) if line.strip()]


def read_labels(path: str | os.PathLike) -> list[Label]:
    """One labels file, or every ``*.labels`` / ``*.labels.tsv`` / ``*.labels.txt`` file of a folder
    (name order), as one list."""
    p = Path(path)
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.is_file() and f.name.lower().endswith(_LABEL_SUFFIXES))
        if not files:
            raise FormatError("no *.labels files in this folder", str(p))
    elif p.is_file():
        files = [p]
    else:
        raise FormatError("no such file or folder", str(p))
    out: list[Label] = []
    for f in files:
        out += parse_labels(f.read_text(encoding="utf-8"), str(f))
    return out


def format_labels(labels: Iterable[Label]) -> str:
    """Label lines (four columns when a technique is set, else three), sorted by article and offsets."""
    rows = []
    for x in sorted(labels, key=lambda x: (_id_key(x.article_id), x.start, x.end, x.technique)):
        rows.append(f"{x.article_id}\t{x.technique}\t{x.start}\t{x.end}" if x.technique else f"{x.article_id}\t{x.start}\t{x.end}")
    return "".join(r + "\n" for r in rows)


def write_labels(labels: Iterable[Label], out: str | os.PathLike | TextIO) -> int:
    """Write label lines to a path or an open text handle; returns the number of lines."""
    text = format_labels(labels)
    if hasattr(out, "write"):
        out.write(text)  # type: ignore[union-attr]
    else:
        with open(out, "w", encoding="utf-8", newline="\n") as handle:  # type: ignore[arg-type]
            handle.write(text)
    return text.count("\n")


def read_article(path: str | os.PathLike) -> tuple[str, str]:
    """``(article id, text)`` of ``article<ID>.txt``, the text exactly as the file holds it (the
    offsets of its labels count characters of this string)."""
    aid = article_id(path)
    if aid is None:
        raise FormatError("an article file name needs digits (article<ID>.txt)", str(path))
    with open(path, encoding="utf-8", newline="") as handle:
        return aid, handle.read()


def labels_from_annotations(article: str, annotations: Iterable[Annotation], layer: str = "technique") -> list[Label]:
    """The ``layer`` annotations of one document as labels of article ``article``."""
    return [Label(article, a.start, a.end, a.label) for a in annotations if a.layer == layer and a.end > a.start]


def _id_key(aid: str) -> tuple[int, str]:
    return (int(aid), aid) if aid.isdigit() else (-1, aid)


# --- SI -----------------------------------------------------------------------------------------------

def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans merged where they share a character (``[0,5)`` and ``[5,9)`` stay apart), in order."""
    out: list[list[int]] = []
    for start, end in sorted(spans):
        if end <= start:
            raise ValueError(f"empty span [{start}, {end})")
        if out and start < out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(s, e) for s, e in out]


@dataclass
class SpanScore:
    """SI numbers: the two sums of partial overlaps, the span counts (after merging), P/R/F1."""

    precision_sum: float = 0.0
    recall_sum: float = 0.0
    n_pred: int = 0
    n_gold: int = 0

    @property
    def precision(self) -> float:
        return self.precision_sum / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.recall_sum / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        if self.n_pred == 0 and self.n_gold == 0:
            return 1.0
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p > 0 and r > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "n_pred": self.n_pred, "n_gold": self.n_gold}


def _by_article(labels: Iterable[Label]) -> dict[str, list[tuple[int, int]]]:
    out: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for x in labels:
        out[x.article_id].append((x.start, x.end))
    return {k: merge_spans(v) for k, v in out.items()}


def _span_score(gold: Mapping[str, list[tuple[int, int]]], pred: Mapping[str, list[tuple[int, int]]]) -> SpanScore:
    score = SpanScore(n_pred=sum(map(len, pred.values())), n_gold=sum(map(len, gold.values())))
    for aid, spans in pred.items():
        targets = gold.get(aid, [])
        for s0, s1 in spans:
            for t0, t1 in targets:
                inter = min(s1, t1) - max(s0, t0)
                if inter > 0:
                    score.precision_sum += inter / (s1 - s0)
                    score.recall_sum += inter / (t1 - t0)
    return score


def score_si(gold: Iterable[Label], pred: Iterable[Label]) -> SpanScore:
    """Span identification, techniques ignored (see the module docstring)."""
    return _span_score(_by_article(gold), _by_article(pred))


def score_si_by_technique(gold: Iterable[Label], pred: Iterable[Label], techniques: Iterable[str] = PTC_TECHNIQUES) -> dict[str, SpanScore]:
    """SI restricted to one technique at a time (gold and predicted spans of that technique only,
    merged per article): how well the spans of each technique are found *with* their label."""
    gold, pred = list(gold), list(pred)
    names = list(dict.fromkeys([*techniques, *(x.technique for x in gold), *(x.technique for x in pred)]))
    return {
        t: _span_score(_by_article(x for x in gold if x.technique == t), _by_article(x for x in pred if x.technique == t))
        for t in names if t
    }


# --- TC -----------------------------------------------------------------------------------------------

@dataclass
class PRF:
    correct: int = 0
    n_pred: int = 0
    n_gold: int = 0

    @property
    def precision(self) -> float:
        return self.correct / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "correct": self.correct, "n_pred": self.n_pred, "n_gold": self.n_gold}


@dataclass
class TCScore:
    micro: PRF
    per_technique: dict[str, PRF] = field(default_factory=dict)
    #: predictions whose span is no gold span (counted as wrong; ``strict`` refuses them)
    unmatched: int = 0

    @property
    def accuracy(self) -> float:
        return self.micro.correct / self.micro.n_gold if self.micro.n_gold else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"micro": self.micro.to_dict(), "unmatched": self.unmatched,
                "per_technique": {k: v.to_dict() for k, v in self.per_technique.items()}}


def score_tc(gold: Iterable[Label], pred: Iterable[Label], *, strict: bool = False,
             techniques: Iterable[str] = PTC_TECHNIQUES) -> TCScore:
    """Technique classification on the gold spans (see the module docstring). With ``strict``, a
    prediction for a span that is not a gold span raises ``ValueError`` (the task's scorer refuses
    such a file); otherwise it counts as a wrong prediction."""
    gold_at: dict[tuple[str, int, int], Counter] = defaultdict(Counter)
    pred_at: dict[tuple[str, int, int], Counter] = defaultdict(Counter)
    for x in gold:
        gold_at[(x.article_id, x.start, x.end)][x.technique] += 1
    for x in pred:
        pred_at[(x.article_id, x.start, x.end)][x.technique] += 1
    unmatched = sum(sum(c.values()) for k, c in pred_at.items() if k not in gold_at)
    if strict and unmatched:
        bad = next(k for k in pred_at if k not in gold_at)
        raise ValueError(f"prediction for article {bad[0]} [{bad[1]}, {bad[2]}) is not a gold span")
    names = list(dict.fromkeys([*techniques, *(t for c in gold_at.values() for t in c), *(t for c in pred_at.values() for t in c)]))
    per = {t: PRF() for t in names}
    micro = PRF()
    for key, labels in gold_at.items():
        for t, n in labels.items():
            per[t].n_gold += n
        micro.n_gold += sum(labels.values())
        agree = labels & pred_at.get(key, Counter())
        for t, n in agree.items():
            per[t].correct += n
        micro.correct += sum(agree.values())
    for labels in pred_at.values():
        for t, n in labels.items():
            per[t].n_pred += n
        micro.n_pred += sum(labels.values())
    return TCScore(micro, per, unmatched)


def tc_predictions(gold: Iterable[Label], pred: Iterable[Label]) -> list[Label]:
    """TC predictions from free spans: each gold span takes the technique of the predicted span of the
    same article that overlaps it most (ties: the earlier prediction); a span with *k* gold labels
    takes up to *k* different techniques, by overlap. A gold span no prediction overlaps gets none.
    Lets a span detector be scored with :func:`score_tc`."""
    by_article: dict[str, list[Label]] = defaultdict(list)
    for x in pred:
        by_article[x.article_id].append(x)
    wanted = Counter((x.article_id, x.start, x.end) for x in gold)
    out = []
    for (aid, start, end), k in wanted.items():
        ranked = sorted(
            ((min(end, p.end) - max(start, p.start), -i, p.technique) for i, p in enumerate(by_article.get(aid, []))),
            reverse=True,
        )
        chosen: list[str] = []
        for overlap, _, technique in ranked:
            if overlap <= 0 or len(chosen) == k:
                break
            if technique not in chosen:
                chosen.append(technique)
        out += [Label(aid, start, end, t) for t in chosen]
    return out


@dataclass
class PTCScores:
    """SI over all documents, SI per technique (spans of one label against gold of that label), and
    TC with each gold span labelled by the predicted span that overlaps it most (:func:`tc_predictions`)."""

    si: SpanScore
    si_by_technique: dict[str, SpanScore]
    tc: TCScore

    def to_dict(self) -> dict[str, Any]:
        return {
            "SI": self.si.to_dict(),
            "TC": {**self.tc.micro.to_dict(), "per_technique": {k: v.to_dict() for k, v in self.tc.per_technique.items()}},
            "SI_by_technique": {k: v.to_dict() for k, v in self.si_by_technique.items()},
        }


def score_documents(gold: Mapping[str, Iterable[Annotation]], pred: Mapping[str, Iterable[Annotation]],
                    layer: str = "technique") -> PTCScores:
    """Score ``layer`` annotations of documents (name -> annotations; a document missing from
    ``pred`` has no predictions) with the task's SI and TC semantics."""
    gold_labels = [x for name, anns in gold.items() for x in labels_from_annotations(name, anns, layer)]
    pred_labels = [x for name, anns in pred.items() for x in labels_from_annotations(name, anns, layer)]
    return PTCScores(
        score_si(gold_labels, pred_labels),
        score_si_by_technique(gold_labels, pred_labels),
        score_tc(gold_labels, tc_predictions(gold_labels, pred_labels)),
    )
