"""Concurrent readers during a long write: one process ingests, then analyses, a few thousand documents
while reader threads list documents and query the store, and web GETs go through the workbench. Readers
never get an error and never see a half-written document: each visible document has its text, its
metadata, its source and its turns, and per layer either none of its analysis or all of it."""

from __future__ import annotations

import sqlite3
import subprocess
import threading
import time

import httpx
import pytest

from tests.reliability.common import CLI, clean_env, free_port, make_corpus, query, wait_until

N_DOCS = 2500
READERS = 3


def _read_once(db) -> int:
    """One consistent snapshot of the store, checked; returns the documents seen."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        con.execute("BEGIN")  # one snapshot for every query below
        docs = con.execute("SELECT d.id, length(d.text), d.n_chars, (SELECT count(*) FROM document_meta m WHERE m.doc_id = d.id), "
                           "(SELECT count(*) FROM sources s WHERE s.doc_id = d.id), "
                           "(SELECT count(*) FROM annotations a WHERE a.doc_id = d.id AND a.layer = 'turn') FROM documents d").fetchall()
        for doc_id, length, n_chars, meta, sources, turns in docs:
            assert length == n_chars and length > 0 and meta == 1 and sources >= 1 and turns == 2, (doc_id, length, meta, sources, turns)
        # analysis: a document's state rows and its annotations come together, stage by stage
        for doc_id, base, n, have in con.execute(
            "SELECT s.doc_id, s.stage_base, s.n_annotations, (SELECT count(*) FROM annotations a WHERE a.doc_id = s.doc_id "
            "AND a.source LIKE s.stage_base || '.%') FROM analysis_state s"
        ):
            assert have == n, (doc_id, base, n, have)
        stages = {n for (n,) in con.execute("SELECT count(*) FROM analysis_state GROUP BY doc_id")}
        assert len(stages) <= 1, stages  # every analysed document has all its stages
        return len(docs)
    finally:
        con.close()


def _cli_reader(db, stop, seen, errors) -> None:
    while not stop.is_set():
        r = subprocess.run([CLI, "--db", str(db), "ls", "--ids"], capture_output=True, text=True, env=clean_env(), timeout=120)
        if r.returncode != 0:
            errors.append(f"ls: {r.returncode} {r.stderr[-500:]}")
        seen.append(("ls", len(r.stdout.split())))


def _sql_reader(db, stop, seen, errors) -> None:
    """Appends ("sql", (reader, documents seen)): the counts of one reader must never go down (two
    readers' appends may interleave out of snapshot order, so order is only checked per reader)."""
    me = threading.get_ident()
    while not stop.is_set():
        try:
            seen.append(("sql", (me, _read_once(db))))
        except Exception as exc:  # noqa: BLE001 - a reader error is what we look for
            errors.append(f"sql: {type(exc).__name__}: {exc}")
        time.sleep(0.01)


def _web_reader(port, stop, seen, errors) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        while not stop.is_set():
            for url in ("/api/v1/documents?per_page=20", "/api/v1/search?q=Trump", "/api/v1/runs", "/"):
                r = client.get(url)
                if r.status_code != 200:
                    errors.append(f"GET {url}: {r.status_code} {r.text[:300]}")
            listing = client.get("/api/v1/documents?per_page=5").json()
            for item in listing.get("items", []):
                doc = client.get(f"/api/v1/documents/{item['id']}")
                if doc.status_code != 200 or not doc.json()["text"] or doc.json()["layers"].get("turn") != 2:
                    errors.append(f"document {item['id']}: {doc.status_code} {doc.text[:300]}")
            seen.append(("web", listing.get("total", 0)))


@pytest.mark.timeout(400)
def test_readers_during_a_long_write(tmp_path, figures):
    fig = figures("concurrent readers during a long write")
    folder = make_corpus(tmp_path / "batch", N_DOCS, sentences_per_doc=3)
    db = tmp_path / "store.db"
    assert subprocess.run([CLI, "--db", str(db), "ingest", str(folder / "t00000.txt"), "-q"], env=clean_env()).returncode == 0
    port = free_port()
    server = subprocess.Popen([CLI, "--db", str(db), "serve", "--port", str(port), "--read-only"], env=clean_env(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stop, seen, errors = threading.Event(), [], []
    try:
        wait_until(lambda: _up(port), 60, "the workbench", step=0.1)
        readers = [threading.Thread(target=_sql_reader, args=(db, stop, seen, errors)) for _ in range(READERS - 1)]
        readers += [threading.Thread(target=_cli_reader, args=(db, stop, seen, errors)),
                    threading.Thread(target=_web_reader, args=(port, stop, seen, errors))]
        for t in readers:
            t.start()
        # the long write: ingest every document (group commits), then analyse a slice of them
        r = subprocess.run([CLI, "--db", str(db), "ingest", str(folder), "-q"], env=clean_env(), capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr[-2000:]
        r = subprocess.run([CLI, "--db", str(db), "analyze", "-q", *[x for i in range(2, 62) for x in ("--only", str(i))]],
                           env=clean_env(), capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr[-2000:]
    finally:
        stop.set()
        for t in readers:
            t.join(timeout=120)
        server.kill()
        server.wait()
    fig.cases = len(seen)
    fig.failures = len(errors)
    assert errors == [], errors[:10]
    assert {kind for kind, _ in seen} == {"ls", "sql", "web"}
    by_reader: dict[int, list[int]] = {}
    for kind, value in seen:
        if kind == "sql":
            by_reader.setdefault(value[0], []).append(value[1])
    assert len(by_reader) == READERS - 1
    for counts in by_reader.values():
        assert counts == sorted(counts)  # documents only ever appear, whole
    assert _read_once(db) == N_DOCS
    assert query(db, "SELECT count(DISTINCT doc_id) FROM analysis_state")[0][0] == 60


def _up(port) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/v1/runs", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
