"""A full disk during ingest and analyze: a clear error line (no traceback), a non-zero exit code, a store
that passes its integrity checks and holds only whole documents (each document's annotations all or
nothing); after space is freed, the same command completes the work.

The small disk is a 2 MB tmpfs mounted here when we are root and ``mount`` works; elsewhere the
commands run under RLIMIT_FSIZE (SIGXFSZ ignored, so writes fail with EFBIG), where SQLite reports a
"disk I/O error" instead, and only the looser promises are checked (no traceback, store whole).
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess

import pytest

from tests.reliability.common import (
    CLI, assert_store_whole, clean_env, cli, make_corpus, query,
)
from tests.test_crash import _snapshot

N_DOCS = 900  # about 2.7 MB of text: more than the small disk holds
DISK = 2 * 1024 * 1024


class SmallDisk:
    """A folder whose file system (or file-size limit) is ``size`` bytes; ``grow`` frees space."""

    def __init__(self, folder, size: int):
        self.folder, self.size, self.mounted = folder, size, False
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0 and shutil.which("mount") and not os.environ.get("RELIABILITY_NO_MOUNT"):
            r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
            self.mounted = r.returncode == 0

    def run(self, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        limit = None if self.mounted else self.size

        def limited():  # pragma: no cover - runs in the child
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        return subprocess.run([CLI, *args], capture_output=True, text=True, env=env or clean_env(), timeout=300,
                              preexec_fn=limited if limit else None)

    def grow(self) -> None:
        self.size = 64 * 1024 * 1024  # room for the WAL too (checkpointed every ~32 MiB)
        if self.mounted:
            subprocess.run(["mount", "-o", f"remount,size={self.size}", str(self.folder)], check=True)

    def close(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.folder)], check=False)


@pytest.fixture
def small_disk(tmp_path):
    disk = SmallDisk(tmp_path / "small", DISK)
    yield disk
    disk.close()


@pytest.fixture(scope="module")
def big_batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("disk-full")
    folder = make_corpus(root / "batch", N_DOCS, sentences_per_doc=12)
    reference = root / "reference.db"
    assert cli("ingest", str(folder), "--quiet", db=reference).returncode == 0
    return folder, _snapshot(reference)


def _no_traceback(r: subprocess.CompletedProcess) -> None:
    assert r.returncode not in (0, -signal.SIGXFSZ), (r.returncode, r.stderr[-2000:])
    assert "Traceback" not in r.stderr and "Background on this error" not in r.stderr, r.stderr[-2000:]
    lines = [line for line in r.stderr.splitlines() if line.startswith("error: ")]
    assert lines, r.stderr[-2000:]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("commit_every", [None, "50", "1"], ids=["group-commit", "commit-50", "commit-every-document"])
def test_disk_full_during_ingest(small_disk, big_batch, commit_every, figures):
    fig = figures("disk full during ingest")
    folder, reference = big_batch
    db = small_disk.folder / "store.db"
    env = clean_env(**({"ONRECORD_COMMIT_EVERY": commit_every} if commit_every else {}))
    r = small_disk.run("--db", str(db), "ingest", str(folder), "--quiet", env=env)
    fig.cases += 1
    _no_traceback(r)
    if small_disk.mounted:  # one line that names the cause
        assert r.stderr.splitlines() == [r.stderr.splitlines()[0]] and "disk full" in r.stderr, r.stderr[-2000:]
        assert r.returncode == 2
    assert_store_whole(db)
    stored = _snapshot(db)
    assert len(stored) < N_DOCS
    for sha, document in stored.items():  # whole, exactly as a clean run stores it
        assert document == reference[sha]
    runs = query(db, "SELECT status FROM runs")
    assert runs == [("failed",)] or runs == [("running",)], runs  # its run says it did not finish

    small_disk.grow()  # space freed: the same command completes the batch
    r = small_disk.run("--db", str(db), "ingest", str(folder), "--quiet", env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert_store_whole(db)
    final = _snapshot(db)
    fig.lost += len(set(reference) - set(final))
    assert final == reference


@pytest.mark.timeout(300)
def test_disk_full_during_analyze(tmp_path, stores, figures):
    fig = figures("disk full during analyze")
    ingested, analysed = stores
    # just room enough for the store and a few documents' annotations
    small_disk = SmallDisk(tmp_path / "small", os.path.getsize(ingested) + 200_000)
    try:
        _disk_full_during_analyze(small_disk, ingested, analysed, fig)
    finally:
        small_disk.close()


def _disk_full_during_analyze(small_disk, ingested, analysed, fig):
    db = small_disk.folder / "store.db"
    shutil.copy(ingested, db)
    stages = len(query(analysed, "SELECT DISTINCT stage_base FROM analysis_state"))
    keys = ('SELECT d.sha256, a.start, a."end", a.layer, a.label, a.source, a.attrs, a.score FROM annotations a '
            "JOIN documents d ON d.id = a.doc_id ORDER BY 1, 2, 3, 4, 5, 6, 7")
    expected = query(analysed, keys)

    r = small_disk.run("--db", str(db), "analyze", "--quiet", "--workers", "0")
    fig.cases += 1
    _no_traceback(r)
    if small_disk.mounted:  # one line says the disk is full and how many documents were not written
        assert r.returncode == 1
        lines = [line for line in r.stderr.splitlines() if line.startswith("error:")]
        assert len(lines) == 1 and "disk full" in lines[0] and "were not written" in lines[0], r.stderr[-2000:]
    assert_store_whole(db)
    per_doc = query(db, "SELECT doc_id, count(*) FROM analysis_state GROUP BY doc_id")
    assert all(n == stages for _, n in per_doc), per_doc  # every stage of a document, or none
    assert len(per_doc) < len(query(db, "SELECT id FROM documents"))
    done = {sha for (sha,) in query(db, "SELECT DISTINCT d.sha256 FROM analysis_state s JOIN documents d ON d.id = s.doc_id")}
    got = query(db, keys)
    ingest_layers = ("turn", "header")
    assert [k for k in got if k[0] in done] == [k for k in expected if k[0] in done]  # analysed: all of it
    assert [k for k in got if k[0] not in done] == [k for k in expected if k[0] not in done and k[3] in ingest_layers]

    small_disk.grow()
    r = small_disk.run("--db", str(db), "analyze", "--quiet")
    assert r.returncode == 0, r.stderr[-2000:]
    assert_store_whole(db)
    final = query(db, keys)
    fig.lost += len(set(expected) - set(final))
    assert final == expected
