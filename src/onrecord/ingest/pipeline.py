"""Ingest: files -> importers -> the store, one atomic unit per document, with per-file error isolation.

Every document is written atomically: with ``commit_every=1`` in a transaction of its own; otherwise
under a SAVEPOINT of its own inside a transaction that is committed every ``commit_every`` documents
or ``commit_seconds`` seconds, whichever comes first (group commit: the per-commit WAL and FTS5
segment cost is paid once per group). Either way a failed document is rolled back alone, a crash
leaves only whole documents behind, and a re-run adds exactly what is missing.
"""

from __future__ import annotations

import os
import time
from functools import lru_cache
from typing import Any, Callable, Iterable

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from .._types import IngestReport, Problem
from .._workers import exit_with_parent, fork_context
from ..errors import InputError, StoreError, disk_full
from ..registry import get as registry_get
from ..store.engine import Store
from ..store.writer import recorded_run, write_document
from .files import expand_paths, read_limited
from .formats import ImportOptions, format_for_path
from .parquet import PARQUET_IMPORTER, stream_parquet_file

__all__ = ["ingest_paths"]

ProgressFn = Callable[[dict[str, Any]], None]


def _problem(exc: InputError, default_path: str) -> Problem:
    return Problem(exc.path or default_path, exc.reason, exc.line)


@lru_cache(maxsize=None)
def _importer(name: str):
    return registry_get("importers", name)


class _Writer:
    """Writes documents on one connection, committing per document or in bounded groups."""

    def __init__(self, conn: Connection, report: IngestReport, commit_every: int, commit_seconds: float):
        self.conn = conn
        self.report = report
        self.commit_every = max(1, commit_every)
        self.commit_seconds = commit_seconds
        self.speaker_ids: dict[str, int] = {}  # committed speakers only
        self._tx = None
        self._pending: list[tuple[str, int, str]] = []  # (outcome, doc_id, path) not yet committed
        self._pending_speakers: dict[str, int] = {}
        self._opened = 0.0
        self._dbapi_error = conn.dialect.loaded_dbapi.Error

    def write(self, item, path: str, size: int) -> None:
        if self.commit_every == 1:
            try:
                with self.conn.begin():
                    outcome, doc_id, created = write_document(self.conn, item, self.report.run_id, size, self.speaker_ids)
            except Exception as exc:  # rolled back; one bad document never ends the batch
                self._stop_if_full(exc, path, 1)
                self._failed(path, exc)
                return
            self.speaker_ids.update(created)
            self._record(outcome, doc_id)
            return
        if self._tx is None:
            self._tx = self.conn.begin()
            self._opened = time.monotonic()
        # A SAVEPOINT per document, issued on the DBAPI cursor (SQLAlchemy's begin_nested() costs
        # more than the document's own inserts); SAVEPOINT syntax is the same on SQLite and PostgreSQL.
        cursor = self.conn.connection.cursor()
        cursor.execute("SAVEPOINT onrecord_doc")
        try:
            known = {**self.speaker_ids, **self._pending_speakers}
            outcome, doc_id, created = write_document(self.conn, item, self.report.run_id, size, known)
        except Exception as exc:
            if disk_full(exc):  # SQLite may have rolled the whole group back already: drop it and stop
                cursor.close()
                self._stop_if_full(exc, path, len(self._pending) + 1)
            cursor.execute("ROLLBACK TO SAVEPOINT onrecord_doc")
            cursor.execute("RELEASE SAVEPOINT onrecord_doc")
            cursor.close()
            self._failed(path, exc)  # rolled back alone; one bad document never ends the batch
            return
        cursor.execute("RELEASE SAVEPOINT onrecord_doc")
        cursor.close()
        self._pending_speakers.update(created)
        self._pending.append((outcome, doc_id, path))
        if len(self._pending) >= self.commit_every or time.monotonic() - self._opened >= self.commit_seconds:
            self.commit()

    def commit(self) -> None:
        if self._tx is None:
            return
        tx, self._tx = self._tx, None
        pending, self._pending = self._pending, []
        created, self._pending_speakers = self._pending_speakers, {}
        try:
            tx.commit()
        except (SQLAlchemyError, self._dbapi_error) as exc:
            try:  # a failed COMMIT leaves the transaction open: without this, the next begin() raises
                tx.rollback()
            except (SQLAlchemyError, self._dbapi_error):
                pass
            if pending:
                self._stop_if_full(exc, pending[-1][2], len(pending))
            for _, _, path in pending:
                self._failed(path, exc)
            return
        self.speaker_ids.update(created)
        for outcome, doc_id, _ in pending:
            self._record(outcome, doc_id)

    def _stop_if_full(self, exc: BaseException, path: str, lost: int) -> None:
        """A full disk ends the batch: every later write would fail too. The open group is rolled back
        (the store keeps what was committed, all of it whole); one problem is recorded; StoreError."""
        if not disk_full(exc):
            return
        tx, self._tx, self._pending, self._pending_speakers = self._tx, None, [], {}
        if tx is not None and tx.is_active:
            try:
                tx.rollback()
            except (SQLAlchemyError, self._dbapi_error):
                pass
        reason = (f"disk full: the store cannot grow ({getattr(exc, 'orig', exc)}); the batch stopped here, "
                  f"{lost} document(s) not written")
        self.report.problems.append(Problem(path, reason))
        raise StoreError(f"{reason}; free some space and run the same command again (what was stored is whole)") from exc

    def _record(self, outcome: str, doc_id: int) -> None:
        r = self.report
        {"added": r.added, "version": r.versions, "unchanged": r.unchanged}[outcome].append(doc_id)

    def _failed(self, path: str, exc: Exception) -> None:
        if isinstance(exc, (SQLAlchemyError, self._dbapi_error)):
            reason = f"store error, document not written: {getattr(exc, 'orig', exc)}"
        else:
            reason = f"document not written: {type(exc).__name__}: {exc}"
        self.report.problems.append(Problem(path, reason))


