"""Opening a store: URL resolution, per-dialect setup (SQLite pragmas and WAL; PostgreSQL's driver and
writer lock), write transactions, migrations."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import weakref
from typing import Iterator

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from ..errors import StoreError
from .migrations import migrate

__all__ = ["resolve_url", "Store", "WRITE_LOCK"]

# PostgreSQL: every write transaction first takes this transaction-scoped advisory lock (local to the
# database), so writers from any number of processes run one at a time, as on SQLite (BEGIN IMMEDIATE).
# The writer's check-then-insert steps (a text stored once by hash, a speaker once by name) rely on it.
WRITE_LOCK = 0x6F6E7265636F7264 & 0x7FFFFFFFFFFFFFFF  # "onrecord"


def resolve_url(db: str | os.PathLike) -> str:
    """A path becomes ``sqlite:///<absolute path>``; anything with ``://`` is taken as a URL, with
    ``postgresql://`` (and ``postgres://``) using the psycopg 3 driver (``postgresql+psycopg://``)."""
    text = os.fspath(db)
    if "://" in text:
        for scheme in ("postgresql://", "postgres://"):
            if text.startswith(scheme):
                return "postgresql+psycopg://" + text[len(scheme):]
        return text
    if text == ":memory:":
        return "sqlite://"
    return "sqlite:///" + os.path.abspath(text)


def _shown(url: str) -> str:
    """The URL for messages: any password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _require_psycopg(url: str) -> None:
    if url.startswith("postgresql+psycopg://") and importlib.util.find_spec("psycopg") is None:
        raise StoreError(
            f"cannot open store {_shown(url)!r}: PostgreSQL stores need the psycopg driver; "
            "install onrecord[postgres] (pip install 'onrecord[postgres]')"
        )


class Store:
    """An engine plus the project's conventions for it. Use :meth:`write` for every write."""

    def __init__(self, db: str | os.PathLike, busy_timeout: float = 30.0):
        self.url = resolve_url(db)
        self.display_url = _shown(self.url)  # for output: any password masked
        _require_psycopg(self.url)
        try:
            self.engine: Engine = create_engine(self.url, future=True)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise StoreError(f"cannot open store {_shown(self.url)!r}: {exc}") from exc
        self.dialect = self.engine.dialect.name
        if self.dialect == "sqlite":
            self._setup_sqlite(busy_timeout)
        elif self.dialect == "postgresql":
            self._setup_postgresql(busy_timeout)
        try:
            with self.write() as conn:
                self.applied_migrations = migrate(conn)
        except OperationalError as exc:
            raise StoreError(f"cannot open store {_shown(self.url)!r}: {exc.orig}") from exc

    def _setup_sqlite(self, busy_timeout: float) -> None:
        @event.listens_for(self.engine, "connect")
        def _on_connect(dbapi_conn, _record):  # pragma: no cover - trivial
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
            cur.execute("PRAGMA foreign_keys = ON")
            cur.execute("PRAGMA cache_size = -65536")  # 64 MiB page cache per connection
            cur.execute("PRAGMA wal_autocheckpoint = 8192")  # checkpoint (and fsync) every ~32 MiB of WAL
            cur.close()

        @event.listens_for(self.engine, "begin")
        def _on_begin(conn: Connection) -> None:
            # Writers take the lock up front, so two writers never deadlock on a lock upgrade.
            immediate = conn.get_execution_options().get("onrecord_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    def _setup_postgresql(self, busy_timeout: float) -> None:
        # Transactions are the driver's (READ COMMITTED, begun by the first statement). A writer waits at
        # most busy_timeout for the write lock (lock_timeout), like SQLite's busy timeout.
        @event.listens_for(self.engine, "connect")
        def _on_connect(dbapi_conn, _record):  # pragma: no cover - trivial
            with dbapi_conn.cursor() as cur:
                cur.execute(f"SET lock_timeout = {int(busy_timeout * 1000)}")
                cur.execute("SET TIME ZONE 'UTC'")  # timestamps read back in UTC, whatever the server's zone
            dbapi_conn.commit()

        @event.listens_for(self.engine, "begin")
        def _on_begin(conn: Connection) -> None:
            if conn.get_execution_options().get("onrecord_write", False):
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")

        # A forked worker (ingest parsing, analysis) must not use or close the parent's connections.
        ref = weakref.ref(self.engine)

        def _after_fork() -> None:  # pragma: no cover - runs in the child
            engine = ref()
            if engine is not None:
                engine.dispose(close=False)

        os.register_at_fork(after_in_child=_after_fork)

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: committed on success, rolled back on any error."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(onrecord_write=True)
            with conn.begin():
                yield conn

    @contextlib.contextmanager
    def writer(self) -> Iterator[Connection]:
        """A connection for many write transactions (``with conn.begin(): ...`` each)."""
        with self.engine.connect() as conn:
            yield conn.execution_options(onrecord_write=True)

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction: a consistent snapshot (WAL on SQLite, REPEATABLE READ on PostgreSQL)."""
        with self.engine.connect() as conn:
            if self.dialect == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    def close(self) -> None:
        self.engine.dispose()
