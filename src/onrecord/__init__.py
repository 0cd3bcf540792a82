"""onrecord: rebuild, checkably, the system a political commentator describes.

    >>> import onrecord
    >>> corpus = onrecord.open("onrecord.db")
    >>> report = corpus.ingest(["examples/corpus"], speaker="Alexander Dugin")
    >>> for doc in corpus.documents(since="2025-01-01"):
    ...     print(doc.id, doc.date, [t.label for t in doc.layer("turn")])
"""

from __future__ import annotations

from ._types import Annotation, DocumentInput, IngestReport, Meta, Problem
from .corpus import Corpus, Document, open_corpus
from .errors import (
    ConfigError,
    DateError,
    DecodeError,
    FormatError,
    InputError,
    MigrationError,
    NotFoundError,
    OnrecordError,
    RegistryError,
    SizeLimitError,
    StoreError,
)

__version__ = "0.1.0"

open = open_corpus  # noqa: A001 - the public name is onrecord.open(db)

__all__ = [
    "__version__",
    "open",
    "Corpus",
    "Document",
    "Annotation",
    "Meta",
    "DocumentInput",
    "IngestReport",
    "Problem",
    "OnrecordError",
    "StoreError",
    "MigrationError",
    "NotFoundError",
    "InputError",
    "DecodeError",
    "FormatError",
    "DateError",
    "SizeLimitError",
    "ConfigError",
    "RegistryError",
]
