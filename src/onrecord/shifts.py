"""Shifts: where a speaker's statements on the same holder changed between dates.

Three kinds, each with both spans (document, offsets, text, date):

- **polarity**: for each (speaker, holder, concept) — concepts other than ``other`` — statements are
  taken in date order; a statement whose polarity differs from the latest earlier-dated statement of
  that group is a polarity shift (score 1.0 x the two statements' mean confidence);
- **modality**: same polarity, another modality (asserted -> hedged, hedged -> conditional ...),
  score 0.5 x the mean confidence;
- **semantic**: two statements of a speaker on the same holder, on different dates and of any concept
  (``other`` included), whose texts are about the same thing (cosine of their embeddings from
  ``onrecord.embeddings`` at least ``min_similarity``) but share no content word (stems, stop words
  left out), and that show an opposition cue from ``data/opposition.yaml``: one negated and the other
  not, a pair of antonyms across them (possible / impossible, accept / reject, war / peace ...), or
  opposite polarities. A negation and an antonym together cancel ("impossible" ~ "not possible").
  Score = similarity x cue strength (antonym 1.0, negation 0.8, polarity 0.6, +0.1 per further cue,
  at most 1). These are the shifts the concept codebook cannot see: "a ceasefire is out of the
  question" -> "we are ready to accept a truce".

Semantic detection is blocked by (speaker, holder) and vectorised: similarities a chunk of rows at a
time, shared words and cues through bitsets, and at most ``MAX_PAIRS_PER_BLOCK`` candidate pairs
(the most similar) of one block are checked one by one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources as importlib_resources
from typing import Any

import numpy as np
import yaml
from sqlalchemy import Connection, select

from ._types import speaker_test
from .errors import ConfigError
from .store import schema
from .store.queries import dated_between

__all__ = ["SHIFT_KINDS", "Opposition", "content_stems", "find_shifts", "load_opposition", "opposition_cues"]

A, M, D = schema.annotations.c, schema.document_meta.c, schema.documents.c

SHIFT_KINDS = ("polarity", "modality", "semantic")
#: Least cosine similarity of two statements' embeddings for them to count as about the same thing.
MIN_SIMILARITY = 0.6
#: How many partners each statement is compared with: its most similar ones on later dates (of those
#: sharing no content word).
TOP_K = 3
#: Most candidate pairs (above the similarity, no shared word, a cue) checked in one speaker+holder block.
MAX_PAIRS_PER_BLOCK = 5000
CUE_WEIGHTS = {"antonym": 1.0, "negation": 0.8, "polarity": 0.6}
_CHUNK = 512  # rows of a block whose similarities are computed at once


# -- words, negations, antonyms -------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_DOUBLE = re.compile(r"([b-df-hj-np-tv-z])\1$")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light, deterministic English stemmer: accepted, accepts, accepting -> ``accept``;
    escalate, escalated -> ``escalat``; crises -> ``crise``... Same rules for texts and lexicon."""
    w = word.lower().replace("’", "'")
    if w.endswith("n't"):
        return "not"
    w = w.removesuffix("'s")
    w = w.strip("'")
    if len(w) <= 3:
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if w.endswith("eed"):  # agreed, succeed -> agree, succee (as agree, succeeded below)
        w = w[:-1]
    else:
        for suffix in ("ing", "ed"):
            if w.endswith(suffix) and len(w) - len(suffix) >= 3:
                w = w[: -len(suffix)]
                if w.endswith("eed") or _DOUBLE.search(w) and not w.endswith(("ll", "ss", "zz")):
                    w = w[:-1]
                break
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    if w.endswith("y") and len(w) > 3:
        w = w[:-1] + "i"
    return w


@dataclass(frozen=True)
class Opposition:
    """The opposition lexicon, compiled: stems of negations, phrases, prefixes, antonym sides."""

    negations: frozenset[str]
    phrases: re.Pattern | None
    prefixes: tuple[str, ...]
    antonyms: dict[str, frozenset[tuple[int, int]]]  # stem -> {(pair index, side 0|1)}
    pairs: int
    stop: frozenset[str]


def _words(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in (value or [])]


