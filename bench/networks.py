"""Networks and shifts benchmark: 100,000 generated statements (holder x concept x polarity over two
years, 20 speakers) stored as annotations; times loading them, building networks (two-mode, one-mode
with subtract + average, a monthly time-window series), writing each file format, and shift detection.
Semantic shifts need distinct texts: a second store holds the same number of statements on generated
sentences (``populate(..., sentences=True)``), and embedding them and semantic shift detection are timed there.

    .venv/bin/python bench/networks.py [--statements 100000]

Prints one table; the baseline measured in the same run is reading the statements from the store
(the floor of every row that starts from the store).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from sqlalchemy import text  # noqa: E402

import onrecord  # noqa: E402
from onrecord._types import Annotation  # noqa: E402
from onrecord.embeddings import embed  # noqa: E402
from onrecord.networks.api import build_networks, write_networks  # noqa: E402
from onrecord.networks.dna import NetworkOptions  # noqa: E402
from onrecord.networks.source import StatementFilter, statements_from_store  # noqa: E402
from onrecord.shifts import find_shifts  # noqa: E402
from onrecord.store.writer import insert_annotations  # noqa: E402

ACTORS = [f"actor_{i:03d}" for i in range(150)]
CONCEPTS = [f"concept_{i:02d}" for i in range(40)]
SPEAKERS = [f"Speaker {i}" for i in range(20)]


SUBJECTS = ["The army", "Our government", "The alliance", "Washington", "Brussels", "The president", "Kyiv", "Moscow",
            "The opposition", "The new cabinet", "The generals", "Our partners", "The markets", "Industry", "Voters"]
VERBS = ["will accept", "rejects", "supports", "opposes", "wants", "fears", "will win", "is losing", "can afford",
         "needs", "will escalate", "wants to de-escalate", "plans", "cannot stop", "welcomes", "condemns"]
OBJECTS = ["a truce", "the ceasefire", "new sanctions", "peace talks", "the offensive", "a long war", "the agreement",
           "the deal", "more weapons", "the referendum", "a compromise", "the blockade", "negotiations", "elections",
           "higher taxes", "the pipeline", "a summit", "the reforms", "the border treaty", "direct talks"]
TAILS = ["this year", "at any price", "for now", "soon", "under these conditions", "without guarantees", "in the spring",
         "whatever happens", "next month", "despite the costs", ""]


def sentence(rng: random.Random) -> str:
    return f"{rng.choice(SUBJECTS)} {rng.choice(('', 'no longer ', 'never ', 'still '))}{rng.choice(VERBS)} " \
           f"{rng.choice(OBJECTS)} {rng.choice(TAILS)}".replace("  ", " ").strip() + "."


def populate(corpus, n: int, seed: int = 5, sentences: bool = False) -> int:
    """``n`` statements in n/50 documents; with ``sentences`` each statement spans a generated sentence
    of its document (drawn from a second generator, so the statements' attributes are the same)."""
    rng, words = random.Random(seed), random.Random(seed + 1)
    docs = max(1, n // 50)
    folder = tempfile.mkdtemp()
    start = dt.date(2024, 1, 1)
    per_doc = [n // docs + (1 if k < n % docs else 0) for k in range(docs)]
    for i in range(docs):
        day = start + dt.timedelta(days=rng.randrange(730))
        body = " ".join(sentence(words) for _ in range(per_doc[i])) if sentences else f"Bench document {i} with some words in it."
        with open(os.path.join(folder, f"d{i:05d}.txt"), "w", encoding="utf-8") as fh:
            fh.write(f" date {day.isoformat()} {body}")
    report = corpus.ingest(folder)
    ids = report.added
    with corpus.store.write() as conn:
        for k, doc_id in enumerate(ids):
            spans = [(0, 5)] * per_doc[k]
            if sentences:
                text = corpus.document(doc_id).text
                spans = [(m.start(), m.end()) for m in re.finditer(r"[A-Z][^.]*\.", text)][-per_doc[k]:]
            anns = []
            for j in range(n // len(ids) + (1 if k < n % len(ids) else 0)):
                attrs = {"holder": rng.choice(ACTORS), "polarity": rng.choice(("support", "oppose")),
                         "modality": rng.choice(("asserted", "hedged", "reported")), "speaker": rng.choice(SPEAKERS)}
                anns.append(Annotation(*spans[j], "statement", rng.choice(CONCEPTS), attrs, round(rng.random(), 3), "bench.v1"))
            insert_annotations(conn, doc_id, anns)
    return len(ids)


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--statements", type=int, default=100_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, onrecord.open(os.path.join(tmp, "b.db")) as corpus:
        docs = populate(corpus, args.statements)
        rows = []
        with corpus.store.read() as conn:
            base, (stmts, _) = timed(lambda: statements_from_store(conn, StatementFilter()))
            rows.append(("baseline: read the statements from the store", base))
            two = NetworkOptions("twomode", "subtract")
            one = NetworkOptions("onemode", "subtract", "average")
            secs, nets2 = timed(lambda: build_networks(conn, StatementFilter(), two)[0])
            rows.append(("two-mode subtract (150 x 40)", secs))
            secs, nets1 = timed(lambda: build_networks(conn, StatementFilter(), one)[0])
            rows.append(("one-mode subtract + average (150 x 150)", secs))
            secs, series = timed(lambda: build_networks(conn, StatementFilter(), one, window=3, unit="months")[0])
            rows.append((f"one-mode, 3-month windows ({len(series)} networks)", secs))
        for fmt, nets, two_mode in [("csv", nets2, True), ("graphml", nets1, False), ("gexf", series, False), ("edgelist", series, False)]:
            path = os.path.join(tmp, f"out.{fmt}")
            secs, _ = timed(lambda: write_networks(nets, path, fmt, two_mode, {}))
            rows.append((f"write {fmt} ({os.path.getsize(path) / 1e6:.1f} MB)", secs))
        secs, found = timed(lambda: corpus.shifts())
        rows.append((f"shift detection, all kinds ({len(found):,} shifts)", secs))
    with tempfile.TemporaryDirectory() as tmp, onrecord.open(os.path.join(tmp, "s.db")) as corpus:
        populate(corpus, args.statements, sentences=True)
        with corpus.store.read() as conn:
            texts = list({t for (t,) in conn.execute(text(
                "SELECT substr(d.text, a.start + 1, a.\"end\" - a.start) FROM annotations a JOIN documents d ON d.id = a.doc_id "
                "WHERE a.layer = 'statement'"))})
            secs, _ = timed(lambda: embed(texts))
            rows.append((f"embed {len(texts):,} distinct sentences ({len(texts) / secs:,.0f}/s)", secs))
            secs, found = timed(lambda: find_shifts(conn, kind="semantic"))
            rows.append((f"semantic shift detection, distinct texts ({len(found):,})", secs))
    print(f"{len(stmts):,} statements in {docs:,} documents, {len(ACTORS)} actors, {len(CONCEPTS)} concepts, {len(SPEAKERS)} speakers")
    print()
    print(f"| {'what':<60} | {'seconds':>8} | {'x baseline':>10} |")
    print(f"|{'-' * 62}|{'-' * 10}|{'-' * 12}|")
    for label, secs in rows:
        print(f"| {label:<60} | {secs:8.2f} | {secs / base:9.1f}x |")


if __name__ == "__main__":
    main()
