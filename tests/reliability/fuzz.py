"""Fuzz the decoder, the transcript parser, the importers and the DNA reader with mutated samples.

The seeds are the sample files (``examples/corpus``, ``tests/fixtures/dna``) and small JSONL, CSV and
HTML files made from them; each case mutates one seed (bit flips, truncation, inserted NUL / BOM /
control characters / huge lines, an encoding swap, a spliced or repeated chunk, random bytes) with a
fixed seed, so a run is repeatable. A case fails when anything but an ``InputError`` escapes, or when a
parsed document breaks an invariant (an annotation outside the text, overlapping turns), or the DNA
import changes the store although it refused the file. Failing inputs are saved under
``tests/fixtures/regressions/`` (named ``<target>-<sha>.<ext>``, DNA files gzipped) and replayed by
``test_fuzz.py::test_regressions`` on every run.

    python -m tests.reliability.fuzz --cases 2000 --seed 1 [--save]
"""

from __future__ import annotations

import argparse
import codecs
import gzip
import hashlib
import json
import os
import random
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REGRESSIONS = ROOT / "tests" / "fixtures" / "regressions"
DNA_SAMPLE = ROOT / "tests" / "fixtures" / "dna" / "sample.dna"
#: file extension -> fuzz target
TARGETS = {".txt": "text", ".jsonl": "jsonl", ".csv": "csv", ".html": "html", ".dna": "dna"}
SLOW = 10.0  # seconds: a case slower than this counts as a failure (a hang in the making)


@dataclass
class Outcome:
    cases: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (saved file or target, what went wrong)
    seconds: float = 0.0


def seeds() -> dict[str, list[bytes]]:
    """Sample inputs per target."""
    texts = [p.read_bytes() for p in sorted((ROOT / "examples" / "corpus").glob("*.txt"))]
    lines = [ln for t in texts for ln in t.decode("utf-8").split("\n") if ln.strip()]
    rows = [json.dumps({"id": i, "text": ln, "date": f"2025-0{i % 9 + 1}-1{i % 9}", "outlet": "Radio X"}, ensure_ascii=i % 2 == 0)
            for i, ln in enumerate(lines[:6])]
    csv_rows = ["id,text,date,outlet"] + [f'{i},"{ln.replace(chr(34), chr(34) * 2)}",2025-01-0{i + 1},Radio X' for i, ln in enumerate(lines[:5])]
    html = "<html><head><title>Escalation</title></head><body><article><h1>Escalation</h1>" + "".join(
        f"<p>{ln}</p>" for ln in lines[:8]) + "</article></body></html>"
    return {
        "text": texts,
        "jsonl": ["\n".join(rows).encode("utf-8")],
        "csv": ["\n".join(csv_rows).encode("utf-8"), (ROOT / "tests/fixtures/dna/sample_statements.csv").read_bytes()],
        "html": [html.encode("utf-8")],
        "dna": [DNA_SAMPLE.read_bytes()],
    }


# -- mutations ---------------------------------------------------------------------------------------------
CONTROL = [b"\x00", b"\x01", b"\x07", b"\x0b", b"\x0c", b"\x1b", b"\x7f", b"\r", "\u2028".encode(), "\u0085".encode(),
           "\u202e".encode(), "\ufeff".encode(), b"\xc0\x80", b"\xed\xa0\x80"]