@lru_cache(maxsize=4)
def load_opposition(path: str | None = None) -> Opposition:
    """The shipped ``data/opposition.yaml``, or another file of the same shape."""
    try:
        if path is None:
            raw = importlib_resources.files("onrecord").joinpath("data", "opposition.yaml").read_text(encoding="utf-8")
        else:
            with open(path, encoding="utf-8") as fh:
                raw = fh.read()
        data = yaml.safe_load(raw) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read the opposition lexicon {path or 'data/opposition.yaml'}: {exc}") from None
    negations = frozenset(stem(w) for w in _words(data.get("negations")))
    phrases = [p.strip().lower() for p in _words(data.get("negation_phrases")) if p.strip()]
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)) + r")\b") if phrases else None
    antonyms: dict[str, set[tuple[int, int]]] = defaultdict(set)
    pairs = data.get("antonyms") or []
    for i, pair in enumerate(pairs):
        if not isinstance(pair, list) or len(pair) != 2:
            raise ConfigError(f"opposition lexicon: antonyms entry {i + 1} is not a pair of words or word lists: {pair!r}")
        for side, words in enumerate(pair):
            for w in _words(words):
                if stem(w) not in negations:  # a negation word is a negation cue, not an antonym
                    antonyms[stem(w)].add((i, side))
    stop = frozenset(stem(w) for w in _words(data.get("stop_words"))) | negations
    return Opposition(negations, pattern, tuple(str(p).lower() for p in _words(data.get("negative_prefixes"))),
                      {k: frozenset(v) for k, v in antonyms.items()}, len(pairs), stop)


@dataclass(frozen=True)
class _Text:
    stems: tuple[str, ...]  # every word's stem, in order
    content: frozenset[str]  # content stems: no stop words, no negations
    negated: bool
    bases: frozenset[str]  # what a negative prefix negates: unable -> abl (the stem of "able")


def _analyse(text: str, lex: Opposition) -> _Text:
    words = _WORD.findall(text)
    stems = tuple(stem(w) for w in words)
    count = sum(s in lex.negations for s in stems) + (len(lex.phrases.findall(text.lower())) if lex.phrases else 0)
    negated = count % 2 == 1  # "I wouldn't rule out" is not negated
    bases = frozenset(s[len(p):] for s in stems for p in lex.prefixes
                      if s.startswith(p) and len(s) - len(p) >= 3 and s[len(p):] not in lex.stop)
    return _Text(stems, frozenset(s for s in stems if s not in lex.stop and len(s) > 1), negated, bases)


def content_stems(text: str, lex: Opposition | None = None) -> frozenset[str]:
    """The content words of ``text`` as stems (what two statements must not share to be a semantic pair)."""
    return _analyse(text, lex or load_opposition()).content


def _antonym_sides(t: _Text, lex: Opposition) -> dict[int, set[int]]:
    sides: dict[int, set[int]] = defaultdict(set)
    for s in t.stems:
        for pair, side in lex.antonyms.get(s, ()):
            sides[pair].add(side)
    return sides


def _antonyms(a: _Text, b: _Text, lex: Opposition, words_a: list[str], words_b: list[str]) -> list[str]:
    """Antonym cues across ``a`` and ``b``: lexicon pairs (each text on one side only) and negative
    prefixes (unable / able)."""
    found = []
    sa, sb = _antonym_sides(a, lex), _antonym_sides(b, lex)
    for pair in sorted(set(sa) & set(sb)):
        if len(sa[pair]) == 1 and len(sb[pair]) == 1 and sa[pair] != sb[pair]:
            wa = next(w for w, s in zip(words_a, a.stems) if (pair, *sa[pair]) in lex.antonyms.get(s, ()))
            wb = next(w for w, s in zip(words_b, b.stems) if (pair, *sb[pair]) in lex.antonyms.get(s, ()))
            found.append(f"{wa.lower()}/{wb.lower()}")
    for x, y, wx, wy in ((a, b, words_a, words_b), (b, a, words_b, words_a)):
        bare = {s: w for s, w in zip(y.stems, wy) if s in y.content}
        for s, w in zip(x.stems, wx):
            for prefix in lex.prefixes:
                rest = s[len(prefix):]
                if s.startswith(prefix) and rest in x.bases and rest in bare:
                    found.append(f"{w.lower()}/{bare[rest].lower()}" if x is a else f"{bare[rest].lower()}/{w.lower()}")
    return found


