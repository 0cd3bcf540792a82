"""Shared pieces of the reliability suite: a corpus maker, store snapshots, the CLI, kill helpers.

The process helpers (``_descendants``, ``_reap``) and ``assert_store_whole`` are the ones
``tests/test_crash.py`` and ``tests/ingest/test_hostile.py`` use; this module only adds what the
analyze, serve and disk-full scenarios need on top of them.
"""

from __future__ import annotations

import os
import random
import re
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import SAMPLES
from tests.ingest.test_hostile import assert_store_whole  # noqa: F401  (re-exported for the scenarios)
from tests.test_crash import _descendants, _reap, _running  # noqa: F401

CLI = str(Path(sys.executable).parent / "onrecord")
N_DOCS = 40  # documents of the shared corpus (the ``stores`` fixture of conftest.py)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONRECORD_")}
    env.update(extra)
    return env


def sentences() -> list[str]:
    """Every sentence of the sample transcripts (examples/corpus): real text for the analyzers."""
    found: list[str] = []
    for path in sorted(SAMPLES.glob("*.txt")):
        text = path.read_text(encoding="utf-8").split("Host:", 1)[-1]
        found += [s.strip() for s in _SENTENCE.findall(text) if len(s.split()) >= 5]
    return found


def transcript(i: int, rng: random.Random, pool: list[str], n: int = 4) -> str:
    """A small, unique transcript in the sample format made of ``n`` sentences of the samples."""
    picked = rng.sample(pool, n)
    return (
        f" date 2025-{i % 12 + 1:02d}-{i % 28 + 1:02d} Radio Sputnik, Escalation Host: Question {i}: {picked[0]}\n\n"
        f"Alexander Dugin: {' '.join(picked[1:])} This is document {i}.\n"
    )


def make_corpus(folder: Path, n: int, seed: int = 20261123, sentences_per_doc: int = 4) -> Path:
    rng, pool = random.Random(seed), sentences()
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"t{i:05d}.txt").write_text(transcript(i, rng, pool, sentences_per_doc), encoding="utf-8")
    return folder


def cli(*args: str, db, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, "--db", str(db), *args], capture_output=True, text=True, env=env or clean_env(),
                          timeout=timeout)


def query(db, sql: str, params: tuple = ()) -> list[tuple]:
    con = sqlite3.connect(db, timeout=30)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def annotation_keys(db, machine_only: bool = False) -> list[tuple]:
    """(document sha256, start, end, layer, label, source) of every annotation, sorted, duplicates kept."""
    where = " WHERE a.source NOT LIKE 'human:%'" if machine_only else ""
    return sorted(query(db, 'SELECT d.sha256, a.start, a."end", a.layer, a.label, a.source FROM annotations a '
                            f"JOIN documents d ON d.id = a.doc_id{where}"))


def duplicates(db) -> int:
    """Annotations stored more than once (same document, span, layer, label, source and attributes).

    The attributes belong to the key: the statements analyzer may find two statements on one span with
    the same concept and different holders, in a clean run too."""
    return query(db, 'SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM annotations '
                     'GROUP BY doc_id, start, "end", layer, label, source, attrs HAVING n > 1)')[0][0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, step: float = 0.01):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(step)


def kill_tree(child: subprocess.Popen) -> list[int]:
    """SIGKILL ``child`` (and, by pid, the worker processes it started). Returns the workers' pids."""
    workers = _descendants(child.pid)
    for pid in [child.pid, *workers]:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
    child.wait(timeout=30)
    return workers
