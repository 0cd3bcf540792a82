"""PostgreSQL as a second store: the features above the store give the same answers as on SQLite, a
representative set of the suite runs unchanged on PostgreSQL, and several processes can ingest at once.

Every test here needs the session's throwaway cluster (``pg_cluster`` in conftest.py): skipped where
PostgreSQL is not installed, a failure under CI=true. The store suite itself (tests/store) runs on both
backends through its ``corpus`` fixture.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sqlalchemy import text

import onrecord
from onrecord import explore
from onrecord.networks import NetworkOptions

# The representative set, run here unchanged on PostgreSQL (their own modules run them on SQLite): the
# `corpus` fixture below replaces the SQLite one for them. Imported fixtures are used by these tests.
from tests.analysis.test_runner import (  # noqa: F401
    test_a_failing_document_is_reported_and_the_rest_goes_on,
    test_analyze_then_skip_then_force,
    test_new_version_replaces_machine_annotations_but_never_verified,
    test_only_selects_documents,
    test_workers_give_the_same_annotations,
    two,
)
from tests.ingest.test_pipeline import test_a_document_failing_in_the_store_is_rolled_back_alone, test_progress_events  # noqa: F401
from tests.networks.test_dnafile import (  # noqa: F401
    SAMPLE,
    test_import_is_idempotent_and_verified,
    test_networks_through_the_dna_import_match_dna,
)
from tests.test_ledger import ledger, test_bad_verdicts_are_refused, test_resolve_keeps_verdicts_through_reanalysis, test_status_open_and_overdue  # noqa: F401
from tests.test_review import (  # noqa: F401
    coded,
    test_bad_reviews_are_refused,
    test_correct_persists_and_keeps_the_machine_original,
    test_delete_is_not_undone_by_reanalysis,
    test_verify_and_add,
)
from tests.test_shifts import test_the_samples_truce_shift  # noqa: F401
from tests.test_timelines import test_counts_net_and_attention  # noqa: F401

pytestmark = pytest.mark.postgres


@pytest.fixture
def corpus(pg_url):
    c = onrecord.open(pg_url)
    yield c
    c.close()


@pytest.fixture
def imported(pg_url):
    c = onrecord.open(pg_url)
    c.import_dna(SAMPLE)
    yield c
    c.close()


# -- the same answers on both backends -----------------------------------------------------------------
STAGES = None  # the default pipeline


@pytest.fixture(scope="module")
def pair(pg_cluster, tmp_path_factory):
    """The sample corpus ingested and analysed (default pipeline) on SQLite and on PostgreSQL."""
    from tests.conftest import PG_TEMPLATE, SAMPLES

    stores = {}
    for name, url in (("sqlite", str(tmp_path_factory.mktemp("pair") / "s.db")), ("postgres", pg_cluster.create_database(PG_TEMPLATE))):
        c = onrecord.open(url)
        assert c.ingest([SAMPLES], speaker="Alexander Dugin").ok
        assert c.analyze(workers=0).ok
        stores[name] = c
    yield stores
    for c in stores.values():
        c.close()


def _plain(value):
    """Comparable across backends: datetimes as UTC ISO text, dataclasses and tuples as plain data."""
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.timezone.utc) if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)).isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k not in ("store", "store_bytes")}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 9)
    return value


def _same(pair, fn):
    got = {name: _plain(fn(c)) for name, c in pair.items()}
    assert got["sqlite"] == got["postgres"]
    return got["sqlite"]


def test_documents_annotations_and_stats_are_the_same(pair):
    docs = _same(pair, lambda c: [(d.id, d.sha256, d.version, d.meta, [(a.start, a.end, a.layer, a.label, a.attrs, a.score, a.source)
                                                                         for a in d.annotations()]) for d in c.documents()])
    assert len(docs) == 2 and sum(len(d[4]) for d in docs) > 50
    _same(pair, lambda c: c.stats())
    _same(pair, lambda c: [d.id for d in c.documents(since="2025-07-01", speaker="alexander dugin", latest_only=True)])


@pytest.mark.parametrize("query", ['"nuclear triad"', "Witkoff OR Medinsky", "Witkoff AND Medinsky", "truce NOT Witkoff",
                                   "negotiat*", "(truce OR peace) AND NOT_A_WORD", "truce peace", '"peace talks"*',
                                   "Putin NOT (Witkoff OR Medinsky)", "putin", "\"Russia's\"", '"peace \\ talks"', "Зеленский"])
def test_full_text_search_is_the_same(pair, query):
    _same(pair, lambda c: [d.id for d in c.documents(search=query)])


@pytest.mark.parametrize("query", ["AND AND", "NOT", '"open', "a OR", "(truce", "truce)", "col:truce"])
def test_bad_search_queries_are_refused_on_both(pair, query):
    for c in pair.values():
        with pytest.raises(onrecord.ConfigError, match="bad search query"):
            c.documents(search=query) if query else _empty_search(c)


def test_fts5_syntax_postgresql_does_not_translate_is_refused_clearly(pair):
    assert pair["sqlite"].documents(search="NEAR(truce peace, 50)") is not None  # FTS5 only
    for query in ("NEAR(truce peace)", "^truce", "text:truce", "truce + peace"):
        with pytest.raises(onrecord.ConfigError, match="bad search query .*not supported on PostgreSQL"):
            pair["postgres"].documents(search=query)


def _empty_search(c):
    from onrecord.store.fts import fts5_to_tsquery

    if c.store.dialect == "postgresql":
        fts5_to_tsquery("")
    else:
        c.documents(search='""')  # FTS5 refuses an empty query too


def test_explore_is_the_same(pair):
    def run(c):
        with c.store.read() as conn:
            actors = explore.labels_of(conn, "actor")
            concepts = explore.labels_of(conn, "statement")
            actor = actors[0]["label"]
            concept = concepts[0]["label"]
            return {
                "browse": [explore.browse(conn, explore.BrowseFilter(), page=p, per_page=1) for p in (1, 2, 3)],
                "browse_filtered": explore.browse(conn, explore.BrowseFilter(actor=actor, search="truce OR peace")),
                "dates": explore.statement_date_range(conn),
                "actors": actors,
                "concepts": concepts,
                "techniques": explore.labels_of(conn, "technique"),
                "statements": [explore.statements(conn, page=p, per_page=7) for p in (1, 2)],
                "holder": explore.statements(conn, holder=actor),
                "speaker": explore.statements(conn, speaker="ALEXANDER DUGIN", polarity="negative"),
                "actor": explore.actor_profile(conn, actor),
                "concept": explore.concept_profile(conn, concept),
            }

    got = _same(pair, run)
    assert got["browse"][0]["total"] == 2 and got["statements"][0]["total"] > 0


def test_analysis_views_are_the_same(pair):
    _same(pair, lambda c: c.actors())
    _same(pair, lambda c: c.predictions(today="2026-03-01"))
    _same(pair, lambda c: c.scorecard(today="2026-03-01"))
    _same(pair, lambda c: c.timeline(by="actor", unit="month"))
    _same(pair, lambda c: c.timeline(by="concept", unit="week"))
    _same(pair, lambda c: c.shifts())


def test_networks_are_the_same(pair):
    for kind, agg, norm in (("twomode", "ignore", "no"), ("onemode", "congruence", "average"), ("onemode", "subtract", "no")):
        nets = {name: c.network(options=NetworkOptions(kind, agg, norm))[0] for name, c in pair.items()}
        assert nets["sqlite"].rows == nets["postgres"].rows and nets["sqlite"].cols == nets["postgres"].cols
        np.testing.assert_allclose(nets["sqlite"].matrix, nets["postgres"].matrix)


def test_semantic_search_is_the_same(pair):
    from onrecord import embeddings

    if not hasattr(embeddings, "model_id"):
        pytest.skip("onrecord.embeddings has no model_id() yet (semantic search needs the embeddings module being added)")
    hits = _same(pair, lambda c: [(h["doc_id"], h["start"], h["end"], round(h["score"], 5)) for h in c.semantic_search("a truce is impossible", limit=5)])
    assert len(hits) == 5


def test_export_is_the_same(pair, tmp_path):
    outs = {}
    for name, c in pair.items():
        out = tmp_path / f"{name}.jsonl"
        c.export(out)
        outs[name] = [_plain(json.loads(line)) for line in out.read_text(encoding="utf-8").splitlines()]
    for rows in outs.values():
        for row in rows:  # when each was written differs, of course
            row.pop("created_at", None)
            for a in row.get("annotations", []):
                a.pop("created_at", None)
    assert outs["sqlite"] == outs["postgres"]


# -- PostgreSQL specifics ------------------------------------------------------------------------------
def test_migrations_from_an_empty_database_with_fts_index(pg_cluster):
    from onrecord.store.engine import Store
    from onrecord.store.migrations import MIGRATIONS

    url = pg_cluster.create_database()
    store = Store(url)
    assert store.applied_migrations == [n for n, _, _ in MIGRATIONS] and store.dialect == "postgresql"
    store.close()
    again = Store(url)
    assert again.applied_migrations == []
    with again.read() as conn:
        assert [r[0] for r in conn.execute(text("SELECT version FROM schema_migrations ORDER BY version"))] == [n for n, _, _ in MIGRATIONS]
        assert conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_documents_fts'")).scalar().endswith("USING gin (fts)")
    again.close()


def test_newer_schema_is_refused(pg_url):
    from onrecord.errors import MigrationError
    from onrecord.store.engine import Store

    store = Store(pg_url)
    with store.write() as conn:
        conn.execute(text("INSERT INTO schema_migrations VALUES (999, 'future', '2030-01-01 00:00:00+00')"))
    store.close()
    with pytest.raises(MigrationError, match="newer than this onrecord knows"):
        Store(pg_url)


def test_unreachable_server_is_a_store_error_without_the_password(pg_cluster):
    from onrecord.errors import StoreError

    with pytest.raises(StoreError, match="cannot open store") as err:
        onrecord.open(f"postgresql://onrecord:secret@127.0.0.1:{pg_cluster.port}/no_such_database")
    assert "secret" not in str(err.value)


def test_a_text_too_large_for_one_tsvector_is_stored_and_searchable(corpus, write):
    # ~1.3 MB of distinct words: more than one tsvector holds. The text is stored whole; its start is indexed.
    words = " ".join(f"w{i:07d}x" for i in range(130_000))
    report = corpus.ingest(write("big.txt", "Host: opening words " + words))
    assert report.ok, report.problems
    doc = corpus.documents()[0]
    assert doc.text.endswith(words[-20:])
    assert [d.id for d in corpus.documents(search='"opening words"')] == [doc.id]


def test_timestamps_are_utc_and_aware(corpus, write):
    corpus.ingest(write("a.txt", "Host: hi"))
    with corpus.store.read() as conn:
        created = conn.execute(text("SELECT created_at FROM documents")).scalar()
    assert created.utcoffset() == dt.timedelta(0)


# -- several writers at once ---------------------------------------------------------------------------
WRITER = textwrap.dedent(
    """
    import json, sys
    import onrecord
    url, commit_every, paths = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    c = onrecord.open(url)
    r = c.ingest(paths, commit_every=commit_every, workers=0)
    print(json.dumps({"added": len(r.added), "unchanged": len(r.unchanged), "versions": len(r.versions),
                      "problems": [str(p) for p in r.problems]}))
    c.close()
    """
)


NAMES = ["Anna Lee", "Boris Kim", "Clara Diaz", "Dmitri Orlov", "Eva Stone", "Farid Khan", "Greta Holm"]


@pytest.mark.slow
def test_concurrent_ingest_from_several_processes_stores_each_text_once(pg_cluster, tmp_path):
    url = pg_cluster.create_database()  # empty: the processes also race to migrate it
    folder = tmp_path / "in"
    folder.mkdir()
    texts = {}
    for i in range(60):
        body = f" date 2025-02-{i % 28 + 1:02d} Host: question {i}?\n\n{NAMES[i % 7]}: answer number {i}."
        path = folder / f"{i:02d}.txt"
        path.write_text(body, encoding="utf-8")
        texts[path] = body
    dup = tmp_path / "dup"  # the same texts under other paths: one document, seen twice
    dup.mkdir()
    for i in range(0, 60, 3):
        (dup / f"copy{i:02d}.txt").write_text(texts[folder / f"{i:02d}.txt"], encoding="utf-8")
    paths = sorted(str(p) for p in folder.iterdir())
    jobs = [paths, paths[::-1], paths[20:] + [str(dup)], [str(dup)] + paths[:40], paths[::2], paths[1::2]]
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, url, str(1 if n % 2 else 1000), *job], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n, job in enumerate(jobs)
    ]
    reports = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    assert all(not r["problems"] and not r["versions"] for r in reports), reports
    assert sum(r["added"] for r in reports) == 60
    c = onrecord.open(url)
    try:
        with c.store.read() as conn:
            assert conn.execute(text("SELECT count(*), count(DISTINCT sha256) FROM documents")).one() == (60, 60)
            assert conn.execute(text("SELECT count(*) FROM sources")).scalar() == 60 + 20
            assert conn.execute(text("SELECT count(*), count(DISTINCT name) FROM speakers")).one() == (8, 8)
            assert conn.execute(text("SELECT count(*) FROM schema_migrations")).scalar() == conn.execute(text("SELECT max(version) FROM schema_migrations")).scalar()
            runs = conn.execute(text("SELECT status, count(*) FROM runs GROUP BY status")).all()
        assert runs == [("ok", len(jobs))]
        assert sorted(d.text for d in c.documents()) == sorted(texts.values())
    finally:
        c.close()