def opposition_cues(before: str, after: str, polarities: tuple[str | None, str | None] = (None, None),
                    lex: Opposition | None = None) -> list[str]:
    """The opposition cues between two texts (``negation:before``, ``antonym:accept/reject``,
    ``polarity:oppose/support``), or ``[]`` when there is none or a negation and an antonym cancel."""
    lex = lex or load_opposition()
    a, b = _analyse(before, lex), _analyse(after, lex)
    return _cues(a, b, lex, _WORD.findall(before), _WORD.findall(after), polarities)


def _cues(a: _Text, b: _Text, lex: Opposition, words_a: list[str], words_b: list[str],
          polarities: tuple[str | None, str | None]) -> list[str]:
    antonyms = _antonyms(a, b, lex, words_a, words_b)
    negation = a.negated != b.negated
    if antonyms and negation:  # "impossible" and "not possible" say the same
        return []
    cues = [f"negation:{'before' if a.negated else 'after'}"] if negation else []
    cues += [f"antonym:{pair}" for pair in dict.fromkeys(antonyms)]
    pa, pb = polarities
    if pa and pb and pa != pb:
        cues.append(f"polarity:{pa}/{pb}")
    return cues


def _strength(cues: list[str]) -> float:
    weights = sorted({CUE_WEIGHTS[c.split(":", 1)[0]] for c in cues}, reverse=True)
    kinds = {c.split(":", 1)[0] for c in cues}
    return min(1.0, weights[0] + 0.1 * (len(kinds) - 1)) if weights else 0.0


# -- the shifts -----------------------------------------------------------------------------------

def _side(row, text: str) -> dict[str, Any]:
    attrs = row.attrs or {}
    return {
        "id": row.id, "doc_id": row.doc_id, "date": row.date.isoformat(), "start": row.start, "end": row.end,
        "text": text[row.start : row.end], "polarity": attrs.get("polarity"), "modality": attrs.get("modality"),
        "kind": attrs.get("kind"), "concept": row.label, "score": row.score,
    }


def find_shifts(conn: Connection, *, speaker: str | None = None, concept: str | None = None, holder: str | None = None,
                since: dt.date | None = None, until: dt.date | None = None, min_score: float = 0.0,
                kind: str | None = None, min_similarity: float = MIN_SIMILARITY) -> list[dict[str, Any]]:
    """Polarity, modality and semantic shifts (``kind`` keeps one kind), highest score first, then by
    date. With ``concept``, a semantic shift is kept when either statement has that concept."""
    if kind is not None and kind not in SHIFT_KINDS:
        raise ConfigError(f"unknown shift kind {kind!r}; known: {', '.join(SHIFT_KINDS)}")
    q = (
        select(A.id, A.doc_id, A.start, A.end, A.label, A.attrs, A.score, M.date)
        .join(schema.document_meta, M.doc_id == A.doc_id)
        .where(A.layer == "statement", M.date.is_not(None))
    )
    if kind in ("polarity", "modality"):  # semantic shifts compare statements of any concept, `other` too
        q = q.where(A.label != "other")
        if concept:
            q = q.where(A.label == concept)
    q = dated_between(q, since, until)
    blocks: dict[tuple[str, str], list] = defaultdict(list)
    said_by = speaker_test(speaker)
    for row in conn.execute(q.order_by(M.date, A.doc_id, A.start, A.id)):
        attrs = row.attrs or {}
        who, whose = str(attrs.get("speaker") or ""), str(attrs.get("holder") or "")
        if not said_by(who):
            continue
        if holder and whose != holder:
            continue
        blocks[(who, whose)].append(row)
    texts = _texts(conn, {r.doc_id for rows in blocks.values() for r in rows})
    out: list[dict[str, Any]] = []
    if kind in (None, "polarity", "modality"):
        out = _concept_shifts(blocks, texts, concept, min_score)
        if kind:
            out = [s for s in out if s["kind"] == kind]
    if kind in (None, "semantic"):
        known = {(s["before"]["doc_id"], s["before"]["start"], s["before"]["end"], s["after"]["doc_id"], s["after"]["start"],
                  s["after"]["end"]) for s in out}
        out += [s for s in _semantic_shifts(blocks, texts, concept, min_score, min_similarity)
                if (s["before"]["doc_id"], s["before"]["start"], s["before"]["end"], s["after"]["doc_id"], s["after"]["start"],
                    s["after"]["end"]) not in known]
    out.sort(key=lambda s: (-s["score"], s["after"]["date"], s["after"]["id"], s["before"]["id"]))
    return out


