"""Time horizons of predictions, normalised against the document date.

``horizon(text, date)`` finds the time expression of a prediction ("soon", "next year", "by spring",
"within two weeks", "by March 2026", "in 2027") and returns it with an interval ``[start, end]`` of
ISO dates; an open-ended expression ("soon", "sooner or later") has ``end = None``. Month names and
explicit dates are read by ``dateparser`` relative to the document date.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

__all__ = ["Horizon", "horizon"]

_NUM = {"one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
        "ten": 10, "twelve": 12, "a few": 3, "several": 4, "a couple of": 2}
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}
_SEASON_END = {"spring": (5, 31), "summer": (8, 31), "autumn": (11, 30), "fall": (11, 30), "winter": (2, 28)}
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"

_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("within", re.compile(r"\b(?:within|in|over)\s+(?:the\s+next\s+)?(?P<n>\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|a few|several|a couple of|a|an)\s+(?P<unit>day|week|month|year)s?\b", re.I)),
    ("coming", re.compile(r"\b(?:in\s+)?the\s+(?:coming|next)\s+(?P<unit>day|week|month|year)s\b", re.I)),
    ("next", re.compile(r"\bnext\s+(?P<unit>week|month|year|spring|summer|autumn|fall|winter)\b", re.I)),
    ("this", re.compile(r"\b(?:this|by\s+the\s+end\s+of\s+(?:this|the))\s+(?P<unit>week|month|year|spring|summer|autumn|fall|winter)\b", re.I)),
    ("season", re.compile(r"\b(?:by|in|before|until|till)\s+(?:the\s+)?(?P<unit>spring|summer|autumn|fall|winter)\b", re.I)),
    ("year", re.compile(r"\b(?:by|in|before|until|till|after)\s+(?:the\s+end\s+of\s+)?(?P<year>20\d\d)\b", re.I)),
    ("month", re.compile(rf"\b(?:by|in|before|until|till)\s+(?:the\s+end\s+of\s+)?(?P<month>{_MONTHS})(?:\s+(?P<year>20\d\d))?\b", re.I)),
    ("day", re.compile(r"\b(?P<word>tomorrow|tonight|today|the day after tomorrow)\b", re.I)),
    ("open", re.compile(r"\b(?:any\s*time\s+soon|soon|sooner or later|before long|eventually|in the (?:near|foreseeable|long|distant) future|in the long run|one day|someday|inevitably)\b", re.I)),
]


@dataclass(frozen=True)
class Horizon:
    text: str
    start: str | None
    end: str | None
    kind: str

    def to_attrs(self) -> dict[str, str | None]:
        return {"horizon": self.text, "horizon_start": self.start, "horizon_end": self.end, "horizon_kind": self.kind}


def _end_of_month(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _season_end(season: str, today: dt.date, next_one: bool = False) -> dt.date:
    month, day = _SEASON_END[season.lower()]
    year = today.year + (1 if month < today.month or (season.lower() == "winter" and today.month >= 3) else 0)
    end = dt.date(year, month, day)
    if next_one and end - today < dt.timedelta(days=90):
        end = dt.date(year + 1, month, day)
    return end


def _interval(kind: str, m: re.Match, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    g = m.groupdict()
    if kind == "within":
        n = int(g["n"]) if g["n"].isdigit() else _NUM[g["n"].lower()]
        return today, today + dt.timedelta(days=n * _UNIT_DAYS[g["unit"].lower()])
    if kind == "coming":
        unit = g["unit"].lower()
        return today, today + dt.timedelta(days={"day": 14, "week": 56, "month": 182, "year": 3 * 365}[unit])
    if kind in ("next", "this"):
        unit = g["unit"].lower()
        if unit == "year":
            year = today.year + (kind == "next")
            return (dt.date(year, 1, 1) if kind == "next" else today), dt.date(year, 12, 31)
        if unit == "month":
            if kind == "this":
                return today, _end_of_month(today.year, today.month)
            y, mth = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
            return dt.date(y, mth, 1), _end_of_month(y, mth)
        if unit == "week":
            monday = today - dt.timedelta(days=today.weekday())
            if kind == "this":
                return today, monday + dt.timedelta(days=6)
            return monday + dt.timedelta(days=7), monday + dt.timedelta(days=13)
        return today, _season_end(unit, today, next_one=kind == "next")
    if kind == "season":
        return today, _season_end(g["unit"], today)
    if kind == "year":
        year = int(g["year"])
        return today, dt.date(year, 12, 31)
    if kind == "month":
        import dateparser

        when = dateparser.parse(
            f"{g['month']} {g['year'] or ''}".strip(),
            settings={"RELATIVE_BASE": dt.datetime.combine(today, dt.time()), "PREFER_DATES_FROM": "future", "PREFER_DAY_OF_MONTH": "last"},
        )
        if when is None:
            return today, None
        return today, _end_of_month(when.year, when.month)
    if kind == "day":
        word = g["word"].lower()
        days = {"today": 0, "tonight": 0, "tomorrow": 1, "the day after tomorrow": 2}[word]
        return today, today + dt.timedelta(days=days)
    return today, None  # open


def horizon(text: str, date: dt.date | None) -> Horizon:
    """The first (most specific) time expression in ``text``; without a document date the interval
    is left empty but the words are kept."""
    for kind, pattern in _PATTERNS:
        m = pattern.search(text)
        if m:
            if date is None:
                return Horizon(m.group(0), None, None, kind)
            start, end = _interval(kind, m, date)
            return Horizon(m.group(0), start.isoformat() if start else None, end.isoformat() if end else None, kind)
    return Horizon("", date.isoformat() if date else None, None, "none")
