"""Built-in importers: bytes of one file -> documents (or one error per bad document/row).

Every importer is registered under a versioned name and has the signature
``importer(data: bytes, path: str, options: ImportOptions) -> Iterator[DocumentInput | InputError]``.
It does no I/O. A whole-file problem is raised; a problem with one row is yielded, so the other rows
of the file still go in.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

from .._types import Annotation, DocumentInput, Meta
from ..errors import DateError, FormatError, InputError
from ..registry import importers
from .decode import decode_bytes, normalise_text
from .frontmatter import FIELD_ALIASES, meta_from_mapping, split_front_matter
from .transcript import LabelLexicon, load_lexicon, parse_transcript

__all__ = ["ImportOptions", "format_for_path", "EXTENSIONS", "build_document"]

#: File extension -> importer name. Folders are searched for these; other files are named explicitly.
EXTENSIONS: dict[str, str] = {
    ".txt": "onrecord.text.v1",
    ".text": "onrecord.text.v1",
    ".md": "onrecord.text.v1",
    ".markdown": "onrecord.text.v1",
    ".jsonl": "onrecord.jsonl.v1",
    ".ndjson": "onrecord.jsonl.v1",
    ".csv": "onrecord.csv.v1",
    ".tsv": "onrecord.csv.v1",
    ".html": "onrecord.html.v1",
    ".htm": "onrecord.html.v1",
    ".parquet": "onrecord.parquet.v1",
}
FORMAT_ALIASES = {"text": "onrecord.text.v1", "txt": "onrecord.text.v1", "md": "onrecord.text.v1", "transcript": "onrecord.text.v1",
                  "jsonl": "onrecord.jsonl.v1", "csv": "onrecord.csv.v1", "tsv": "onrecord.csv.v1", "html": "onrecord.html.v1",
                  "parquet": "onrecord.parquet.v1", "parquet-dataset": "onrecord.parquet.v1"}


@dataclass
class ImportOptions:
    speaker: str | None = None
    language: str | None = None
    encoding: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    lexicon: LabelLexicon | None = None


def format_for_path(path: str, forced: str | None = None) -> str:
    """The importer name for ``path``: a forced format, else by extension, else plain text."""
    if forced:
        return FORMAT_ALIASES.get(forced.lower(), forced)
    return EXTENSIONS.get(os.path.splitext(path)[1].lower(), "onrecord.text.v1")


def check_storable(doc: DocumentInput) -> DocumentInput:
    """Refuse what the store cannot hold as UTF-8 text / JSON: lone surrogates, NULs, odd metadata."""
    try:
        doc.text.encode("utf-8")
        json.dumps([doc.meta.to_dict(), [a.attrs for a in doc.annotations]], ensure_ascii=False, default=str).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FormatError(f"contains a lone surrogate ({exc.object[exc.start:exc.end]!a}), not valid Unicode text") from None
    except (TypeError, ValueError) as exc:
        raise FormatError(f"metadata or annotations that cannot be stored: {exc}") from None
    if "\x00" in doc.text:
        raise FormatError("text contains NUL characters")
    return doc


def build_document(
    text: str, meta: Meta, fmt: str, path: str, key: str | None, encoding: str | None, options: ImportOptions
) -> DocumentInput:
    """Parse header, speaker turns and editorial insertions of ``text`` and combine the metadata."""
    if not text.strip():
        raise FormatError("no text (empty or whitespace only)")
    parsed = parse_transcript(text, default_speaker=meta.author or options.speaker, lexicon=options.lexicon or load_lexicon())
    combined = meta.merged(parsed.meta)
    if combined.author is None and options.speaker and all(a.attrs.get("unlabelled") for a in parsed.layer("turn")):
        combined.author = options.speaker  # a monologue without labels is by the configured author
    if combined.language is None:
        combined.language = options.language
    return check_storable(DocumentInput(text, combined, parsed.annotations, fmt, path, key, encoding))


def _front_matter_line(front: str, keys: tuple[str, ...]) -> int | None:
    """1-based line of the first ``key:`` among ``keys`` in a front matter block."""
    for number, line in enumerate(front.split("\n"), start=1):
        if line.split(":", 1)[0].strip().lower() in keys:
            return number
    return None


def _decode_nonempty(data: bytes, path: str, options: ImportOptions):
    if not data:
        raise FormatError("empty file (0 bytes)")
    return decode_bytes(data, path, options.encoding)


@importers.register("onrecord.text.v1")
def import_text(data: bytes, path: str, options: ImportOptions) -> Iterator[DocumentInput | InputError]:
    """Plain text, Markdown and the raw transcript format, with optional YAML front matter."""
    decoded = _decode_nonempty(data, path, options)
    front, body_at = split_front_matter(decoded.text)
    meta = Meta()
    if front:
        try:
            _, _, meta = meta_from_mapping(front)
        except DateError as exc:
            raise exc.at(line=_front_matter_line(decoded.text[:body_at], FIELD_ALIASES["date"])) from None
    yield build_document(decoded.text[body_at:], meta, "text", path, None, decoded.encoding, options)


def _row_document(row: Mapping[str, Any], fmt: str, path: str, line: int, encoding: str, options: ImportOptions) -> DocumentInput:
    if "sha256" in row and isinstance(row.get("annotations"), list):
        return _restore_export_row(row, path, line, encoding)
    text, key, meta = meta_from_mapping(row, options.columns, want_text=True)
    if text is None:
        wanted = options.columns.get("text") or "text/body/content/transcript"
        raise FormatError(f"no text field ({wanted})")
    return build_document(normalise_text(text), meta, fmt, path, key or f"line {line}", encoding, options)


def guarded(build: Callable[[], DocumentInput], path: str, line: int) -> DocumentInput | InputError:
    """``build()``'s document, or its error with the row's line: one bad row never ends the file."""
    try:
        return build()
    except InputError as exc:
        return exc.at(path, line)
    except (ValueError, TypeError, AttributeError, KeyError, RecursionError) as exc:
        return FormatError(f"row cannot be read: {type(exc).__name__}: {exc}", path, line)


def _guarded_row(row: Mapping[str, Any], fmt: str, path: str, line: int, encoding: str, options: ImportOptions):
    return guarded(lambda: _row_document(row, fmt, path, line, encoding, options), path, line)


def _restore_export_row(row: Mapping[str, Any], path: str, line: int, encoding: str) -> DocumentInput:
    """A document exported by ``onrecord export`` (JSONL): text, metadata and annotations as they were."""
    text = row.get("text")
    if not isinstance(text, str) or not text:
        raise FormatError("exported document without text")
    if normalise_text(text) != text:
        raise FormatError("exported text is not in normal form (NFC, \\n line breaks); its spans cannot be placed")
    if not isinstance(row.get("meta") or {}, dict):
        raise FormatError("exported document's meta must be an object")
    meta_row = dict(row.get("meta") or {})
    extra = meta_row.pop("extra", None) or {}
    fmt = meta_row.pop("format", None) or "jsonl"
    encoding = meta_row.pop("encoding", None) or encoding
    _, _, meta = meta_from_mapping({k: v for k, v in meta_row.items() if v is not None})
    meta.extra = {**meta.extra, **extra}
    anns = []
    for i, a in enumerate(row["annotations"]):
        try:
            start, end = int(a["start"]), int(a["end"])
            layer, label = str(a["layer"]), str(a["label"])
        except (KeyError, TypeError, ValueError):
            raise FormatError(f"annotation {i} lacks start/end/layer/label") from None
        if not 0 <= start <= end <= len(text):
            raise FormatError(f"annotation {i} span [{start}, {end}) is outside the text (length {len(text)})")
        attrs = a.get("attrs") or {}
        if not isinstance(attrs, dict):
            raise FormatError(f"annotation {i} attrs must be an object, not {type(attrs).__name__}")
        if "speaker" in attrs and not isinstance(attrs["speaker"], (str, type(None))):
            raise FormatError(f"annotation {i} speaker must be a string, not {type(attrs['speaker']).__name__}")
        created = a.get("created_at")
        anns.append(
            Annotation(
                start, end, layer, label,
                attrs=attrs,
                score=a.get("score"),
                source=str(a.get("source") or "import"),
                verified=bool(a.get("verified")),
                created_at=_parse_timestamp(created),
            )
        )
    key = row.get("key") or row.get("sha256")
    return check_storable(DocumentInput(text, meta, anns, str(fmt), path, str(key), encoding))


def _parse_timestamp(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


@importers.register("onrecord.jsonl.v1")
def import_jsonl(data: bytes, path: str, options: ImportOptions) -> Iterator[DocumentInput | InputError]:
    """One JSON object per line: a text field plus metadata fields (names configurable)."""
    decoded = _decode_nonempty(data, path, options)
    for number, line in enumerate(decoded.text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield FormatError(f"invalid JSON: {exc.msg} (column {exc.colno})", path, number)
            continue
        except RecursionError:
            yield FormatError("invalid JSON: nested too deeply", path, number)
            continue
        except ValueError as exc:  # e.g. an integer past Python's digit limit
            yield FormatError(f"invalid JSON: {exc}", path, number)
            continue
        if not isinstance(row, dict):
            yield FormatError(f"expected a JSON object, got {type(row).__name__}", path, number)
            continue
        yield _guarded_row(row, "jsonl", path, number, decoded.encoding, options)


@importers.register("onrecord.csv.v1")
def import_csv(data: bytes, path: str, options: ImportOptions) -> Iterator[DocumentInput | InputError]:
    """A header row, then one document per row (``.tsv``: tab-separated)."""
    decoded = _decode_nonempty(data, path, options)
    delimiter = "\t" if path.lower().endswith(".tsv") else ","
    if delimiter == ",":
        try:
            delimiter = csv.Sniffer().sniff(decoded.text[:4096], delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
    csv.field_size_limit(sys.maxsize)
    reader = csv.DictReader(io.StringIO(decoded.text, newline=""), delimiter=delimiter, strict=True)
    if not reader.fieldnames:
        raise FormatError("no header row")
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield FormatError(f"malformed CSV: {exc}", path, reader.line_num)
            break
        line = reader.line_num
        if None in row:
            yield FormatError(f"row has {len(reader.fieldnames) + len(row[None])} fields, header has {len(reader.fieldnames)}", path, line)
            continue
        yield _guarded_row({k: v for k, v in row.items() if v is not None}, "csv", path, line, decoded.encoding, options)


@importers.register("onrecord.html.v1")
def import_html(data: bytes, path: str, options: ImportOptions) -> Iterator[DocumentInput | InputError]:
    """A web page: main text and metadata extracted offline with trafilatura."""
    decoded = _decode_nonempty(data, path, options)
    import trafilatura

    result = trafilatura.bare_extraction(decoded.text, with_metadata=True, include_comments=False, include_tables=False)
    found = result.as_dict() if result is not None and hasattr(result, "as_dict") else (result or {})
    text = found.get("text") or ""
    if not text.strip():
        raise FormatError("no main text found in the HTML page")
    mapping = {k: found.get(k) for k in ("title", "author", "url", "date") if found.get(k)}
    if found.get("sitename"):
        mapping["outlet"] = found["sitename"]
    if found.get("language"):
        mapping["language"] = found["language"]
    try:
        _, _, meta = meta_from_mapping(mapping)
    except DateError:
        mapping.pop("date", None)  # a page's guessed date is a hint, not worth refusing the page for
        _, _, meta = meta_from_mapping(mapping)
    yield build_document(normalise_text(text), meta, "html", path, None, decoded.encoding, options)


from . import parquet as _parquet  # noqa: E402,F401  (registers onrecord.parquet.v1; it builds on this module)
