"""Parquet files and datasets: one document per row, read in record batches (bounded memory).

A ``.parquet`` file is read row group by row group, :data:`BATCH_ROWS` rows at a time; a folder (or a
``--format parquet`` path) is a dataset whose files are read one after the other. Hive partition
folders (``date=2025-06-01/part-0.parquet``, ``year=2025/month=6/...``) give their values to every row
of the files below them, like columns (a column of the file wins). Columns are mapped like JSONL/CSV
fields (``text``, ``date``, ``outlet``, ..., ``id``; ``--column FIELD=NAME``); other columns go to the
document's ``extra`` metadata. Rows written by ``onrecord export --format parquet-dataset`` (or
``.parquet``) are restored with their annotations.

Identity: a row's key is its ``id`` column, else ``row N`` (with the file's path inside the dataset);
rows of a partitioned dataset are sources of the dataset's root folder, so a document that moves to
another partition or part file keeps its identity. A bad row (no text, a bad date, text over the size
limit) is one error with its row number; the rest of the file goes on.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Iterator, Mapping
from urllib.parse import unquote

from .._types import DocumentInput, Problem
from ..errors import FormatError, InputError
from ..registry import importers
from .decode import normalise_text
from .formats import ImportOptions, _restore_export_row, build_document, guarded
from .frontmatter import meta_from_mapping

__all__ = ["PARQUET_IMPORTER", "hive_partition", "read_parquet", "stream_parquet_file"]

PARQUET_IMPORTER = "onrecord.parquet.v1"
#: Rows decoded at a time.
BATCH_ROWS = 512
_HIVE = re.compile(r"^([^=/\\]+)=(.*)$")
_HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
#: Columns of an onrecord Parquet export that hold the document's metadata.
_EXPORT_META = ("date", "outlet", "programme", "title", "author", "language", "url", "format", "encoding")


def hive_partition(path: str) -> tuple[str, dict[str, str | None]]:
    """``(dataset root, partition values)`` of a file below hive partition folders:
    ``data/date=2025-06-01/part-0.parquet`` -> ``("data", {"date": "2025-06-01"})``. A file not in a
    partition folder is its own root."""
    folder, values = os.path.dirname(path), []
    while True:
        head, tail = os.path.split(folder)
        m = _HIVE.match(tail) if tail else None
        if not m:
            break
        value = unquote(m.group(2))
        values.append((unquote(m.group(1)), None if value == _HIVE_NULL else value))
        folder = head
    if not values:
        return path, {}
    return folder or ".", dict(reversed(values))


def _export_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row of an onrecord Parquet export in the shape of an exported JSONL line."""
    extra = row.get("extra")
    if isinstance(extra, str):
        try:
            extra = json.loads(extra)
        except ValueError:
            raise FormatError("extra is not valid JSON") from None
    meta = {k: row.get(k) for k in _EXPORT_META}
    if meta["date"] is not None and not isinstance(meta["date"], str):
        meta["date"] = meta["date"].isoformat()
    meta["extra"] = extra or {}
    annotations = []
    for a in row["annotations"]:
        a = dict(a or {})
        if isinstance(a.get("attrs"), str):
            try:
                a["attrs"] = json.loads(a["attrs"])
            except ValueError:
                raise FormatError("an annotation's attrs is not valid JSON") from None
        annotations.append(a)
    return {"sha256": row["sha256"], "key": row.get("key"), "text": row.get("text"), "meta": meta, "annotations": annotations}


def _row_document(row: Mapping[str, Any], path: str, number: int, key: str, options: ImportOptions, max_chars: int | None) -> DocumentInput:
    if "sha256" in row and isinstance(row.get("annotations"), list) and isinstance(row.get("text"), str):
        doc = _restore_export_row(_export_row(row), path, number, "utf-8")
    else:
        text, doc_key, meta = meta_from_mapping(row, options.columns, want_text=True)
        if text is None:
            wanted = options.columns.get("text") or "text/body/content/transcript"
            raise FormatError(f"no text field ({wanted})")
        if max_chars is not None and len(text) > max_chars:
            raise FormatError(f"text is {len(text):,} characters, over the limit of {max_chars:,} (raise it with --max-file-size)")
        doc = build_document(normalise_text(text), meta, "parquet", path, doc_key or key, None, options)
    if max_chars is not None and len(doc.text) > max_chars:
        raise FormatError(f"text is {len(doc.text):,} characters, over the limit of {max_chars:,} (raise it with --max-file-size)")
    return doc


def _guarded(row: Mapping[str, Any], path: str, number: int, key: str, options: ImportOptions, max_chars: int | None):
    return guarded(lambda: _row_document(row, path, number, key, options, max_chars), path, number)


def read_parquet(source: Any, path: str, options: ImportOptions, *, partitions: Mapping[str, Any] | None = None,
                 key_prefix: str = "", max_chars: int | None = None) -> Iterator[DocumentInput | InputError]:
    """Documents (or one error per bad row, numbered from 1) of the Parquet file ``source`` (a path or
    a pyarrow buffer), :data:`BATCH_ROWS` rows at a time. A file that is not Parquet is raised."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(source)
    except (pa.ArrowException, OSError) as exc:
        raise FormatError(f"not a readable Parquet file: {exc}", path) from None
    partitions = dict(partitions or {})
    number = 0
    try:
        for batch in handle.iter_batches(batch_size=BATCH_ROWS):
            for row in batch.to_pylist():
                number += 1
                if partitions:
                    row = {**partitions, **row}
                yield _guarded(row, path, number, f"{key_prefix}row {number}", options, max_chars)
    except (pa.ArrowException, OSError) as exc:  # a damaged row group: what was read stays, the file ends
        yield FormatError(f"Parquet data cannot be read past this row: {exc}", path, number + 1)
    finally:
        handle.close()


def stream_parquet_file(path: str, options: ImportOptions, max_chars: int | None = None):
    """``(path, size, items)`` for the ingest pipeline: ``items`` is a generator of documents and
    problems, so a file of any size is ingested in bounded memory."""
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        return path, 0, [Problem(path, f"cannot read: {exc.strerror or exc}")]
    root, partitions = hive_partition(path)
    if root == path:
        source_path, prefix = os.path.abspath(path), ""
    else:
        source_path, prefix = os.path.abspath(root), os.path.relpath(path, root).replace(os.sep, "/") + " "

    def items() -> Iterator[DocumentInput | Problem]:
        try:
            for item in read_parquet(path, path, options, partitions=partitions, key_prefix=prefix, max_chars=max_chars):
                if isinstance(item, InputError):
                    yield Problem(item.path or path, item.reason, item.line)
                else:
                    item.source_path = source_path
                    yield item
        except InputError as exc:
            yield Problem(exc.path or path, exc.reason, exc.line)
        except Exception as exc:  # an importer bug must not end the batch; say what it was
            yield Problem(path, f"internal error (a bug, please report it): {type(exc).__name__}: {exc}")

    return path, size, items()


@importers.register(PARQUET_IMPORTER)
def import_parquet(data: bytes, path: str, options: ImportOptions) -> Iterator[DocumentInput | InputError]:
    """A Parquet file: one document per row (text + metadata columns, or an onrecord Parquet export).
    ``onrecord ingest`` streams Parquet files and datasets from disk instead of reading them whole."""
    import pyarrow as pa

    if not data:
        raise FormatError("empty file (0 bytes)")
    root, partitions = hive_partition(path)
    yield from read_parquet(pa.BufferReader(data), path, options, partitions=partitions)