def _texts(conn: Connection, doc_ids: set[int]) -> dict[int, str]:
    texts: dict[int, str] = {}
    ids = sorted(doc_ids)
    for i in range(0, len(ids), 900):
        texts.update(conn.execute(select(D.id, D.text).where(D.id.in_(ids[i : i + 900]))).all())
    return texts


def _concept_shifts(blocks: dict[tuple[str, str], list], texts: dict[int, str], concept: str | None,
                    min_score: float) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str, str], list] = defaultdict(list)
    for (who, whose), rows in blocks.items():
        for row in rows:
            if row.label != "other" and (not concept or row.label == concept):
                groups[(who, whose, row.label)].append(row)
    out = []
    for (who, whose, label), rows in groups.items():
        by_date: dict[dt.date, list] = defaultdict(list)
        for r in rows:  # already in date order
            by_date[r.date].append(r)
        dates = list(by_date)
        for previous_date, date in zip(dates, dates[1:]):
            previous = by_date[previous_date]  # the latest earlier-dated statements of the group
            polarities = {(r.attrs or {}).get("polarity") for r in previous}
            modalities = {((r.attrs or {}).get("polarity"), (r.attrs or {}).get("modality")) for r in previous}
            for later in by_date[date]:
                lp, lm = (later.attrs or {}).get("polarity"), (later.attrs or {}).get("modality")
                if polarities - {lp}:
                    kind, weight = "polarity", 1.0
                    before = next(r for r in reversed(previous) if (r.attrs or {}).get("polarity") != lp)
                elif (lp, lm) not in modalities:
                    kind, weight = "modality", 0.5
                    before = previous[-1]
                else:
                    continue
                score = round(weight * ((before.score or 0.5) + (later.score or 0.5)) / 2, 4)
                if score < min_score:
                    continue
                out.append({
                    "speaker": who, "holder": whose, "concept": label, "kind": kind, "score": score,
                    "before": _side(before, texts[before.doc_id]), "after": _side(later, texts[later.doc_id]),
                })
    out.sort(key=lambda s: (-s["score"], s["after"]["date"], s["after"]["id"]))
    # a clause inside a sentence repeats the sentence's shift: keep one per earlier statement and place
    kept: list[dict[str, Any]] = []
    placed: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for s in out:
        a = s["after"]
        spans = placed[(s["before"]["id"], a["doc_id"])]
        if not any(start < a["end"] and a["start"] < end for start, end in spans):
            spans.append((a["start"], a["end"]))
            kept.append(s)
    return kept


