"""Opening a store: URL resolution, SQLite pragmas (WAL), write transactions, migrations."""

from __future__ import annotations

import contextlib
import os
from typing import Iterator

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from ..errors import StoreError
from .migrations import migrate

__all__ = ["resolve_url", "Store"]


def resolve_url(db: str | os.PathLike) -> str:
    """A path becomes ``sqlite:///<absolute path>``; anything with ``://`` is taken as a URL."""
    text = os.fspath(db)
    if "://" in text:
        return text
    if text == ":memory:":
        return "sqlite://"
    return "sqlite:///" + os.path.abspath(text)


class Store:
    """An engine plus the project's conventions for it. Use :meth:`write` for every write."""

    def __init__(self, db: str | os.PathLike, busy_timeout: float = 30.0):
        self.url = resolve_url(db)
        try:
            self.engine: Engine = create_engine(self.url, future=True)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise StoreError(f"cannot open store {self.url!r}: {exc}") from exc
        self.dialect = self.engine.dialect.name
        if self.dialect == "sqlite":
            self._setup_sqlite(busy_timeout)
        try:
            with self.write() as conn:
                self.applied_migrations = migrate(conn)
        except OperationalError as exc:
            raise StoreError(f"cannot open store {self.url!r}: {exc.orig}") from exc

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
        """A read transaction (a consistent snapshot under WAL)."""
        with self.engine.connect() as conn:
            with conn.begin():
                yield conn

    def close(self) -> None:
        self.engine.dispose()
