"""Crash safety: a child ingesting a large batch is killed with SIGKILL mid-way; a re-run completes it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time

import pytest

from tests.conftest import cli_path
from tests.ingest.test_hostile import assert_store_whole

N_DOCS = 4000


def _make_batch(folder) -> None:
    folder.mkdir()
    for i in range(N_DOCS):
        sub = folder / f"{i // 500:02d}"
        sub.mkdir(exist_ok=True)
        (sub / f"t{i:05d}.txt").write_text(
            f" date 2025-{i % 12 + 1:02d}-{i % 28 + 1:02d} Radio X, Show {i % 7} Host: Question number {i}?\n\n"
            f"Anna Ivanova: Answer number {i}, with [an insertion] and more words.\n\nHost: Thanks.",
            encoding="utf-8",
        )


def _committed(db) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1)
        try:
            return con.execute("SELECT count(*) FROM documents").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


@pytest.mark.slow
@pytest.mark.parametrize("commit_every", [None, "1"])
def test_sigkill_mid_batch_then_rerun(tmp_path, commit_every):
    folder = tmp_path / "batch"
    _make_batch(folder)
    db = tmp_path / "crash.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONRECORD_")}
    if commit_every:
        env["ONRECORD_COMMIT_EVERY"] = commit_every
    child = subprocess.Popen([cli_path(), "--db", str(db), "ingest", str(folder), "--quiet"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _committed(db) < 300:
        assert child.poll() is None, "the child finished before it could be killed: make the batch bigger"
        assert time.monotonic() < deadline, "the child committed nothing in time"
        time.sleep(0.01)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    killed_at = _committed(db)
    assert 300 <= killed_at < N_DOCS, killed_at
    assert_store_whole(db)  # only whole documents after the kill

    rerun = subprocess.run([cli_path(), "--db", str(db), "ingest", str(folder), "--json"], env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert_store_whole(db)
    con = sqlite3.connect(db)
    try:
        assert con.execute("SELECT count(*), count(DISTINCT sha256) FROM documents").fetchone() == (N_DOCS, N_DOCS)
        # every document exactly as a single clean run stores it: 3 turns, 1 insertion, 3 header spans
        per_doc = con.execute(
            "SELECT min(n), max(n) FROM (SELECT count(*) AS n FROM annotations GROUP BY doc_id)"
        ).fetchone()
        assert per_doc == (7, 7)
        assert con.execute("SELECT count(*) FROM annotations WHERE layer = 'turn'").fetchone()[0] == 3 * N_DOCS
        assert con.execute("SELECT count(*), count(DISTINCT doc_id || path || key) FROM sources").fetchone() == (N_DOCS, N_DOCS)
        assert con.execute("SELECT count(*) FROM document_speakers").fetchone()[0] == 2 * N_DOCS
        assert con.execute("SELECT count(*) FROM speakers").fetchone()[0] == 2
        statuses = [r[0] for r in con.execute("SELECT status FROM runs ORDER BY id")]
        assert statuses == ["interrupted", "ok"]  # the killed run is marked as such by the re-run
    finally:
        con.close()
