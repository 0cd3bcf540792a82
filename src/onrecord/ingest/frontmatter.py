"""YAML front matter and metadata mappings (front matter, JSONL objects, CSV rows) -> ``Meta``."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any, Mapping

import yaml

from .._types import Meta
from ..errors import FormatError
from .dates import parse_date

__all__ = ["split_front_matter", "meta_from_mapping", "FIELD_ALIASES"]

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?)(?:^|\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)

#: Which keys of a front matter / JSON object / CSV header fill which field, in order of preference.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "text": ("text", "body", "content", "transcript"),
    "id": ("id", "doc_id", "key", "uid"),
    "date": ("date", "published", "published_at", "pubdate"),
    "outlet": ("outlet", "source", "publication", "site", "sitename", "channel"),
    "programme": ("programme", "program", "show", "series"),
    "title": ("title", "headline"),
    "author": ("author", "speaker", "by"),
    "language": ("language", "lang"),
    "url": ("url", "link", "source_url"),
}


def split_front_matter(text: str) -> tuple[dict[str, Any], int]:
    """``(front matter mapping, offset where the body starts)``; ``({}, 0)`` when there is none."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, 0
    try:
        data = yaml.safe_load(m.group("yaml")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FormatError(f"front matter is not valid YAML: {problem}", line=line) from None
    if not isinstance(data, dict):
        raise FormatError(f"front matter must be a mapping of keys to values, not {type(data).__name__}", line=2)
    return data, m.end()


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return str(value)


def _pick(row: Mapping[str, Any], field: str, columns: Mapping[str, str]) -> tuple[str | None, Any]:
    if field in columns:
        name = columns[field]
        return (name, row.get(name)) if name in row else (None, None)
    lowered = {str(k).lower(): k for k in row}
    for alias in FIELD_ALIASES[field]:
        if alias in lowered:
            return lowered[alias], row[lowered[alias]]
    return None, None


def meta_from_mapping(
    row: Mapping[str, Any], columns: Mapping[str, str] | None = None, want_text: bool = False
) -> tuple[str | None, str | None, Meta]:
    """``(text, key, meta)`` from a mapping; ``columns`` maps field -> key to override the aliases.

    Keys not used for a field are kept in ``meta.extra``. Raises :class:`~onrecord.errors.DateError` for a bad date.
    """
    columns = columns or {}
    used: set[str] = set()
    values: dict[str, Any] = {}
    for field in FIELD_ALIASES:
        if field == "text" and not want_text:
            continue
        key, value = _pick(row, field, columns)
        if key is not None:
            used.add(key)
            values[field] = value
    text = values.pop("text", None)
    doc_key = values.pop("id", None)
    meta = Meta()
    for field, value in values.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if field == "date":
            meta.date = parse_date(value)
        else:
            setattr(meta, field, str(value).strip())
    meta.extra = {str(k): _jsonable(v) for k, v in row.items() if k not in used and k is not None}
    if text is not None and not isinstance(text, str):
        raise FormatError(f"text field must be a string, not {type(text).__name__}")
    return text, (None if doc_key in (None, "") else str(doc_key)), meta
