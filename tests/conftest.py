"""Shared fixtures: a fresh store per test, the sample corpus, and small file makers."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import onrecord

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "examples" / "corpus"


def assert_same_documents(corpus, other) -> None:
    """``other`` holds the documents of ``corpus`` (matched by text hash) with the same text, metadata,
    format, encoding and annotations: what an export -> import round trip must keep."""
    before = {d.sha256: d for d in corpus.documents()}
    after = {d.sha256: d for d in other.documents()}
    assert before.keys() == after.keys()
    for sha, doc in before.items():
        twin = after[sha]
        assert twin.text == doc.text
        assert (twin.meta, twin.format, twin.encoding) == (doc.meta, doc.format, doc.encoding)
        strip = lambda anns: [(a.start, a.end, a.layer, a.label, a.attrs, a.score, a.source, a.verified) for a in anns]  # noqa: E731
        assert strip(twin.annotations()) == strip(doc.annotations())
SAMPLE_000 = SAMPLES / "000_093af9b9ee9032fc.txt"
SAMPLE_002 = SAMPLES / "002_283642ddbe666578.txt"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("ONRECORD_"):
            monkeypatch.delenv(name)


@pytest.fixture
def corpus(tmp_path):
    c = onrecord.open(tmp_path / "test.db")
    yield c
    c.close()


@pytest.fixture
def samples(tmp_path) -> Path:
    folder = tmp_path / "samples"
    shutil.copytree(SAMPLES, folder)
    return folder


@pytest.fixture
def write(tmp_path):
    """write("name.txt", text_or_bytes, encoding="utf-8") -> Path under tmp_path/in."""

    def _write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return _write


def cli_path() -> str:
    import sys

    return str(Path(sys.executable).parent / "onrecord")


@pytest.fixture(scope="session")
def resources():
    """Analysis resources (codebooks, the spaCy pipeline), loaded once per test session."""
    from onrecord.analysis.resources import Resources

    return Resources()


@pytest.fixture
def adoc():
    """adoc(text, date=None, speaker=None) -> an AnalysisDoc with the layers ingest would give it."""
    import datetime as dt

    from onrecord.analysis.base import AnalysisDoc
    from onrecord.ingest.formats import ImportOptions, build_document

    def _make(text: str, date: str | None = None, speaker: str | None = None) -> AnalysisDoc:
        d = build_document(text, onrecord.Meta(date=dt.date.fromisoformat(date)) if date else onrecord.Meta(), "text", "t.txt", None,
                           "utf-8", ImportOptions(speaker=speaker))
        layers: dict = {}
        for a in d.annotations:
            layers.setdefault(a.layer, []).append(a)
        return AnalysisDoc(None, d.text, d.meta, layers)

    return _make


# --- PostgreSQL: the same store code against a throwaway cluster this session starts (tests/pgserver.py) ---

PG_TEMPLATE = "onrecord_template"


def _postgres_unavailable(why: str):
    """No PostgreSQL here: fail under CI=true (CI must run these), skip otherwise."""
    message = f"{why}; `make test` installs it (as root: apt-get install -y postgresql)"
    if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
        pytest.fail("PostgreSQL tests cannot run under CI=true: " + message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_cluster():
    """A PostgreSQL cluster for the whole session (initdb in a temp dir, 127.0.0.1, a free port), with a
    migrated template database that each test's database is copied from. Stopped and removed at the end."""
    from onrecord.store.engine import Store
    from tests import pgserver

    if not pgserver.available():
        _postgres_unavailable("PostgreSQL is not installed (no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _postgres_unavailable("the psycopg driver is not installed (pip install 'onrecord[postgres]')")
    cluster = pgserver.Cluster().start()
    try:
        cluster.execute(f'CREATE DATABASE "{PG_TEMPLATE}"')
        Store(cluster.url(PG_TEMPLATE)).close()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster):
    """URL of a fresh, migrated PostgreSQL database of this test's own (dropped afterwards)."""
    url = pg_cluster.create_database(template=PG_TEMPLATE)
    yield url
    pg_cluster.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def store_url(backend, tmp_path, request) -> str:
    """A new store on each backend: a SQLite file, or a PostgreSQL database of its own."""
    if backend == "sqlite":
        return str(tmp_path / "test.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def any_corpus(store_url):
    """Like ``corpus``, once on SQLite and once on PostgreSQL."""
    c = onrecord.open(store_url)
    yield c
    c.close()
