"""The store: migrations, WAL, identity by hash, versions, FTS, speakers, runs."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

import onrecord
from onrecord.errors import MigrationError, NotFoundError
from onrecord.store.engine import Store, resolve_url
from onrecord.store.migrations import MIGRATIONS


def test_migrations_recorded_and_wal(tmp_path):
    db = tmp_path / "s.db"
    store = Store(db)
    assert store.applied_migrations == [n for n, _, _ in MIGRATIONS]
    store.close()
    again = Store(db)
    assert again.applied_migrations == []
    with again.read() as conn:
        rows = conn.execute(text("SELECT version, name FROM schema_migrations")).all()
        assert [r[0] for r in rows] == [n for n, _, _ in MIGRATIONS]
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    again.close()


def test_newer_schema_is_refused(tmp_path):
    db = tmp_path / "s.db"
    Store(db).close()
    con = sqlite3.connect(db)
    con.execute("INSERT INTO schema_migrations VALUES (999, 'future', '2030-01-01 00:00:00')")
    con.commit()
    con.close()
    with pytest.raises(MigrationError, match="newer than this onrecord knows"):
        Store(db)


def test_resolve_url():
    assert resolve_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve_url("postgres://u:pw@h:5433/db") == "postgresql+psycopg://u:pw@h:5433/db"
    assert resolve_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve_url("x.db").startswith("sqlite:////") and resolve_url("x.db").endswith("/x.db")
    assert resolve_url(":memory:") == "sqlite://"


def test_same_file_twice_adds_nothing(corpus, samples):
    first = corpus.ingest([samples], speaker="Alexander Dugin")
    second = corpus.ingest([samples], speaker="Alexander Dugin")
    assert len(first.added) == 2 and not first.versions
    assert sorted(second.unchanged) == sorted(first.added) and not second.added
    with corpus.store.read() as conn:
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in ("documents", "document_meta", "sources", "annotations", "document_speakers", "speakers")}
    assert counts == {"documents": 2, "document_meta": 2, "sources": 2, "annotations": 8, "document_speakers": 3, "speakers": 2}


def test_same_text_from_another_path_is_one_document_seen_twice(corpus, write):
    a = write("a.txt", "Same text.")
    b = write("sub/b.txt", "Same text.")
    corpus.ingest([a, b])
    assert len(corpus.documents()) == 1
    with corpus.store.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM sources")).scalar() == 2


def test_changed_file_becomes_linked_new_version(corpus, write):
    path = write("t.txt", " date 2025-01-01 Host: first version.")
    first = corpus.ingest([path]).added[0]
    path.write_text(" date 2025-01-01 Host: second version.", encoding="utf-8")
    report = corpus.ingest([path])
    assert not report.added and len(report.versions) == 1
    new = corpus.document(report.versions[0])
    assert (new.version, new.previous_id) == (2, first)
    assert corpus.document(first).text.endswith("first version.")
    assert [d.id for d in corpus.documents(latest_only=True)] == [new.id]
    path.write_text(" date 2025-01-01 Host: third.", encoding="utf-8")
    third = corpus.document(corpus.ingest([path]).versions[0])
    assert (third.version, third.previous_id) == (3, new.id)


def test_jsonl_row_changes_become_versions_by_id(corpus, write):
    path = write("d.jsonl", '{"id": "x", "text": "one"}\n{"id": "y", "text": "two"}\n')
    corpus.ingest([path])
    path.write_text('{"id": "y", "text": "two"}\n{"id": "x", "text": "one, corrected"}\n', encoding="utf-8")
    report = corpus.ingest([path])
    assert len(report.versions) == 1 and len(report.unchanged) == 1
    assert corpus.document(report.versions[0]).version == 2


def test_lookup_by_id_and_hash_prefix(corpus, samples):
    corpus.ingest([samples])
    doc = corpus.documents()[0]
    assert corpus.document(doc.id).sha256 == doc.sha256
    assert corpus.document(doc.sha256[:8]).id == doc.id
    with pytest.raises(NotFoundError):
        corpus.document("999")
    with pytest.raises(NotFoundError):
        corpus.document("zzz")


def test_filters_fts_and_stats(corpus, samples):
    corpus.ingest([samples], speaker="Alexander Dugin")
    assert [d.meta.date.isoformat() for d in corpus.documents()] == ["2025-06-08", "2025-12-04"]
    assert [d.meta.outlet for d in corpus.documents(since="2025-07-01")] == ["Radio Sputnik"]
    assert [d.meta.date.isoformat() for d in corpus.documents(until="2025-07-01")] == ["2025-06-08"]
    assert len(corpus.documents(speaker="host")) == 1
    assert len(corpus.documents(speaker="Alexander Dugin")) == 2
    assert len(corpus.documents(outlet="Radio Sputnik")) == 1
    assert [d.meta.date.isoformat() for d in corpus.documents(search='"nuclear triad"')] == ["2025-06-08"]
    assert len(corpus.documents(search="Witkoff OR Medinsky")) == 2
    assert corpus.documents(search="Witkoff AND Medinsky") == []
    assert len(corpus.documents(search="truce NOT Witkoff")) == 1
    with pytest.raises(onrecord.ConfigError, match="bad search query"):
        corpus.documents(search="AND AND")
    s = corpus.stats()
    assert s["documents"] == 2 and s["date_range"] == ["2025-06-08", "2025-12-04"]
    assert s["speakers"] == {"Alexander Dugin": {"documents": 2, "turns": 2}, "Host": {"documents": 1, "turns": 1}}
    assert s["layers"] == {"editorial": 1, "header": 4, "turn": 3}
    assert s["runs"] == [{"kind": "ingest", "status": "ok", "count": 1}]


def test_failed_run_is_recorded(corpus, write):
    corpus.ingest([write("empty.txt", b"")])
    assert corpus.stats()["runs"] == [{"kind": "ingest", "status": "failed", "count": 1}]


def test_commit_every_one_is_a_transaction_per_document(store_url, samples):
    c = onrecord.open(store_url)
    report = c.ingest([samples], commit_every=1)
    assert report.ok and len(report.added) == 2
    c.close()


def test_parse_workers_give_the_same_store(tmp_path, monkeypatch, backend, request):
    from onrecord.ingest import pipeline

    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(30):
        (folder / f"{i:02d}.txt").write_text(f" date 2025-01-{i % 28 + 1:02d} Host: question {i}?\n\nJane Roe: answer {i}.", encoding="utf-8")
    (folder / "bad.txt").write_bytes(b"")
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_FILES", 1)
    results = []
    for workers in (0, 2):
        url = tmp_path / f"w{workers}.db" if backend == "sqlite" else request.getfixturevalue("pg_cluster").create_database("onrecord_template")
        c = onrecord.open(url)
        report = c.ingest([folder], workers=workers)
        results.append(([str(p) for p in report.problems], [(d.sha256, [(a.start, a.end, a.label) for a in d.annotations()]) for d in c.documents()]))
        c.close()
    assert results[0] == results[1]
    assert len(results[0][1]) == 30 and len(results[0][0]) == 1


def test_hot_path_stores_values_exactly_as_core_does(corpus, write):
    """The prepared (DBAPI) insert path binds through each column's dialect type, like Core."""
    import datetime as dt

    from sqlalchemy import insert, select

    from onrecord.store import schema

    corpus.ingest([write("a.txt", " date 2025-01-02 Host: hi")])
    now = dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.timezone.utc)
    with corpus.store.write() as conn:
        conn.execute(insert(schema.annotations).values(doc_id=1, start=0, end=1, layer="x", label="core", attrs={"a": 1}, source="t", verified=True, created_at=now))
    from onrecord.store.writer import insert_annotations
    from onrecord._types import Annotation

    with corpus.store.write() as conn:
        insert_annotations(conn, 1, [Annotation(0, 1, "x", "fast", attrs={"a": 1}, source="t", verified=True)], now)
    with corpus.store.read() as conn:
        raw = conn.exec_driver_sql("SELECT label, attrs, verified, created_at FROM annotations WHERE layer = 'x' ORDER BY label").all()
        assert raw[0][1:] == raw[1][1:], raw
        typed = conn.execute(select(schema.annotations.c.created_at, schema.document_meta.c.date).join(schema.document_meta, schema.document_meta.c.doc_id == schema.annotations.c.doc_id).where(schema.annotations.c.label == "fast")).one()
        if corpus.store.dialect == "sqlite":  # SQLite keeps no zone: UTC, read back naive
            assert typed == (now.replace(tzinfo=None), dt.date(2025, 1, 2))
            assert conn.exec_driver_sql("SELECT date FROM document_meta").scalar() == "2025-01-02"
        else:  # PostgreSQL: timestamptz and date, read back as the same instant and date
            assert typed == (now, dt.date(2025, 1, 2)) and typed[0].utcoffset() == dt.timedelta(0)
            assert conn.exec_driver_sql("SELECT date FROM document_meta").scalar() == dt.date(2025, 1, 2)


def test_postgresql_without_psycopg_says_which_extra_to_install(monkeypatch):
    import importlib.util

    from onrecord.errors import StoreError
    from onrecord.store import engine

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "psycopg" else real(name, *a))
    with pytest.raises(StoreError, match=r"install onrecord\[postgres\]") as err:
        engine.Store("postgresql://u:secret@127.0.0.1:1/db")
    assert "secret" not in str(err.value)


def test_store_urls_are_shown_without_passwords():
    from onrecord.store.engine import _shown

    assert _shown("postgresql+psycopg://u:secret@h/db") == "postgresql+psycopg://u:***@h/db"
    assert _shown("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"
