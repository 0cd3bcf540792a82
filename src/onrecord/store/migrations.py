"""Numbered, recorded schema migrations.

Each migration is a function ``(connection) -> None`` applied once, in order, inside one transaction,
and recorded in ``schema_migrations``. A store whose recorded version is newer than the newest
migration known here is refused rather than misread.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

from sqlalchemy import Connection, inspect, select

from ..errors import MigrationError
from . import schema
from .fts import FTS_COLUMN, FTS_CONFIG, FTS_FUNCTION

__all__ = ["MIGRATIONS", "migrate", "current_version"]

Migration = Callable[[Connection], None]


def _m001_initial(conn: Connection) -> None:
    tables = [
        schema.runs,
        schema.documents,
        schema.document_meta,
        schema.sources,
        schema.speakers,
        schema.document_speakers,
        schema.annotations,
    ]
    schema.metadata.create_all(conn, tables=tables)
    if conn.dialect.name == "sqlite":
        # External-content FTS5 index over documents.text; rows are added by the writer.
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE document_fts USING fts5("
            "text, content='documents', content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
    elif conn.dialect.name == "postgresql":
        # A generated tsvector column with a GIN index; PostgreSQL keeps it filled. 'simple' (lower case,
        # no stemming, no stop words) matches the SQLite FTS5 tokenizer; queries are translated (fts.py).
        # A tsvector holds at most 1 MB: for a text whose words exceed that, the longest prefix that fits
        # is indexed (halving until it does) rather than the document being refused.
        conn.exec_driver_sql(
            f"CREATE FUNCTION {FTS_FUNCTION}(doc text) RETURNS tsvector LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$\n"
            "DECLARE n integer := length(doc);\n"
            "BEGIN\n"
            "  LOOP\n"
            "    BEGIN\n"
            f"      RETURN to_tsvector('{FTS_CONFIG}'::regconfig, left(doc, n));\n"
            "    EXCEPTION WHEN program_limit_exceeded THEN n := n / 2;\n"
            "    END;\n"
            "  END LOOP;\n"
            "END $$"
        )
        conn.exec_driver_sql(
            f"ALTER TABLE documents ADD COLUMN {FTS_COLUMN} tsvector GENERATED ALWAYS AS ({FTS_FUNCTION}(text)) STORED"
        )
        conn.exec_driver_sql(f"CREATE INDEX ix_documents_fts ON documents USING GIN ({FTS_COLUMN})")


def _m002_analysis_state(conn: Connection) -> None:
    schema.metadata.create_all(conn, tables=[schema.analysis_state])
    conn.exec_driver_sql("CREATE INDEX ix_annotations_doc_source ON annotations (doc_id, source)")


def _m003_prediction_verdicts(conn: Connection) -> None:
    schema.metadata.create_all(conn, tables=[schema.prediction_verdicts])


def _m004_annotation_rejections(conn: Connection) -> None:
    schema.metadata.create_all(conn, tables=[schema.annotation_rejections])


def _m005_sentence_vectors(conn: Connection) -> None:
    schema.metadata.create_all(conn, tables=[schema.sentence_vectors])


def _m006_annotations_label_layer(conn: Connection) -> None:
    # Annotations with a given label in a layer (label lists, actor / concept profiles, "documents with
    # actor X"): an index-only lookup instead of a scan of every annotation. Label first, so that queries
    # on a layer alone keep their plans through (doc_id, layer) (network statements by date window).
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_annotations_label_layer ON annotations (label, layer, doc_id)")


def _m007_annotations_holder(conn: Connection) -> None:
    # Statements and predictions by holder (the actor profile): an index on the holder attribute, the same
    # expression that queries.holder_of() writes.
    expression = "json_extract(attrs, '$.holder')" if conn.dialect.name == "sqlite" else "(attrs ->> 'holder')"
    conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS ix_annotations_holder ON annotations ({expression})")


MIGRATIONS: tuple[tuple[int, str, Migration], ...] = (
    (1, "initial schema: documents, meta, sources, speakers, annotations, runs, FTS", _m001_initial),
    (2, "analysis_state: the analyzer versions that analysed each document", _m002_analysis_state),
    (3, "prediction_verdicts: human verdicts on predictions", _m003_prediction_verdicts),
    (4, "annotation_rejections: machine annotations a person deleted or relabelled", _m004_annotation_rejections),
    (5, "sentence_vectors: sentence embeddings for semantic search", _m005_sentence_vectors),
    (6, "index annotations by label and layer (workbench lists and profiles)", _m006_annotations_label_layer),
    (7, "index annotations by holder (actor profiles)", _m007_annotations_holder),
)


def current_version(conn: Connection) -> int:
    if not inspect(conn).has_table("schema_migrations"):
        return 0
    row = conn.execute(select(schema.schema_migrations.c.version).order_by(schema.schema_migrations.c.version.desc()).limit(1)).first()
    return row[0] if row else 0


def migrate(conn: Connection) -> list[int]:
    """Apply every migration newer than the store's version; returns the versions applied."""
    schema.metadata.create_all(conn, tables=[schema.schema_migrations])
    version = current_version(conn)
    newest = MIGRATIONS[-1][0]
    if version > newest:
        raise MigrationError(
            f"the store is at schema version {version}, newer than this onrecord knows ({newest}); upgrade onrecord"
        )
    applied = []
    for number, name, step in MIGRATIONS:
        if number <= version:
            continue
        try:
            step(conn)
        except Exception as exc:  # pragma: no cover - reported with the migration's name
            raise MigrationError(f"migration {number} ({name}) failed: {exc}") from exc
        conn.execute(
            schema.schema_migrations.insert().values(version=number, name=name, applied_at=dt.datetime.now(dt.timezone.utc))
        )
        applied.append(number)
    return applied