def _flip(rng, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if b:
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    return bytes(b)


def _insert(rng, data: bytes, what: bytes) -> bytes:
    at = rng.randint(0, len(data))
    return data[:at] + what + data[at:]


def _swap_encoding(rng, data: bytes) -> bytes:
    text = data.decode("utf-8", "replace")
    enc = rng.choice(["utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1251", "latin-1", "koi8-r", "cp1252", "utf-8-sig"])
    return text.encode(enc, "replace")


def mutate(rng: random.Random, data: bytes, target: str) -> bytes:
    kind = rng.randrange(12)
    if kind == 0:
        return _flip(rng, data)
    if kind == 1:
        return data[: rng.randint(0, len(data))]
    if kind == 2:
        return _insert(rng, data, b"\x00" * rng.randint(1, 4))
    if kind == 3:
        return _insert(rng, data, rng.choice([codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE]))
    if kind == 4:
        return _insert(rng, data, b"".join(rng.choice(CONTROL) for _ in range(rng.randint(1, 6))))
    if kind == 5:  # a huge line
        unit = rng.choice([b"a", b"word ", b"Host: ", b"[", b": ", b"\xd0\x96", b'{"text": "', b'"'])
        return _insert(rng, data, unit * rng.randint(10_000, 60_000))
    if kind == 6:
        return _swap_encoding(rng, data)
    if kind == 7:  # a chunk repeated
        a = rng.randrange(len(data) or 1)
        chunk = data[a : a + rng.randint(1, 200)]
        return _insert(rng, data, chunk * rng.randint(2, 50))
    if kind == 8:  # a chunk deleted
        a = rng.randrange(len(data) or 1)
        return data[:a] + data[a + rng.randint(1, 500):]
    if kind == 9:
        return rng.randbytes(rng.randint(0, 4096))
    if kind == 10 and target == "dna":  # page-aligned damage to an SQLite file
        b = bytearray(data)
        page = rng.randrange(max(1, len(b) // 4096))
        for i in range(rng.randint(1, 64)):
            at = page * 4096 + rng.randrange(4096)
            if at < len(b):
                b[at] = rng.randrange(256)
        return bytes(b)
    return _insert(rng, _flip(rng, data), b"\n" * rng.randint(1, 3))


# -- the checks -------------------------------------------------------------------------------------------
def _check_document(doc) -> None:
    n = len(doc.text)
    for a in doc.annotations:
        assert 0 <= a.start <= a.end <= n, f"annotation {a.layer}:{a.label} [{a.start}, {a.end}) outside the text (0-{n})"
    turns = sorted((a for a in doc.annotations if a.layer == "turn"), key=lambda a: a.start)
    for before, after in zip(turns, turns[1:]):
        assert before.end <= after.start, f"turns overlap: [{before.start}, {before.end}) and [{after.start}, {after.end})"
    assert "\x00" not in doc.text, "a NUL character in a stored text"


class Checker:
    """Runs one input through its target; holds the DNA store between cases."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self._store = None

    def check(self, target: str, data: bytes) -> None:
        """Raises AssertionError (or anything else) when ``data`` shows a bug."""
        from onrecord.errors import InputError
        from onrecord.ingest.decode import decode_bytes
        from onrecord.ingest.formats import ImportOptions
        from onrecord.ingest.transcript import parse_transcript
        from onrecord.registry import get

        if target == "dna":
            return self._check_dna(data)
        path = str(self.workdir / f"fuzz.{target if target != 'text' else 'txt'}")
        if target == "text":  # the decoder, then the parser on what it decoded
            try:
                decoded = decode_bytes(data, path)
            except InputError:
                return
            assert "\r" not in decoded.text and "\x00" not in decoded.text
            try:
                parsed = parse_transcript(decoded.text)
            except InputError:
                parsed = None
            if parsed is not None:
                for a in parsed.annotations:
                    assert 0 <= a.start <= a.end <= len(decoded.text), (a.start, a.end, len(decoded.text))
        importer = get("importers", {"text": "onrecord.text.v1", "jsonl": "onrecord.jsonl.v1", "csv": "onrecord.csv.v1",
                                     "html": "onrecord.html.v1"}[target])
        try:
            for item in importer(data, path, ImportOptions()):
                if not isinstance(item, InputError):
                    _check_document(item)
        except InputError:
            pass

    def _check_dna(self, data: bytes) -> None:
        import onrecord
        from onrecord.errors import InputError
        from onrecord.networks.dnafile import read_dna

        path = self.workdir / "fuzz.dna"
        path.write_bytes(data)
        try:
            read_dna(path)
        except InputError:
            pass
        if self._store is None:
            self._store = onrecord.open(self.workdir / "dna-store.db")
        corpus = self._store
        count = lambda: (corpus.stats()["documents"], corpus.stats()["layers"], corpus.stats()["runs"])  # noqa: E731
        before = count()
        try:
            corpus.import_dna(path)
        except InputError:
            assert count() == before, "a refused DNA file changed the store"

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def save(target: str, data: bytes, folder: Path = REGRESSIONS) -> Path:
    ext = {v: k for k, v in TARGETS.items()}[target]
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{target}-{hashlib.sha256(data).hexdigest()[:12]}{ext}"
    if target == "dna":  # a damaged copy of a 344 KiB sample: mostly the same bytes
        out = out.with_name(out.name + ".gz")
        out.write_bytes(gzip.compress(data, mtime=0))
    else:
        out.write_bytes(data)
    return out


def _run_one(checker: Checker, target: str, data: bytes, outcome: Outcome, keep: bool, label: str) -> None:
    outcome.cases += 1
    started = time.perf_counter()
    try:
        checker.check(target, data)
        problem = None
    except Exception as exc:  # noqa: BLE001 - every escape is a finding
        where = traceback.extract_tb(exc.__traceback__)[-1]
        problem = f"{type(exc).__name__}: {str(exc)[:300]} ({os.path.basename(where.filename)}:{where.lineno})"
    took = time.perf_counter() - started
    if problem is None and took > SLOW:
        problem = f"slow: {took:.1f} s for {len(data):,} bytes"
    if problem is not None:
        name = str(save(target, data)) if keep else label
        outcome.failures.append((name, problem))


def fuzz(cases: int = 2000, seed: int = 20261123, keep: bool = True, targets: tuple[str, ...] | None = None,
         dna_share: float = 0.1) -> dict[str, Outcome]:
    """``cases`` mutated inputs, spread over the targets (DNA files get ``dna_share`` of them: each is an
    SQLite file and a store import, slower than a text)."""
    rng = random.Random(seed)
    pool = {t: s for t, s in seeds().items() if targets is None or t in targets}
    outcomes = {t: Outcome() for t in pool}
    with tempfile.TemporaryDirectory(prefix="onrecord-fuzz-") as tmp:
        checker = Checker(Path(tmp))
        try:
            for i in range(cases):
                target = "dna" if "dna" in pool and rng.random() < dna_share else rng.choice([t for t in pool if t != "dna"] or ["dna"])
                data = mutate(rng, rng.choice(pool[target]), target)
                started = time.perf_counter()
                _run_one(checker, target, data, outcomes[target], keep, f"case {i}")
                outcomes[target].seconds += time.perf_counter() - started
        finally:
            checker.close()
    return outcomes


def replay(folder: Path = REGRESSIONS) -> Outcome:
    """Every saved failing input again, through the same checks."""
    outcome = Outcome()
    with tempfile.TemporaryDirectory(prefix="onrecord-replay-") as tmp:
        checker = Checker(Path(tmp))
        try:
            for path in sorted(folder.glob("*")):
                zipped = path.suffix == ".gz"
                target = TARGETS.get(path.with_suffix("").suffix if zipped else path.suffix)
                if target:
                    data = gzip.decompress(path.read_bytes()) if zipped else path.read_bytes()
                    _run_one(checker, target, data, outcome, False, str(path))
        finally:
            checker.close()
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--save", action="store_true", help=f"save failing inputs under {REGRESSIONS}")
    args = parser.parse_args(argv)
    outcomes = fuzz(args.cases, args.seed, keep=args.save)
    print(f"{'target':8} {'cases':>6} {'failures':>8} {'seconds':>8}")
    for target, o in outcomes.items():
        print(f"{target:8} {o.cases:>6} {len(o.failures):>8} {o.seconds:>8.1f}")
        for name, problem in o.failures:
            print(f"  {name}: {problem}")
    return 1 if any(o.failures for o in outcomes.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
