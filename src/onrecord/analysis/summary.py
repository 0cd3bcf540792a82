"""Summaries over analysed documents: the actors table and the codebook candidates.

``actor_table`` answers "who appears, and what positions do they hold?": per actor, mentions and
documents, statements held (support / oppose) with the concepts, and predictions attributed.
``candidates`` lists names NER found that the codebook lacks, merged with each other when they are
spelling variants or one is the other's surname (rapidfuzz), with the nearest codebook actor.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, Iterable

from sqlalchemy import Connection, select

from ..store import schema
from .actors import FUZZY_CUTOFF, normalise_name
from .codebook import ActorCodebook

__all__ = ["actor_table", "candidates"]

A = schema.annotations.c


def _rows(conn: Connection, layers: Iterable[str], doc_ids: list[int] | None):
    q = select(A.doc_id, A.layer, A.label, A.attrs).where(A.layer.in_(list(layers)))
    if doc_ids is not None:
        q = q.where(A.doc_id.in_(doc_ids))
    return conn.execute(q.order_by(A.id))  # ties in the counts below break the same way on every backend


def actor_table(conn: Connection, codebook: ActorCodebook, doc_ids: list[int] | None = None) -> list[dict[str, Any]]:
    mentions: Counter[str] = Counter()
    docs: dict[str, set[int]] = defaultdict(set)
    held: dict[str, Counter] = defaultdict(Counter)
    concepts: dict[str, Counter] = defaultdict(Counter)
    predicted: Counter[str] = Counter()
    for doc_id, layer, label, attrs in _rows(conn, ("actor", "statement", "prediction"), doc_ids):
        attrs = attrs or {}
        if layer == "actor":
            if label == "other" or attrs.get("pronoun"):
                continue
            mentions[label] += 1
            docs[label].add(doc_id)
        elif layer == "statement":
            holder = attrs.get("holder", "")
            held[holder][attrs.get("polarity", "support")] += 1
            concepts[holder][(label, attrs.get("polarity", "support"))] += 1
        else:
            predicted[attrs.get("holder", "")] += 1
    ids = set(mentions) | {h for h in held if h in codebook}
    out = []
    for actor_id in ids:
        actor = codebook[actor_id] if actor_id in codebook else None
        out.append({
            "id": actor_id,
            "name": actor.name if actor else actor_id,
            "type": actor.type if actor else "",
            "member_of": codebook.ancestors(actor_id) if actor else [],
            "mentions": mentions[actor_id],
            "documents": len(docs[actor_id]),
            "statements": {"support": held[actor_id]["support"], "oppose": held[actor_id]["oppose"]},
            "top_positions": [{"concept": c, "polarity": p, "count": n} for (c, p), n in concepts[actor_id].most_common(5)],
            "predictions": predicted[actor_id],
        })
    speakers = sorted(h for h in held if h.startswith("speaker:"))
    for holder in speakers:
        out.append({
            "id": holder, "name": holder.split(":", 1)[1] + " (own view)", "type": "speaker", "member_of": [], "mentions": 0,
            "documents": 0, "statements": {"support": held[holder]["support"], "oppose": held[holder]["oppose"]},
            "top_positions": [{"concept": c, "polarity": p, "count": n} for (c, p), n in concepts[holder].most_common(5)],
            "predictions": predicted[holder],
        })
    out.sort(key=lambda r: (-(r["mentions"] + sum(r["statements"].values())), r["id"]))
    return out


def candidates(conn: Connection, codebook: ActorCodebook, doc_ids: list[int] | None = None, min_mentions: int = 1) -> list[dict[str, Any]]:
    from rapidfuzz import fuzz, process

    counts: Counter[str] = Counter()
    docs: dict[str, set[int]] = defaultdict(set)
    types: dict[str, Counter] = defaultdict(Counter)
    for doc_id, _, label, attrs in _rows(conn, ("actor",), doc_ids):
        attrs = attrs or {}
        if label != "other" or attrs.get("pronoun"):
            continue
        name = normalise_name(str(attrs.get("name", "")))
        if not name:
            continue
        counts[name] += 1
        docs[name].add(doc_id)
        types[name][attrs.get("type", "")] += 1
    # merge variants: the longest, most frequent name is the head of its group
    heads: dict[str, str] = {}
    for name in sorted(counts, key=lambda n: (-len(n.split()), -counts[n], n)):
        head = None
        for h in dict.fromkeys(heads.values()):
            last = h.split()[-1].casefold()
            if fuzz.ratio(name.casefold(), h.casefold()) >= FUZZY_CUTOFF or (len(name.split()) == 1 and name.casefold() == last):
                head = h
                break
        heads[name] = head or name
    groups: dict[str, list[str]] = defaultdict(list)
    for name, head in heads.items():
        groups[head].append(name)
    forms = {normalise_name(f).casefold(): a.id for a in codebook for f in (a.name, *a.aliases)}
    out = []
    for head, names in groups.items():
        n = sum(counts[x] for x in names)
        if n < min_mentions:
            continue
        near = process.extractOne(head.casefold(), list(forms), scorer=fuzz.WRatio, score_cutoff=80)
        out.append({
            "name": head, "variants": sorted(set(names) - {head}), "mentions": n, "documents": len(set().union(*(docs[x] for x in names))),
            "type": sum((types[x] for x in names), Counter()).most_common(1)[0][0],
            "nearest": {"actor": forms[near[0]], "form": near[0], "score": round(near[1], 1)} if near else None,
        })
    out.sort(key=lambda r: (-r["mentions"], r["name"]))
    return out
