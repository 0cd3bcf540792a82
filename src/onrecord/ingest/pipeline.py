"""Ingest: files -> importers -> one store transaction per document, with per-file error isolation."""

from __future__ import annotations

import os
import time
from typing import Any, Callable, Iterable

from sqlalchemy.exc import SQLAlchemyError

from .._types import IngestReport, Problem
from ..errors import InputError
from ..registry import get as registry_get
from ..store.engine import Store
from ..store.writer import finish_run, start_run, write_document
from .files import expand_paths, read_limited
from .formats import ImportOptions, format_for_path

__all__ = ["ingest_paths"]

ProgressFn = Callable[[dict[str, Any]], None]


def _problem(exc: InputError, default_path: str) -> Problem:
    return Problem(exc.path or default_path, exc.reason, exc.line)


def ingest_paths(
    store: Store,
    paths: Iterable[str | os.PathLike],
    options: ImportOptions,
    max_file_size: int,
    forced_format: str | None = None,
    progress: ProgressFn | None = None,
) -> IngestReport:
    """Ingest every file under ``paths``; never raises for bad input, reports it in ``problems``."""
    report = IngestReport()
    started = time.perf_counter()
    inputs = list(expand_paths(paths))
    files = [p for p in inputs if isinstance(p, str)]
    report.problems.extend(_problem(p, p.path or "") for p in inputs if isinstance(p, InputError))
    params = {"paths": [os.fspath(p) for p in paths], "format": forced_format, "speaker": options.speaker}
    with store.write() as conn:
        report.run_id = start_run(conn, "ingest", params, [])
    if progress:
        progress({"event": "start", "files": len(files)})
        for problem in report.problems:
            progress({"event": "problem", "problem": problem})
    interrupted = False
    try:
        for path in files:
            n_before = report.documents
            problems_before = len(report.problems)
            size = _ingest_file(store, path, options, max_file_size, forced_format, report)
            if progress:
                progress({"event": "file", "path": path, "bytes": size, "documents": report.documents - n_before})
                for problem in report.problems[problems_before:]:
                    progress({"event": "problem", "problem": problem})
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        report.seconds = time.perf_counter() - started
        with store.write() as conn:
            finish_run(conn, report.run_id, report.documents, report.problems, interrupted)
    return report


def _ingest_file(
    store: Store, path: str, options: ImportOptions, max_file_size: int, forced_format: str | None, report: IngestReport
) -> int:
    report.files += 1
    source_path = os.path.abspath(path)
    try:
        data = read_limited(path, max_file_size)
    except InputError as exc:
        report.problems.append(_problem(exc, path))
        return 0
    report.bytes += len(data)
    importer = registry_get("importers", format_for_path(path, forced_format))
    try:
        for item in importer(data, path, options):
            if isinstance(item, InputError):
                report.problems.append(_problem(item, path))
                continue
            item.source_path = source_path
            try:
                with store.write() as conn:
                    outcome, doc_id = write_document(conn, item, report.run_id, len(data))
            except SQLAlchemyError as exc:
                report.problems.append(Problem(path, f"store error, document not written: {getattr(exc, 'orig', exc)}"))
                continue
            {"added": report.added, "version": report.versions, "unchanged": report.unchanged}[outcome].append(doc_id)
    except InputError as exc:
        report.problems.append(_problem(exc, path))
    except Exception as exc:  # an importer bug must not end the batch; say what it was
        report.problems.append(Problem(path, f"internal error in {importer.__name__}: {type(exc).__name__}: {exc}"))
    return len(data)
