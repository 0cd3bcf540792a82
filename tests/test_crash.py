"""Crash safety: a child ``onrecord ingest`` of a large batch is killed with SIGKILL mid-way.

After the kill the store holds only whole documents (each exactly as a clean run stores it); a re-run
adds exactly what is missing: every text once, every annotation once, one source row per file.
Both commit modes are covered: group commit (the default) and a transaction per document.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import onrecord
from tests.ingest.test_hostile import assert_store_whole

CLI = Path(sys.executable).parent / "onrecord"
N_DOCS = 3000
KILL_AFTER = 300  # documents committed before the child is killed
ANNOTATIONS_PER_DOC = 6  # header date, outlet, programme; two turns; one editorial insertion


def transcript(i: int) -> str:
    """A unique transcript in the sample format: ` date` header, outlet and programme, two speakers."""
    return (
        f" date 2025-{i % 12 + 1:02d}-{i % 28 + 1:02d} Radio X, Show {i % 7} Host: Question number {i} "
        f"[laughs] about the news of day {i}?\n\n"
        f"Guest Name: Answer number {i}, and a second sentence for document {i}.\n"
    )


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONRECORD_")}
    env.update(extra)
    return env


def _snapshot(db) -> dict[str, tuple]:
    """sha256 -> (text, meta, sorted annotations, speakers, source paths) of every stored document."""
    con = sqlite3.connect(db)
    try:
        docs = {
            doc_id: [sha, text, meta]
            for doc_id, sha, text, *meta in con.execute(
                "SELECT d.id, d.sha256, d.text, m.date, m.outlet, m.programme, m.format, m.encoding "
                "FROM documents d JOIN document_meta m ON m.doc_id = d.id"
            )
        }
        anns: dict[int, list] = {i: [] for i in docs}
        for doc_id, *row in con.execute('SELECT doc_id, layer, label, start, "end", attrs, source FROM annotations'):
            anns[doc_id].append(tuple(row))
        speakers: dict[int, list] = {i: [] for i in docs}
        for doc_id, name, n in con.execute(
            "SELECT ds.doc_id, s.name, ds.n_turns FROM document_speakers ds JOIN speakers s ON s.id = ds.speaker_id"
        ):
            speakers[doc_id].append((name, n))
        paths: dict[int, list] = {i: [] for i in docs}
        for doc_id, path, key in con.execute("SELECT doc_id, path, key FROM sources"):
            paths[doc_id].append((path, key))
    finally:
        con.close()
    return {
        sha: (text, tuple(meta), sorted(anns[i]), sorted(speakers[i]), sorted(paths[i]))
        for i, (sha, text, meta) in docs.items()
    }


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The batch folder, and a snapshot of the store a single clean in-process run makes of it."""
    root = tmp_path_factory.mktemp("crash")
    folder = root / "batch"
    for i in range(N_DOCS):
        sub = folder / f"{i // 500:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"t{i:05d}.txt").write_text(transcript(i), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("ONRECORD_"):
                mp.delenv(name)
        with onrecord.open(root / "reference.db") as corpus:
            report = corpus.ingest([folder], workers=0)
    assert report.ok and len(report.added) == N_DOCS
    reference = _snapshot(root / "reference.db")
    assert len(reference) == N_DOCS
    assert {len(anns) for _, _, anns, _, _ in reference.values()} == {ANNOTATIONS_PER_DOC}
    assert {tuple(speakers) for _, _, _, speakers, _ in reference.values()} == {(("Guest Name", 1), ("Host", 1))}
    return folder, reference


def _committed(db) -> int:
    """Documents committed so far, read without taking part in the writer's transactions."""
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1)
        try:
            return con.execute("SELECT count(*) FROM documents").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:  # not created yet, tables not there yet, "database is locked"
        return 0


def _descendants(pid: int) -> list[int]:
    """Child processes (the parse workers) of ``pid``, recursively; Linux /proc only."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children") as handle:
                    kids = [int(k) for k in handle.read().split()]
            except OSError:
                continue
            found.extend(kids)
            todo.extend(kids)
    return found


def _running(pid: int, cmdline: bytes) -> bool:
    """``pid`` is still a live (not zombie) process with the command line we started."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            if handle.read() != cmdline:
                return False
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _kill_mid_batch(folder, db, env, err_path) -> tuple[int, list[int], bytes]:
    """Start ``onrecord ingest``, SIGKILL it once KILL_AFTER documents are committed.

    Returns (documents committed at the kill, pids of its worker processes, their command line).
    """
    command = [str(CLI), "--db", str(db), "ingest", str(folder), "--quiet"]
    with open(err_path, "wb") as err:
        child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + 120
        while _committed(db) < KILL_AFTER:
            if child.poll() is not None:
                pytest.fail(
                    f"the child exited (code {child.returncode}) before {KILL_AFTER} documents were committed; "
                    f"stderr: {Path(err_path).read_text(errors='replace')[-2000:]}"
                )
            if time.monotonic() > deadline:
                pytest.fail(f"the child committed fewer than {KILL_AFTER} documents in 120 s")
            time.sleep(0.005)
        with open(f"/proc/{child.pid}/cmdline", "rb") as handle:
            cmdline = handle.read()
        workers = _descendants(child.pid)
        os.kill(child.pid, signal.SIGKILL)
        returncode = child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    if returncode != -signal.SIGKILL:
        pytest.fail(
            f"the child finished (exit code {returncode}) before it could be killed: "
            f"make N_DOCS (now {N_DOCS}) bigger so that the kill lands mid-batch"
        )
    return _committed(db), workers, cmdline


