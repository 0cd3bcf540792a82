"""Scale benchmark: ingest and analyse many short transcripts with the local and the Ray engine.

    .venv/bin/python bench/scale.py [--docs 100000] [--doc-words 100] [--workers 1 2] [--engines local ray]

Generates ``--docs`` short transcripts (~``--doc-words`` words each; the issue's figure is 100,000 x
100 words = 10M words) as one JSONL file, ingests them into a fresh SQLite store, then analyses a
copy of that store once per engine and worker count. Prints docs/s and words/s per configuration, the
ratio to the baseline (local engine, one worker, measured in the same run) and the scaling ratio
from 1 to N workers, then what a day of 1M documents costs in workers at the measured per-worker
rate. The Ray engine is skipped, with a line saying so, when ``onrecord[ray]`` is not installed.

The full 100k-document run analyses 10M words per configuration (about 20-40 minutes each on a
2-core machine); ``--docs 2000`` gives the same per-document rates in a few minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
sys.path.insert(0, os.path.dirname(__file__))

import onrecord  # noqa: E402
from analyze import sentence  # noqa: E402  (the commentary-like sentence generator of bench/analyze.py)

SPEAKERS = ["Alexander Dugin", "Jane Roe", "Pavel Ivanov", "Mark Levin", "Anna Lee"]
OUTLETS = ["Radio Bench", "Channel Nine", "The Daily Ledger", "Podcast Weekly"]


def generate(path: str, docs: int, doc_words: int, seed: int = 7) -> int:
    """Write ``docs`` transcripts as JSONL rows (text, date, outlet, speaker); returns the words written."""
    rng = random.Random(seed)
    words = 0
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(docs):
            guest = rng.choice(SPEAKERS)
            turns, n, speaker = [], 0, "Host"
            while n < doc_words:
                turn = " ".join(sentence(rng) for _ in range(rng.randint(1, 3)))
                n += len(turn.split())
                turns.append(f"{speaker}: {turn}")
                speaker = guest if speaker == "Host" else "Host"
            text = "\n\n".join(turns) + f"\n\n(Item {i}.)"
            words += len(text.split())
            day = f"{2024 + i % 2}-{1 + i % 12:02d}-{1 + (i // 12) % 28:02d}"
            handle.write(json.dumps({"text": text, "date": day, "outlet": OUTLETS[i % len(OUTLETS)], "title": f"Item {i}"}) + "\n")
    return words


def ray_available() -> bool:
    try:
        import ray  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--doc-words", type=int, default=100)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--engines", nargs="+", default=["local", "ray"], choices=["local", "ray"])
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()

    folder = tempfile.mkdtemp(prefix="onrecord-scale-")
    try:
        source = os.path.join(folder, "docs.jsonl")
        started = time.perf_counter()
        words = generate(source, args.docs, args.doc_words)
        print(f"generated {args.docs:,} transcripts, {words:,} words in {time.perf_counter() - started:.1f} s", flush=True)
        base_db = os.path.join(folder, "ingested.db")
        with onrecord.open(base_db) as corpus:
            started = time.perf_counter()
            report = corpus.ingest(source)
            ingest_s = time.perf_counter() - started
        if not report.ok or len(report.added) != args.docs:
            sys.exit(f"ingest failed: {len(report.added)} added, problems: {[str(p) for p in report.problems[:3]]}")
        print(f"ingest: {args.docs / ingest_s:,.0f} docs/s ({ingest_s:.1f} s)", flush=True)

        rows = []
        for engine in args.engines:
            if engine == "ray" and not ray_available():
                print("ray engine skipped: onrecord[ray] is not installed (pip install 'onrecord[ray]')")
                continue
            for workers in args.workers:
                db = os.path.join(folder, f"{engine}-{workers}.db")
                shutil.copy(base_db, db)
                with onrecord.open(db) as corpus:
                    started = time.perf_counter()
                    result = corpus.analyze(workers=workers, engine=engine)
                    seconds = time.perf_counter() - started
                if not result.ok or len(result.analysed) != args.docs:
                    sys.exit(f"{engine} x{workers}: {len(result.analysed)} analysed, problems: {[str(p) for p in result.problems[:3]]}")
                rows.append({"engine": engine, "workers": workers, "seconds": seconds, "docs_s": args.docs / seconds,
                             "words_s": result.words / seconds})
                print(f"analyse {engine} x{workers}: {args.docs / seconds:,.1f} docs/s ({seconds:.1f} s)", flush=True)
                os.unlink(db)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)

    if not rows:
        return
    base = next((r for r in rows if r["engine"] == "local" and r["workers"] == 1), rows[0])
    print()
    print(f"{args.docs:,} transcripts x ~{args.doc_words} words, {os.cpu_count()} CPUs; baseline = {base['engine']} x{base['workers']}")
    print(f"{'engine':<8}{'workers':>8}{'seconds':>10}{'docs/s':>10}{'words/s':>10}{'vs base':>9}{'scaling':>9}{'docs/s/worker':>15}")
    for r in rows:
        one = next((x for x in rows if x["engine"] == r["engine"] and x["workers"] == 1), None)
        scaling = f"{r['docs_s'] / one['docs_s']:.2f}x" if one and r["workers"] > 1 else "—"
        print(f"{r['engine']:<8}{r['workers']:>8}{r['seconds']:>10.1f}{r['docs_s']:>10.1f}{r['words_s']:>10,.0f}"
              f"{r['docs_s'] / base['docs_s']:>8.2f}x{scaling:>9}{r['docs_s'] / r['workers']:>15.1f}")
    best = max(rows, key=lambda r: r["docs_s"] / r["workers"])
    per_worker_day = best["docs_s"] / best["workers"] * 86_400
    print()
    print(f"1M documents a day: {per_worker_day:,.0f} documents per worker-day at {best['engine']}'s best per-worker rate "
          f"-> {1_000_000 / per_worker_day:.1f} workers (cores) busy around the clock, before Ray/cluster overhead.")


if __name__ == "__main__":
    main()