def _load_file(path: str, options: ImportOptions, max_file_size: int, forced_format: str | None):
    """Read and parse one file: ``(path, size, [DocumentInput | Problem, ...])``. Runs in workers."""
    try:
        data = read_limited(path, max_file_size)
    except InputError as exc:
        return path, 0, [_problem(exc, path)]
    items: list = []
    source_path = os.path.abspath(path)
    try:
        for item in _importer(format_for_path(path, forced_format))(data, path, options):
            if isinstance(item, InputError):
                items.append(_problem(item, path))
            else:
                item.source_path = source_path
                items.append(item)
    except InputError as exc:
        items.append(_problem(exc, path))
    except Exception as exc:  # an importer bug must not end the batch; say what it was
        items.append(Problem(path, f"internal error (a bug, please report it): {type(exc).__name__}: {exc}"))
    return path, len(data), items


def _load_star(args):
    return _load_file(*args)


def _loaded_files(files: list[str], options: ImportOptions, max_file_size: int, forced_format: str | None, workers: int):
    """Parsed files, then the Parquet files, streamed here row batch by row batch (any size, bounded
    memory; ``max_file_size`` limits each row's text instead)."""
    streamed = [p for p in files if format_for_path(p, forced_format) == PARQUET_IMPORTER]
    if streamed:
        skip = set(streamed)
        files = [p for p in files if p not in skip]
    yield from _parsed_files(files, options, max_file_size, forced_format, workers)
    for path in streamed:
        yield stream_parquet_file(path, options, max_file_size)


def _parsed_files(files: list[str], options: ImportOptions, max_file_size: int, forced_format: str | None, workers: int):
    """Parsed files in input order; large batches are parsed in worker processes while we write.

    Workers (see ``_workers.fork_context``) only read files and parse, never touch the store. If the
    pool breaks, the remaining files are parsed here instead.
    """
    if workers < 1 or len(files) < PARALLEL_MIN_FILES:
        for path in files:
            yield _load_file(path, options, max_file_size, forced_format)
        return
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    done = 0
    try:
        with ProcessPoolExecutor(workers, mp_context=fork_context(), initializer=exit_with_parent, initargs=(os.getpid(),)) as pool:
            jobs = ((p, options, max_file_size, forced_format) for p in files)
            for loaded in pool.map(_load_star, jobs, chunksize=16):
                done += 1
                yield loaded
    except BrokenProcessPool:
        for path in files[done:]:
            yield _load_file(path, options, max_file_size, forced_format)


#: Below this many files, parsing in worker processes costs more than it saves.
PARALLEL_MIN_FILES = 400


def ingest_paths(
    store: Store,
    paths: Iterable[str | os.PathLike],
    options: ImportOptions,
    max_file_size: int,
    forced_format: str | None = None,
    progress: ProgressFn | None = None,
    commit_every: int = 1000,
    commit_seconds: float = 1.0,
    workers: int = 1,
) -> IngestReport:
    """Ingest every file under ``paths``; never raises for bad input, reports it in ``problems``.

    ``workers`` >= 1 parses large batches in that many worker processes while this process writes.
    """
    report = IngestReport()
    started = time.perf_counter()
    paths = list(paths)
    inputs = list(expand_paths(paths))
    files = [p for p in inputs if isinstance(p, str)]
    report.problems.extend(_problem(p, p.path or "") for p in inputs if isinstance(p, InputError))
    params = {"paths": [os.fspath(p) for p in paths], "format": forced_format, "speaker": options.speaker}
    with recorded_run(store, "ingest", params, [], report, lambda: report.documents, started):
        if progress:
            progress({"event": "start", "files": len(files)})
            for problem in report.problems:
                progress({"event": "problem", "problem": problem})
        with store.writer() as conn:
            writer = _Writer(conn, report, commit_every, commit_seconds)
            try:
                for path, size, items in _loaded_files(files, options, max_file_size, forced_format, workers):
                    problems_before, written = len(report.problems), 0
                    report.files += 1
                    report.bytes += size
                    for item in items:
                        if isinstance(item, Problem):
                            report.problems.append(item)
                        else:
                            writer.write(item, path, size)
                            written += 1
                    if progress:
                        progress({"event": "file", "path": path, "bytes": size, "documents": written})
                        for problem in report.problems[problems_before:]:
                            progress({"event": "problem", "problem": problem})
            finally:
                before = len(report.problems)
                writer.commit()
                if progress:  # documents of the last group that failed at its commit get their lines too
                    for problem in report.problems[before:]:
                        progress({"event": "problem", "problem": problem})
    return report
