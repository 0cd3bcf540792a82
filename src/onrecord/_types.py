"""The value types of onrecord, in one module."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["Annotation", "Meta", "DocumentInput", "Problem", "IngestReport", "META_FIELDS", "speaker_test"]

def speaker_test(speaker: str | None) -> Callable[[Any], bool]:
    """Whether an annotation's ``speaker`` attribute names ``speaker`` (case-insensitive, a missing one
    is ""); without ``speaker`` every value passes. The one rule of every ``--speaker`` filter."""
    if not speaker:
        return lambda value: True
    wanted = speaker.casefold()
    return lambda value: ("" if value is None else str(value)).casefold() == wanted


#: Document metadata with a column of its own; anything else goes to ``Meta.extra``.
META_FIELDS = ("date", "outlet", "programme", "title", "author", "language", "url")


@dataclass(frozen=True)
class Annotation:
    """A standoff annotation: half-open ``[start, end)`` in code points of the stored text."""

    start: int
    end: int
    layer: str
    label: str
    attrs: dict[str, Any] = field(default_factory=dict)
    score: float | None = None
    source: str = ""
    verified: bool = False
    id: int | None = None
    doc_id: int | None = None
    created_at: dt.datetime | None = None

    def text_of(self, text: str) -> str:
        return text[self.start : self.end]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "start": self.start,
            "end": self.end,
            "layer": self.layer,
            "label": self.label,
            "attrs": self.attrs,
            "score": self.score,
            "source": self.source,
            "verified": self.verified,
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }


@dataclass
class Meta:
    date: dt.date | None = None
    outlet: str | None = None
    programme: str | None = None
    title: str | None = None
    author: str | None = None
    language: str | None = None
    url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def merged(self, other: "Meta") -> "Meta":
        """``self`` with the fields it lacks taken from ``other`` (``self`` wins)."""
        values = {name: getattr(self, name) if getattr(self, name) is not None else getattr(other, name) for name in META_FIELDS}
        return Meta(**values, extra={**other.extra, **self.extra})

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {name: getattr(self, name) for name in META_FIELDS}
        out["date"] = self.date.isoformat() if self.date else None
        out["extra"] = self.extra
        return out


@dataclass
class DocumentInput:
    """One document as an importer produces it, before it is stored."""

    text: str
    meta: Meta
    annotations: list[Annotation]
    format: str
    source_path: str
    source_key: str | None = None
    encoding: str | None = None


@dataclass(frozen=True)
class Problem:
    """One input that could not be ingested: where and why, as one line."""

    path: str
    reason: str
    line: int | None = None
    kind: str = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "reason": self.reason, "kind": self.kind}


@dataclass
class IngestReport:
    """What a call to ``Corpus.ingest`` did."""

    added: list[int] = field(default_factory=list)
    versions: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    run_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def documents(self) -> int:
        return len(self.added) + len(self.versions) + len(self.unchanged)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "run_id": self.run_id,
            "files": self.files,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "added": self.added,
            "new_versions": self.versions,
            "unchanged": self.unchanged,
            "problems": [p.to_dict() for p in self.problems],
        }
