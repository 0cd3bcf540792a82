"""Table definitions (SQLAlchemy Core). Changed only together with a migration in ``migrations.py``."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "metadata",
    "schema_migrations",
    "documents",
    "document_meta",
    "sources",
    "speakers",
    "document_speakers",
    "annotations",
    "runs",
    "analysis_state",
    "prediction_verdicts",
]

metadata = MetaData()

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

# Text stored once; rows are never updated. A changed source becomes a new row linked by previous_id.
documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("text", Text, nullable=False),
    Column("n_chars", Integer, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("previous_id", Integer, ForeignKey("documents.id"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

document_meta = Table(
    "document_meta",
    metadata,
    Column("doc_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("date", Date, nullable=True, index=True),
    Column("outlet", String(500), nullable=True, index=True),
    Column("programme", String(500), nullable=True),
    Column("title", Text, nullable=True),
    Column("author", String(500), nullable=True),
    Column("language", String(20), nullable=True),
    Column("url", Text, nullable=True),
    Column("format", String(50), nullable=False),
    Column("encoding", String(50), nullable=True),
    Column("extra", JSON, nullable=False, default=dict),
)

# Where a document was seen: one row per (document, path, key-within-file).
sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("doc_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("path", Text, nullable=False),
    Column("key", String(500), nullable=False, default=""),
    Column("size", Integer, nullable=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=True),
    Column("seen_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("doc_id", "path", "key", name="uq_sources_doc_path_key"),
    Index("ix_sources_path_key", "path", "key"),
)

speakers = Table(
    "speakers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(500), nullable=False, unique=True),
)

document_speakers = Table(
    "document_speakers",
    metadata,
    Column("doc_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("speaker_id", Integer, ForeignKey("speakers.id"), primary_key=True, index=True),
    Column("n_turns", Integer, nullable=False),
    Column("first_start", Integer, nullable=False),
)

annotations = Table(
    "annotations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("doc_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("layer", String(100), nullable=False),
    Column("label", String(500), nullable=False),
    Column("attrs", JSON, nullable=False, default=dict),
    Column("score", Float, nullable=True),
    Column("source", String(200), nullable=False),
    Column("verified", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_annotations_doc_layer", "doc_id", "layer", "start"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(50), nullable=False),
    Column("status", String(20), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("analyzers", JSON, nullable=False, default=list),
    Column("params", JSON, nullable=False, default=dict),
    Column("n_ok", Integer, nullable=False, default=0),
    Column("n_failed", Integer, nullable=False, default=0),
    Column("problems", JSON, nullable=False, default=list),
)

# Which version of each analyzer (stage) last analysed a document: the re-run rule reads it.
analysis_state = Table(
    "analysis_state",
    metadata,
    Column("doc_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("stage_base", String(200), primary_key=True),
    Column("stage", String(200), nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=True),
    Column("n_annotations", Integer, nullable=False),
    Column("analysed_at", DateTime(timezone=True), nullable=False),
    Index("ix_analysis_state_stage", "stage"),
)

# Human verdicts on predictions: one row per decision (the newest is current; earlier ones are kept).
prediction_verdicts = Table(
    "prediction_verdicts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("annotation_id", Integer, ForeignKey("annotations.id"), nullable=False, index=True),
    Column("outcome", String(20), nullable=False),
    Column("evidence", Text, nullable=True),
    Column("note", Text, nullable=True),
    Column("decided_by", String(200), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
)


# Machine annotations a person rejected (deleted, or corrected to another label): re-analysis does not add
# them back. Keyed like the runner's duplicate check: (doc, start, end, layer, label).
annotation_rejections = Table(
    "annotation_rejections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("doc_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("layer", String(100), nullable=False),
    Column("label", String(500), nullable=False),
    Column("source", String(200), nullable=False),
    Column("decided_by", String(200), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("reason", Text, nullable=True),
)


# Sentence embeddings for semantic search: one row per sentence annotation span and model (float16 bytes).
sentence_vectors = Table(
    "sentence_vectors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("doc_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("model", String(200), nullable=False, index=True),
    Column("vector", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
