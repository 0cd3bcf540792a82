"""SIGKILL during ``onrecord serve`` with writes in flight.

Threads send additions, corrections, verifications and prediction verdicts through the REST API while
the server is killed with SIGKILL. After a restart: every write that got a 2xx answer is there exactly
once, no write is half applied (the ones without an answer are all there or not at all), the store passes
its integrity checks and opens, and a forced re-analysis keeps all of the human work.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import threading
from dataclasses import dataclass

import httpx
import pytest

from tests.reliability.common import CLI, assert_store_whole, clean_env, cli, free_port, kill_tree, query, wait_until

THREADS = 4
KILL_AFTER = 60  # acknowledged writes before the kill
WRITE = {"X-Onrecord-Write": "1"}


@dataclass
class Write:
    kind: str  # add, correct, verify, verdict
    target: int  # document id (add) or annotation id
    mark: str  # a label or note no other write uses
    status: int | None = None  # None: no answer (in flight at the kill)
    before: tuple | None = None  # the annotation as it was (correct, verify)


def _start(db, port: int) -> subprocess.Popen:
    child = subprocess.Popen([CLI, "--db", str(db), "serve", "--port", str(port)], env=clean_env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def up() -> bool:
        if child.poll() is not None:
            raise AssertionError(f"onrecord serve exited with code {child.returncode}")
        try:
            return httpx.get(f"http://127.0.0.1:{port}/api/v1/runs", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(up, 60, "the workbench to answer", step=0.1)
    return child


def _targets(db) -> dict[str, list]:
    machine = "source NOT LIKE 'human:%' AND verified = 0"
    return {
        "add": [i for (i,) in query(db, "SELECT id FROM documents ORDER BY id")],
        "correct": [i for (i,) in query(db, f"SELECT id FROM annotations WHERE layer = 'statement' AND {machine} ORDER BY id")],
        "verify": [i for (i,) in query(db, f"SELECT id FROM annotations WHERE layer IN ('actor', 'technique') AND {machine} ORDER BY id")],
        "verdict": [i for (i,) in query(db, "SELECT id FROM annotations WHERE layer = 'prediction' ORDER BY id")],
    }


def _row(db, ann_id: int) -> tuple | None:
    rows = query(db, "SELECT label, source, verified, attrs FROM annotations WHERE id = ?", (ann_id,))
    return rows[0] if rows else None


def _send(client: httpx.Client, w: Write, thread: int) -> httpx.Response:
    by = f"tester{thread}"
    if w.kind == "add":
        return client.post(f"/api/v1/documents/{w.target}/annotations", headers=WRITE,
                           json={"start": 0, "end": 5, "layer": "claim", "label": w.mark, "by": by})
    if w.kind == "correct":
        return client.patch(f"/api/v1/annotations/{w.target}", headers=WRITE, json={"label": w.mark, "by": by})
    if w.kind == "verify":
        return client.post(f"/api/v1/annotations/{w.target}/verify", headers=WRITE, json={"by": by, "note": w.mark})
    return client.post(f"/api/v1/predictions/{w.target}/resolve", headers=WRITE,
                       json={"outcome": "partly", "note": w.mark, "by": by})


def _writer(port: int, thread: int, plan: list[Write], done: list[Write], stop: threading.Event) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        for w in plan:
            if stop.is_set():
                return
            done.append(w)  # tried: an answer or none
            try:
                w.status = _send(client, w, thread).status_code
            except httpx.HTTPError:
                return  # the server is gone: this write got no answer


def _applied(db, w: Write) -> int:
    """How many times ``w`` is in the store (0 or 1 for a write done right); raises if half applied."""
    if w.kind == "add":
        rows = query(db, "SELECT source, verified FROM annotations WHERE label = ?", (w.mark,))
        assert all(src.startswith("human:tester") and v == 1 for src, v in rows), rows
        return len(rows)
    if w.kind == "verdict":
        n = query(db, "SELECT count(*) FROM prediction_verdicts WHERE note = ?", (w.mark,))[0][0]
        if n:
            assert _row(db, w.target)[2] == 1, "a verdict without its prediction marked verified"
        return n
    now = _row(db, w.target)
    label, source, verified, attrs = now
    review = json.loads(attrs).get("review", {})
    if w.kind == "correct":
        if label != w.mark:
            assert now == w.before, (now, w.before)  # not applied: exactly as it was
            return 0
        rejected = query(db, "SELECT count(*) FROM annotation_rejections r JOIN annotations a ON a.doc_id = r.doc_id "
                             "AND a.start = r.start AND a.\"end\" = r.\"end\" AND a.layer = r.layer WHERE a.id = ? AND r.label = ?",
                         (w.target, w.before[0]))[0][0]
        assert source.startswith("human:tester") and verified == 1 and review.get("action") == "correct" and rejected == 1
        return 1
    notes = [h.get("note") for h in review.get("history", [])]
    if w.mark not in notes:
        assert now == w.before, (now, w.before)
        return 0
    assert verified == 1 and source == w.before[1], now  # verified as it was, label and source unchanged
    return notes.count(w.mark)


@pytest.mark.timeout(300)
def test_sigkill_during_serve_keeps_every_acknowledged_write_once(tmp_path, stores, figures):
    fig = figures("SIGKILL during serve (writes in flight)")
    db = tmp_path / "served.db"
    shutil.copy(stores[1], db)
    targets = _targets(db)
    assert all(len(v) >= THREADS for v in targets.values()), {k: len(v) for k, v in targets.items()}
    # each thread gets its own annotations (corrected or verified once) and cycles through the kinds
    plans: list[list[Write]] = [[] for _ in range(THREADS)]
    queues = {kind: list(ids) for kind, ids in targets.items()}
    counter = itertools.count()
    for n in range(400):
        thread, kind = n % THREADS, ("add", "correct", "verify", "verdict")[(n // THREADS) % 4]
        if kind in ("correct", "verify") and not queues[kind]:
            kind = "add"
        target = queues[kind].pop(0) if kind in ("correct", "verify") else targets[kind][n % len(targets[kind])]
        w = Write(kind, target, f"reliability-{kind}-{next(counter)}")
        if kind in ("correct", "verify"):
            w.before = _row(db, target)
        plans[thread].append(w)

    port = free_port()
    server = _start(db, port)
    done: list[list[Write]] = [[] for _ in range(THREADS)]
    stop = threading.Event()
    threads = [threading.Thread(target=_writer, args=(port, t, plans[t], done[t], stop)) for t in range(THREADS)]
    try:
        for t in threads:
            t.start()
        wait_until(lambda: sum(w.status is not None for d in done for w in d) >= KILL_AFTER or not any(t.is_alive() for t in threads),
                   120, f"{KILL_AFTER} answered writes")
        kill_tree(server)  # SIGKILL, writes in flight
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
        if server.poll() is None:
            kill_tree(server)
    tried = [w for d in done for w in d]
    acked = [w for w in tried if w.status is not None and 200 <= w.status < 300]
    refused = [w for w in tried if w.status is not None and not 200 <= w.status < 300]
    in_flight = [w for w in tried if w.status is None]
    assert refused == [], [(w.kind, w.status) for w in refused]
    assert len(acked) >= KILL_AFTER, len(acked)
    fig.cases += len(tried)

    def check(stage: str, kept: list[Write]) -> None:
        """Every write of ``kept`` is there once; the other in-flight writes are there once or not at all."""
        assert_store_whole(db)
        lost = [w for w in kept if _applied(db, w) != 1]
        fig.lost += len(lost)
        assert lost == [], (stage, [(w.kind, w.target, w.mark) for w in lost])
        for w in in_flight:
            if w not in kept:
                assert _applied(db, w) in (0, 1), (stage, w)

    # restarted: the store opens, passes its checks, every acknowledged write is there once
    server = _start(db, port)
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/documents", timeout=10).json()["total"] == len(targets["add"])
    finally:
        kill_tree(server)
    check("after the restart", acked)
    # in-flight writes that made it are human work like the rest; the others (machine annotations left
    # as they were) may be replaced by the re-analysis below
    applied = acked + [w for w in in_flight if _applied(db, w)]
    in_flight = []
    assert query(db, "SELECT status FROM runs ORDER BY id")[-1] == ("ok",)  # serve records no run of its own

    # a forced re-analysis of the touched documents keeps the human work and adds no duplicate of it
    touched = sorted({doc for (doc,) in query(db, "SELECT DISTINCT doc_id FROM annotations WHERE verified = 1")})
    args = [x for d in touched for x in ("--only", str(d))]
    r = cli("analyze", "--force", "--quiet", *args, db=db)
    assert r.returncode == 0, r.stderr
    check("after a forced re-analysis", applied)
    fig.cases += 1
    for w in acked:
        if w.kind == "correct":  # the machine label the person replaced does not come back on that span
            label = w.before[0]
            back = query(db, "SELECT count(*) FROM annotations a JOIN annotations c ON c.doc_id = a.doc_id AND c.start = a.start "
                             "AND c.\"end\" = a.\"end\" AND c.layer = a.layer WHERE c.id = ? AND a.label = ? AND a.verified = 0",
                         (w.target, label))[0][0]
            assert back == 0, (w, label)
    dup = query(db, 'SELECT count(*) FROM (SELECT count(*) AS n FROM annotations a WHERE EXISTS (SELECT 1 FROM annotations v '
                    'WHERE v.verified = 1 AND v.doc_id = a.doc_id AND v.start = a.start AND v."end" = a."end" AND v.layer = a.layer '
                    'AND v.label = a.label) GROUP BY doc_id, start, "end", layer, label HAVING n > 1)')[0][0]
    fig.lost += dup
    assert dup == 0