class _Features:
    """Per distinct text, as flat arrays (CSR: ``ptr[t]:ptr[t + 1]``): content-word ids, prefix-base
    ids (one numbering with the content words), and antonym pair numbers on side 0 and side 1."""

    def __init__(self, analysed: list[_Text], lex: Opposition):
        vocab: dict[str, int] = {}
        self.content = self._csr([[vocab.setdefault(w, len(vocab)) for w in t.content] for t in analysed])
        self.bases = self._csr([[vocab.setdefault(w, len(vocab)) for w in t.bases] for t in analysed])
        self.sides = [self._csr([sorted({p for s in t.stems for p, side in lex.antonyms.get(s, ()) if side == k}) for t in analysed])
                      for k in (0, 1)]

    @staticmethod
    def _csr(lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        ptr = np.zeros(len(lists) + 1, dtype=np.int64)
        ptr[1:] = np.cumsum([len(x) for x in lists])
        return ptr, np.fromiter((k for x in lists for k in x), dtype=np.int64, count=int(ptr[-1]))


def _gather(index: np.ndarray, csr: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(row, id) pairs of the texts ``index`` numbers, rows counted in ``index`` order."""
    ptr, ids = csr
    starts, lens = ptr[index], ptr[index + 1] - ptr[index]
    rows = np.repeat(np.arange(len(index)), lens)
    offsets = np.arange(int(lens.sum())) - np.repeat(np.cumsum(lens) - lens, lens)
    return rows, ids[np.repeat(starts, lens) + offsets]


def _bits(n: int, rows: np.ndarray, cols: np.ndarray, width: int) -> np.ndarray:
    """One row of uint64 words per row: bit k set when (row, k) is given."""
    bits = np.zeros((n, max(1, (width + 63) // 64)), dtype=np.uint64)
    np.bitwise_or.at(bits, (rows, cols >> 6), np.left_shift(np.uint64(1), (cols & 63).astype(np.uint64)))
    return bits


def _label(labels: set[str], concept: str | None) -> str:
    if concept and concept in labels:
        return concept
    named = sorted(labels - {"other"})
    return named[0] if named else "other"


@dataclass
class _Block:
    """One speaker+holder's statements, one per span (a span coded for several concepts is one text)."""

    rows: list
    labels: list[set[str]]
    index: list[int]  # the number of each span's text among the distinct texts
    day: list[int]
    pol: list[int]


_POLARITY = {"support": 1, "oppose": -1}


def _semantic_shifts(blocks: dict[tuple[str, str], list], texts: dict[int, str], concept: str | None,
                     min_score: float, min_similarity: float) -> list[dict[str, Any]]:
    from .embeddings import embed

    lex = load_opposition()
    distinct: dict[str, int] = {}
    found: dict[tuple[str, str], _Block] = {}
    for key, rows in blocks.items():
        if rows[0].date == rows[-1].date:  # rows come in date order: one date only, nothing to compare
            continue
        block = _Block([], [], [], [], [])
        at: dict[tuple[int, int, int], int] = {}
        for row in rows:
            _, doc_id, start, end, label, attrs, _, date = row
            k = at.setdefault((doc_id, start, end), len(block.rows))
            if k < len(block.rows):
                block.labels[k].add(label)
                continue
            block.rows.append(row)
            block.labels.append({label})
            block.index.append(distinct.setdefault(texts[doc_id][start:end], len(distinct)))
            block.day.append(date.toordinal())
            block.pol.append(_POLARITY.get((attrs or {}).get("polarity"), 0))
        if concept and not any(concept in labels for labels in block.labels):
            continue
        found[key] = block
    if not found:
        return []
    vectors = embed(list(distinct))
    analysed = [_analyse(t, lex) for t in distinct]
    features = _Features(analysed, lex)
    negated = np.fromiter((t.negated for t in analysed), dtype=bool, count=len(analysed))
    out: list[dict[str, Any]] = []
    for (who, whose), block in found.items():
        out += _block_shifts(who, whose, block, texts, vectors, analysed, features, negated, lex, concept,
                             min_score, min_similarity)
    return out


def _block_shifts(who: str, whose: str, block: _Block, texts: dict[int, str], vectors: np.ndarray, analysed: list[_Text],
                  features: _Features, negated_text: np.ndarray, lex: Opposition, concept: str | None, min_score: float,
                  min_similarity: float) -> list[dict[str, Any]]:
    """Semantic shifts of one speaker+holder block: all pairs on different dates, vectorised."""
    rows, n = block.rows, len(block.rows)
    index = np.array(block.index, dtype=np.int64)
    emb = vectors[index]
    day = np.array(block.day, dtype=np.int64)
    negated = negated_text[index]
    pol = np.array(block.pol, dtype=np.int8)
    (wr, wc), (br, bc) = _gather(index, features.content), _gather(index, features.bases)
    local, inverse = np.unique(np.concatenate([wc, bc]), return_inverse=True)  # the block's own word numbers
    words = _bits(n, wr, inverse[: len(wc)], len(local))
    bases = _bits(n, br, inverse[len(wc) :], len(local))
    ant0, ant1 = (_bits(n, *_gather(index, side), lex.pairs) for side in features.sides)
    anchors = np.arange(n) if not concept else np.flatnonzero([concept in labels for labels in block.labels])
    is_anchor = np.zeros(n, dtype=bool)
    is_anchor[anchors] = True
    cand_b, cand_a, cand_s = [], [], []
    for c in range(0, len(anchors), _CHUNK):
        a = anchors[c : c + _CHUNK]
        sim = emb[a] @ emb.T
        # each pair once: from its anchor that is dated first, or from its only anchor
        keep = (sim >= min_similarity) & ((day[a][:, None] < day[None, :]) | ((day[a][:, None] > day[None, :]) & ~is_anchor[None, :]))
        ai, j = np.nonzero(keep)
        i = a[ai]
        free = ~np.any(words[i] & words[j], axis=1)  # no shared content word
        ai, i, j = ai[free], i[free], j[free]
        # about the same thing: each statement's TOP_K most similar partners (of those sharing no word)
        s = sim[ai, j]
        ranked = np.lexsort((j, -s, ai))
        ai, i, j, s = ai[ranked], i[ranked], j[ranked], s[ranked]
        group_start = np.r_[0, np.flatnonzero(np.diff(ai)) + 1]
        rank = np.arange(len(ai)) - np.repeat(group_start, np.diff(np.r_[group_start, len(ai)]))
        top = rank < TOP_K
        ai, i, j, s = ai[top], i[top], j[top], s[top]
        cue = ((negated[i] != negated[j]) | (pol[i] * pol[j] < 0)  # negated on one side only, opposite polarities
               | np.any(ant0[i] & ant1[j], axis=1) | np.any(ant1[i] & ant0[j], axis=1)  # antonyms across
               | np.any(bases[i] & words[j], axis=1) | np.any(words[i] & bases[j], axis=1))  # unable / able
        first = day[i[cue]] < day[j[cue]]
        cand_b.append(np.where(first, i[cue], j[cue]))
        cand_a.append(np.where(first, j[cue], i[cue]))
        cand_s.append(s[cue])
    if not cand_b:
        return []
    bi, aj, sims = np.concatenate(cand_b), np.concatenate(cand_a), np.concatenate(cand_s)
    order = np.lexsort((aj, bi, -sims))[:MAX_PAIRS_PER_BLOCK]  # the most similar first, ties by position
    found = []
    placed: dict[tuple[int, int], list[tuple[int, int, int, int]]] = defaultdict(list)
    for k in order:
        b, a, sim = int(bi[k]), int(aj[k]), float(sims[k])
        rb, ra = rows[b], rows[a]
        cues = _cues(analysed[index[b]], analysed[index[a]], lex, _WORD.findall(texts[rb.doc_id][rb.start : rb.end]),
                     _WORD.findall(texts[ra.doc_id][ra.start : ra.end]),
                     ((rb.attrs or {}).get("polarity"), (ra.attrs or {}).get("polarity")))
        if not cues:
            continue
        score = round(sim * _strength(cues), 4)
        if score < min_score:
            continue
        # a clause inside a sentence repeats the sentence's pair: keep the most similar of overlapping pairs
        spans = placed[(rb.doc_id, ra.doc_id)]
        if any(bs < rb.end and rb.start < be and as_ < ra.end and ra.start < ae for bs, be, as_, ae in spans):
            continue
        spans.append((rb.start, rb.end, ra.start, ra.end))
        before, after = _side(rb, texts[rb.doc_id]), _side(ra, texts[ra.doc_id])
        before["concept"], after["concept"] = _label(block.labels[b], concept), _label(block.labels[a], concept)
        found.append({
            "speaker": who, "holder": whose,
            "concept": before["concept"] if before["concept"] == after["concept"] else f"{before['concept']}/{after['concept']}",
            "kind": "semantic", "score": score, "similarity": round(sim, 4), "cues": cues,
            "before": before, "after": after,
        })
    return found
