"""Dates of documents: ISO fast path, then dateparser for written-out dates."""

from __future__ import annotations

import datetime as dt
import re

from ..errors import DateError

__all__ = ["parse_date"]

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]")


def parse_date(value: object) -> dt.date:
    """A document date from a string, date or datetime; raises :class:`DateError` if it does not parse.

    ``2025-12-04``, ``2025-12-04T10:00:00Z``, ``4 December 2025``, ``December 4, 2025`` and
    ``04.12.2025`` (day first) are understood; relative expressions ("yesterday") are refused,
    since a document date must not depend on when it was ingested.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        raise DateError("empty date")
    if _ISO.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise DateError(f"date {text!r} does not parse (no such day)") from None
    if _ISO_DATETIME.match(text):
        try:
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            pass
    import dateparser  # slow to import; only needed for written-out dates

    parsed = dateparser.parse(
        text,
        settings={
            "DATE_ORDER": "DMY",
            "REQUIRE_PARTS": ["day", "month", "year"],
            "PARSERS": ["custom-formats", "absolute-time"],
            "STRICT_PARSING": True,
        },
    )
    if parsed is None:
        raise DateError(f"date {text!r} does not parse (expected e.g. 2025-12-04 or 4 December 2025)")
    return parsed.date()
