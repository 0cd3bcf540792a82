"""SIGKILL during ``onrecord analyze``: killed at random points several times, then run to completion.

Afterwards every document is analysed exactly once per stage (``analysis_state``), no annotation is
stored twice, the annotations equal those of one clean run, and every killed run is marked interrupted.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess

import pytest

from tests.reliability.common import (
    CLI, N_DOCS, annotation_keys, assert_store_whole, clean_env, cli, duplicates, kill_tree, query, wait_until,
)

KILLS = 4  # killed runs before the one that completes
SEED = 20261123


def _full_keys(db) -> list[tuple]:
    """Every annotation with its attributes and score, by document hash: what a clean run must equal."""
    return sorted(query(db, 'SELECT d.sha256, a.start, a."end", a.layer, a.label, a.source, a.attrs, a.score, a.verified '
                            "FROM annotations a JOIN documents d ON d.id = a.doc_id"))


def _analysed(db) -> int:
    try:
        return query(db, "SELECT count(DISTINCT doc_id) FROM analysis_state")[0][0]
    except Exception:  # locked for a moment: try again
        return 0


@pytest.mark.timeout(400)
def test_sigkill_during_analyze_then_rerun_equals_a_clean_run(tmp_path, stores, figures):
    fig = figures("SIGKILL during analyze")
    base, reference = stores
    db = tmp_path / "killed.db"
    shutil.copy(base, db)
    rng = random.Random(SEED)
    stages = len(json.loads(query(reference, "SELECT analyzers FROM runs WHERE kind = 'analyze'")[0][0]))
    expected = _full_keys(reference)
    killed_at = []
    for k in range(KILLS):
        before = _analysed(db)
        # kill points: right after start (no document written yet), then part-way at random counts
        target = before if k == 0 else min(N_DOCS - 1, before + rng.randint(1, max(1, (N_DOCS - before) // 2)))
        workers = ["--workers", "0"] if k % 2 else []  # in-process, and with worker processes
        child = subprocess.Popen([CLI, "--db", str(db), "analyze", "--quiet", *workers], env=clean_env(),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            if k == 0:
                wait_until(lambda: query(db, "SELECT count(*) FROM runs WHERE kind = 'analyze'")[0][0] == 1, 60, "the run row")
            else:
                wait_until(lambda: _analysed(db) >= target or child.poll() is not None, 120, f"{target} documents analysed")
            assert child.poll() is None, f"the analyze run ended before it was killed: {child.stderr.read()!r}"
            kill_tree(child)
        finally:
            if child.poll() is None:
                kill_tree(child)
            child.stderr.close()
        killed_at.append(_analysed(db))
        fig.cases += 1
        # after each kill: whole, each document analysed by each stage once or not at all, no duplicates
        assert_store_whole(db)
        per_doc = query(db, "SELECT doc_id, count(*) FROM analysis_state GROUP BY doc_id")
        assert all(n == stages for _, n in per_doc), per_doc
        assert duplicates(db) == 0
        # a document counted as analysed has exactly the clean run's annotations
        done = {sha for (sha,) in query(db, "SELECT DISTINCT d.sha256 FROM analysis_state s JOIN documents d ON d.id = s.doc_id")}
        assert [k for k in _full_keys(db) if k[0] in done] == [k for k in expected if k[0] in done]
    assert killed_at[-1] < N_DOCS, killed_at

    r = cli("analyze", "--json", db=db)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert len(report["analysed"]) == N_DOCS - killed_at[-1] and len(report["skipped"]) == killed_at[-1]
    fig.cases += 1

    assert_store_whole(db)
    assert query(db, "SELECT count(*), count(DISTINCT doc_id) FROM analysis_state") == [(N_DOCS * stages, N_DOCS)]
    assert query(db, "SELECT stage_base, count(*) FROM analysis_state GROUP BY stage_base") == \
        query(reference, "SELECT stage_base, count(*) FROM analysis_state GROUP BY stage_base")
    lost = len(set(expected) - set(_full_keys(db)))
    fig.lost += lost + duplicates(db)
    assert duplicates(db) == 0
    assert _full_keys(db) == expected  # the same annotations as one clean run, none missing, none extra
    statuses = [s for (s,) in query(db, "SELECT status FROM runs WHERE kind = 'analyze' ORDER BY id")]
    assert statuses == ["interrupted"] * KILLS + ["ok"], statuses
    assert annotation_keys(db) == annotation_keys(reference)
