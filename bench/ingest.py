"""Ingest benchmark: documents/s and MB/s on a generated corpus of transcripts in the sample format.

    .venv/bin/python bench/ingest.py [--docs 20000] [--words 600] [--keep DIR]

Prints one table: onrecord's ingest (a transaction per document, FTS5 on) next to two baselines
measured in the same run on the same files — reading + decoding + hashing alone (the floor of any
ingest), and a bare sqlite3 bulk insert of the texts into an FTS5 table in one transaction (the
ceiling of what SQLite itself does) — with the ratios between them.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sqlite3
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

import onrecord  # noqa: E402
import onrecord.settings  # noqa: E402
from onrecord.ingest.decode import decode_bytes  # noqa: E402

WORDS = (
    "the negotiations delegation truce ceasefire position sanctions Kiev Washington Moscow Europe war peace "
    "security guarantees territory recognition would could must will not never always interests conditions "
    "talks summit leaders president minister proposal respite escalation nuclear threat society victory "
    "front offensive strategic compromise demands memoranda exchange analysis press announcement in of and to "
    "a is that this it for with on as by from"
).split()
OUTLETS = ["Radio Sputnik, Escalation", "Tsargrad, Main Topic", "Vesti FM, Evening", "RT, CrossTalk"]
GUESTS = ["Alexander Dugin", "Sergey Karaganov", "Dmitry Trenin", "Fyodor Lukyanov"]


def make_transcript(rng: random.Random, words: int, day: int) -> str:
    date = f"2025-{1 + day % 12:02d}-{1 + day % 28:02d}"
    guest = rng.choice(GUESTS)
    parts, left, speaker = [], words, "Host"
    while left > 0:
        n = min(left, rng.randint(40, 160))
        sentence_words = [rng.choice(WORDS) for _ in range(n)]
        text = " ".join(sentence_words).capitalize() + "."
        parts.append((speaker, text))
        speaker = guest if speaker == "Host" else "Host"
        left -= n
    first_speaker, first_text = parts[0]
    out = [f" date {date} {rng.choice(OUTLETS)} {first_speaker}: {first_text}"]
    out += [f"{s}: {t}" for s, t in parts[1:]]
    return "\n\n".join(out) + "\n"


def generate(folder: str, n: int, words: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    total = 0
    for i in range(n):
        text = make_transcript(rng, words, i) + f"[{i}]"
        data = text.encode("utf-8")
        sub = os.path.join(folder, f"{i // 1000:03d}")
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, f"t{i:06d}.txt"), "wb") as handle:
            handle.write(data)
        total += len(data)
    return total


def files_of(folder: str) -> list[str]:
    return sorted(os.path.join(r, f) for r, _, fs in os.walk(folder) for f in fs)


def baseline_read(files: list[str]) -> float:
    t = time.perf_counter()
    for path in files:
        with open(path, "rb") as handle:
            text = decode_bytes(handle.read()).text
        hashlib.sha256(text.encode()).hexdigest()
    return time.perf_counter() - t


def baseline_sqlite(files: list[str], db: str) -> float:
    t = time.perf_counter()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE docs(id INTEGER PRIMARY KEY, sha TEXT UNIQUE, text TEXT)")
    conn.execute("CREATE VIRTUAL TABLE fts USING fts5(text, content='docs', content_rowid='id')")
    with conn:
        for i, path in enumerate(files, 1):
            with open(path, "rb") as handle:
                text = handle.read().decode("utf-8")
            conn.execute("INSERT INTO docs VALUES (?, ?, ?)", (i, hashlib.sha256(text.encode()).hexdigest(), text))
            conn.execute("INSERT INTO fts(rowid, text) VALUES (?, ?)", (i, text))
    conn.close()
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--words", type=int, default=600, help="words per transcript (the samples have ~700)")
    parser.add_argument("--keep", help="generate into this folder and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or os.path.join(tmp, "corpus")
        os.makedirs(folder, exist_ok=True)
        t = time.perf_counter()
        size = generate(folder, args.docs, args.words)
        print(f"generated {args.docs:,} transcripts, {size / 1e6:.1f} MB in {time.perf_counter() - t:.1f}s", flush=True)
        files = files_of(folder)
        read_s = baseline_read(files)
        sqlite_s = baseline_sqlite(files, os.path.join(tmp, "baseline.db"))
        corpus = onrecord.open(os.path.join(tmp, "bench.db"))
        t = time.perf_counter()
        report = corpus.ingest([folder])
        ingest_s = time.perf_counter() - t
        t = time.perf_counter()
        again = corpus.ingest([folder])
        reingest_s = time.perf_counter() - t
        corpus.close()
        assert report.ok and len(report.added) == args.docs, report.problems[:3]
        assert len(again.unchanged) == args.docs
        strict = onrecord.open(os.path.join(tmp, "strict.db"))
        t = time.perf_counter()
        report = strict.ingest([folder], commit_every=1)
        strict_s = time.perf_counter() - t
        strict.close()
        assert report.ok and len(report.added) == args.docs
    mb = size / 1e6
    rows = [
        ("baseline: read+decode+hash", read_s),
        ("baseline: sqlite3 bulk insert + FTS5, 1 txn", sqlite_s),
        ("onrecord ingest (default: group commit)", ingest_s),
        ("onrecord ingest (a transaction per document)", strict_s),
        ("onrecord re-ingest (all unchanged)", reingest_s),
    ]
    print(f"\n{'what':<46} {'seconds':>8} {'docs/s':>9} {'MB/s':>7} {'x read':>7} {'x sqlite':>8}")
    for name, secs in rows:
        print(f"{name:<46} {secs:>8.2f} {args.docs / secs:>9,.0f} {mb / secs:>7.1f} {secs / read_s:>7.2f} {secs / sqlite_s:>8.2f}")
    target = 2000
    verdict = "meets" if args.docs / ingest_s >= target else "MISSES"
    print(f"\ntarget >= {target:,} docs/s with FTS on: {verdict} ({args.docs / ingest_s:,.0f} docs/s, {os.cpu_count()} cores, "
          f"{onrecord.settings.get_setting('workers')} parse worker(s))")


if __name__ == "__main__":
    main()
