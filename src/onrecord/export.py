"""Built-in exporters: JSONL (documents with all annotations), CSV (one row per annotation), Parquet
(one file, or a dataset folder partitioned by date), PTC (technique spans as SemEval-2020 Task 11 label lines), DNA (a DNA 3 ``.dna`` database).

Each exporter is registered by name and has the signature
``exporter(records: Iterable[dict], out: BinaryIO | TextIO path) -> int`` (records written). A record is
the dict made by :func:`document_record`; JSONL records are read back by ``onrecord ingest``.
"""

from __future__ import annotations

import csv
import json
import os
from typing import Any, Iterable, Iterator

from ._types import Annotation
from .registry import exporters

__all__ = ["document_record", "EXPORT_FORMATS", "format_for_export", "ptc_article_id"]

EXPORT_FORMATS = {"jsonl": "onrecord.export.jsonl.v1", "csv": "onrecord.export.csv.v1", "parquet": "onrecord.export.parquet.v1",
                  "parquet-dataset": "onrecord.export.parquet_dataset.v1", "ptc": "onrecord.export.ptc.v1", "dna": "onrecord.export.dna.v1"}


def format_for_export(path: str, forced: str | None = None) -> str:
    """The exporter for ``path``: a forced format, else by extension; a folder (an existing one, or a
    path ending in ``/``) gets a Parquet dataset; anything else JSONL."""
    if forced:
        return EXPORT_FORMATS.get(forced.lower(), forced)
    if path.endswith(("/", os.sep)) or os.path.isdir(path):
        return EXPORT_FORMATS["parquet-dataset"]
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    return EXPORT_FORMATS.get({"ndjson": "jsonl", "pq": "parquet", "labels": "ptc"}.get(ext, ext), EXPORT_FORMATS["jsonl"])


def document_record(
    row: dict[str, Any], annotations: list[Annotation], speakers: list[tuple[str, int]], sources: list[str] | None = None
) -> dict[str, Any]:
    """The exported form of one document (also the JSONL line). ``sources``, the paths the document was
    ingested from, are added as ``"sources"`` when given (the PTC exporter takes article ids from them)."""
    meta = {k: row[k] for k in ("date", "outlet", "programme", "title", "author", "language", "url", "format", "encoding")}
    meta["date"] = meta["date"].isoformat() if meta["date"] else None
    meta["extra"] = row["extra"] or {}
    return {
        "id": row["id"],
        "sha256": row["sha256"],
        "version": row["version"],
        "previous_id": row["previous_id"],
        "created_at": row["created_at"].isoformat() if row["created_at"] else None,
        "meta": meta,
        "speakers": [{"name": n, "turns": t} for n, t in speakers],
        "text": row["text"],
        "annotations": [a.to_dict() for a in annotations],
        **({"sources": list(sources)} if sources is not None else {}),
    }


@exporters.register("onrecord.export.jsonl.v1")
def export_jsonl(records: Iterable[dict[str, Any]], out: str) -> int:
    n = 0
    with open(out, "w", encoding="utf-8", newline="\n") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
            n += 1
    return n


CSV_COLUMNS = ["doc_id", "sha256", "date", "layer", "label", "start", "end", "text", "score", "source", "verified", "attrs", "annotation_id", "created_at"]


def _annotation_rows(record: dict[str, Any]) -> Iterable[dict[str, Any]]:
    text = record["text"]
    for a in record["annotations"]:
        yield {
            "doc_id": record["id"],
            "sha256": record["sha256"],
            "date": record["meta"]["date"],
            "layer": a["layer"],
            "label": a["label"],
            "start": a["start"],
            "end": a["end"],
            "text": text[a["start"] : a["end"]],
            "score": a["score"],
            "source": a["source"],
            "verified": a["verified"],
            "attrs": json.dumps(a["attrs"], ensure_ascii=False, sort_keys=True),
            "annotation_id": a["id"],
            "created_at": a["created_at"],
        }