def _reap(workers: list[int], cmdline: bytes, wait: float = 0.0) -> list[int]:
    """Wait up to ``wait`` seconds for orphaned workers to exit; SIGKILL (by pid) those that did not.

    Returns the pids that were still running when the wait ended.
    """
    deadline = time.monotonic() + wait
    alive = [pid for pid in workers if _running(pid, cmdline)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = [pid for pid in alive if _running(pid, cmdline)]
    for pid in alive:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return alive


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("commit_every", [None, "1"], ids=["group-commit", "commit-every-document"])
def test_sigkill_mid_batch_leaves_whole_documents_and_a_rerun_completes_exactly_once(tmp_path, batch, commit_every):
    folder, reference = batch
    db = tmp_path / "crash.db"
    env = _clean_env(**({"ONRECORD_COMMIT_EVERY": commit_every} if commit_every else {}))
    killed_at, workers, cmdline = _kill_mid_batch(folder, db, env, tmp_path / "child.err")
    _reap(workers, cmdline)  # orphaned parse workers do not exit by themselves (see the test below)

    # After the kill: something was committed, not everything, and all of it whole.
    assert KILL_AFTER <= killed_at < N_DOCS, killed_at
    assert_store_whole(db)
    stored = _snapshot(db)
    assert len(stored) == killed_at
    assert stored.keys() <= reference.keys()
    for sha, document in stored.items():
        assert document == reference[sha], sha  # text, meta, every annotation, speakers, source: as a clean run
    con = sqlite3.connect(db)
    try:
        assert con.execute("SELECT status FROM runs ORDER BY id").fetchall() == [("running",)]  # nobody finished it
        missing_fts = con.execute(
            "SELECT count(*) FROM documents d WHERE (SELECT count(*) FROM document_fts_docsize f WHERE f.id = d.id) != 1"
        ).fetchone()[0]
        assert missing_fts == 0
        some_id, some_sha = con.execute("SELECT id, sha256 FROM documents ORDER BY id DESC LIMIT 1").fetchone()
        number = reference[some_sha][0].split("Question number ", 1)[1].split()[0]
        assert con.execute(
            "SELECT rowid FROM document_fts WHERE document_fts MATCH ?", (f'"Answer number {number}"',)
        ).fetchall() == [(some_id,)]
    finally:
        con.close()

    # The re-run adds exactly what is missing.
    rerun = subprocess.run([str(CLI), "--db", str(db), "ingest", str(folder), "--json"], env=env,
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert report["ok"] and report["problems"] == [] and report["files"] == N_DOCS
    assert (len(report["added"]), len(report["unchanged"]), report["new_versions"]) == (N_DOCS - killed_at, killed_at, [])
    assert_store_whole(db)
    assert _snapshot(db) == reference  # every document once, exactly as a single clean run stores it
    con = sqlite3.connect(db)
    try:
        one = lambda sql: con.execute(sql).fetchone()  # noqa: E731
        assert one("SELECT count(*), count(DISTINCT sha256) FROM documents") == (N_DOCS, N_DOCS)
        assert one("SELECT count(*) FROM document_fts_docsize") == (N_DOCS,)
        assert one("SELECT min(n), max(n) FROM (SELECT count(*) AS n FROM annotations GROUP BY doc_id)") == (
            ANNOTATIONS_PER_DOC, ANNOTATIONS_PER_DOC)
        assert one("SELECT count(*) FROM annotations WHERE layer = 'turn'") == (2 * N_DOCS,)
        assert one("SELECT count(*), count(DISTINCT path), count(DISTINCT doc_id) FROM sources") == (N_DOCS, N_DOCS, N_DOCS)
        assert one("SELECT count(*) FROM document_speakers") == (2 * N_DOCS,)
        assert one("SELECT count(*) FROM speakers") == (2,)
        assert [r[0] for r in con.execute("SELECT status FROM runs ORDER BY id")] == ["interrupted", "ok"]
    finally:
        con.close()


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="finds worker processes through Linux /proc")
def test_regression_parse_workers_outlive_a_killed_ingest(tmp_path, batch):
    """Batches of 400+ files are parsed in a forked ProcessPoolExecutor. When the ingest process is
    killed, its workers stay blocked on the pool's call queue for ever (each holds the queue's write end
    itself, so it never sees EOF): every crashed ingest leaves ``workers`` orphaned processes behind."""
    folder, _ = batch
    db = tmp_path / "orphans.db"
    env = _clean_env(ONRECORD_WORKERS="2")
    _, workers, cmdline = _kill_mid_batch(folder, db, env, tmp_path / "child.err")
    assert workers, "the ingest ran no worker processes"
    left = _reap(workers, cmdline, wait=5.0)
    assert left == [], f"{len(left)} of {len(workers)} parse workers still running 5 s after their parent was killed"