@exporters.register("onrecord.export.csv.v1")
def export_csv(records: Iterable[dict[str, Any]], out: str) -> int:
    """One row per annotation, with the covered text (offsets in code points of the stored text)."""
    n = 0
    with open(out, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for record in records:
            for row in _annotation_rows(record):
                writer.writerow(row)
                n += 1
    return n


def _parquet_schema():
    import pyarrow as pa

    ann_type = pa.struct(
        [("id", pa.int64()), ("start", pa.int64()), ("end", pa.int64()), ("layer", pa.string()), ("label", pa.string()),
         ("attrs", pa.string()), ("score", pa.float64()), ("source", pa.string()), ("verified", pa.bool_()), ("created_at", pa.string())]
    )
    return pa.schema(
        [("id", pa.int64()), ("sha256", pa.string()), ("version", pa.int64()), ("previous_id", pa.int64()),
         ("date", pa.date32()), ("outlet", pa.string()), ("programme", pa.string()), ("title", pa.string()),
         ("author", pa.string()), ("language", pa.string()), ("url", pa.string()), ("format", pa.string()), ("encoding", pa.string()),
         ("extra", pa.string()), ("speakers", pa.list_(pa.string())), ("text", pa.string()), ("annotations", pa.list_(ann_type))]
    )


def _parquet_row(record: dict[str, Any]) -> dict[str, Any]:
    """One document as a Parquet row: metadata as columns, annotations as a nested list (attrs and
    extra as JSON strings)."""
    import datetime as dt

    m = record["meta"]
    return {
        "id": record["id"], "sha256": record["sha256"], "version": record["version"], "previous_id": record["previous_id"],
        "date": dt.date.fromisoformat(m["date"]) if m["date"] else None,
        **{k: m.get(k) for k in ("outlet", "programme", "title", "author", "language", "url", "format", "encoding")},
        "extra": json.dumps(m["extra"], ensure_ascii=False, sort_keys=True),
        "speakers": [s["name"] for s in record["speakers"]],
        "text": record["text"],
        "annotations": [{**a, "attrs": json.dumps(a["attrs"], ensure_ascii=False, sort_keys=True)} for a in record["annotations"]],
    }


def _parquet_batches(records: Iterable[dict[str, Any]], schema, batch_size: int, extra_columns=None) -> Iterator[Any]:
    import pyarrow as pa

    batch: list[dict[str, Any]] = []
    for record in records:
        row = _parquet_row(record)
        if extra_columns:
            row.update(extra_columns(row))
        batch.append(row)
        if len(batch) >= batch_size:
            yield pa.RecordBatch.from_pylist(batch, schema=schema)
            batch = []
    if batch:
        yield pa.RecordBatch.from_pylist(batch, schema=schema)


@exporters.register("onrecord.export.parquet.v1")
def export_parquet(records: Iterable[dict[str, Any]], out: str, batch_size: int = 1000) -> int:
    """One row per document, annotations as a nested list (attrs and extra as JSON strings)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _parquet_schema()
    n = 0
    with pq.ParquetWriter(out, schema) as writer:
        for batch in _parquet_batches(records, schema, batch_size):
            writer.write_batch(batch)
            n += batch.num_rows
        if n == 0:
            writer.write_table(pa.Table.from_pylist([], schema=schema))
    return n


#: Partition folders of a Parquet dataset export: ``year=2025/month=6/`` (hive style).
DATASET_PARTITIONS = ("year", "month")


@exporters.register("onrecord.export.parquet_dataset.v1")
def export_parquet_dataset(records: Iterable[dict[str, Any]], out: str, batch_size: int = 1000) -> int:
    """A Parquet dataset in the folder ``out``, hive-partitioned by document date:
    ``out/year=2025/month=6/part-0.parquet`` (undated documents under ``year=__HIVE_DEFAULT_PARTITION__``).
    Each row is a document as in the ``.parquet`` export (metadata columns with the full ``date``,
    annotations as a nested list), plus the ``year`` and ``month`` partition columns; ``onrecord ingest
    out/`` reads it back with its annotations. Written in batches: memory stays bounded."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    from .errors import ConfigError

    if os.path.exists(out) and (not os.path.isdir(out) or os.listdir(out)):
        raise ConfigError(f"{out} exists and is not an empty folder; a Parquet dataset is written into a new or empty folder")
    schema = _parquet_schema().append(pa.field("year", pa.int32())).append(pa.field("month", pa.int32()))
    count = 0

    def parts(row: dict[str, Any]) -> dict[str, Any]:
        d = row["date"]
        return {"year": d.year if d else None, "month": d.month if d else None}

    def counted(batches: Iterator[Any]) -> Iterator[Any]:
        nonlocal count
        for batch in batches:
            count += batch.num_rows
            yield batch

    os.makedirs(out, exist_ok=True)
    ds.write_dataset(
        counted(_parquet_batches(records, schema, batch_size, parts)), out, schema=schema, format="parquet",
        partitioning=ds.partitioning(pa.schema([("year", pa.int32()), ("month", pa.int32())]), flavor="hive"),
        basename_template="part-{i}.parquet", existing_data_behavior="overwrite_or_ignore",
        max_rows_per_group=batch_size * 64, max_open_files=256,
    )
    return count


def ptc_article_id(record: dict[str, Any]) -> str:
    """The PTC article id of an exported document: the digits of the file name it was ingested from
    (``article123.txt`` -> ``123``; the first source path whose name has digits, from
    ``record["sources"]``, else the metadata ``extra`` keys ``article_id``, ``source_path``, ``path`` or
    ``file``). A document with no digits in any of these is exported under its **document id**
    (``record["id"]``), so its labels stay distinct but do not name a PTC article."""
    from .evaluation.ptc import article_id

    extra = (record.get("meta") or {}).get("extra") or {}
    candidates = [*(record.get("sources") or []), *(str(extra[k]) for k in ("article_id", "source_path", "path", "file") if extra.get(k))]
    for name in candidates:
        found = article_id(name)
        if found is not None:
            return found
    return str(record["id"])


@exporters.register("onrecord.export.ptc.v1")
def export_ptc(records: Iterable[dict[str, Any]], out: str) -> int:
    """The ``technique`` layer as PTC label lines in one file: ``article_id<TAB>technique<TAB>start<TAB>end``
    (offsets in code points of the stored text, which for a PTC article is the article file itself;
    see :func:`ptc_article_id` for the id). Other layers are left out. Returns the lines written."""
    from .evaluation.ptc import Label, write_labels

    labels = []
    for record in records:
        aid = ptc_article_id(record)
        labels += [Label(aid, int(a["start"]), int(a["end"]), a["label"]) for a in record["annotations"]
                   if a["layer"] == "technique" and int(a["end"]) > int(a["start"])]
    return write_labels(labels, out)


@exporters.register("onrecord.export.dna.v1")
def export_dna(records: Iterable[dict[str, Any]], out: str, password: str | None = None) -> int:
    """A DNA 3 database (Discourse Network Analyzer): documents, and the ``statement`` and ``dna``
    layers as DNA statements with their coders; every coder's password is ``password`` (default
    ``onrecord``). See ``onrecord.networks.dnastore`` and docs/networks.md. Returns statements written."""
    from .networks.dnastore import export_dna as write_project

    return write_project(records, out, password=password)
