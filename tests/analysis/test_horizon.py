import datetime as dt

import pytest

from onrecord.analysis.horizon import horizon

D = dt.date(2025, 12, 4)


@pytest.mark.parametrize(
    "text, words, start, end",
    [
        ("there will be neither truce nor peace anytime soon", "anytime soon", "2025-12-04", None),
        ("it will sooner or later prove untenable", "sooner or later", "2025-12-04", None),
        ("Kiev will fold by spring", "by spring", "2025-12-04", "2026-05-31"),
        ("next year the front will move", "next year", "2026-01-01", "2026-12-31"),
        ("talks resume within two weeks", "within two weeks", "2025-12-04", "2025-12-18"),
        ("within 3 months", "within 3 months", "2025-12-04", "2026-03-04"),
        ("by the end of the year", "by the end of the year", "2025-12-04", "2025-12-31"),
        ("by March", "by March", "2025-12-04", "2026-03-31"),
        ("by the end of March 2027", "by the end of March 2027", "2025-12-04", "2027-03-31"),
        ("before 2030", "before 2030", "2025-12-04", "2030-12-31"),
        ("in the coming weeks", "in the coming weeks", "2025-12-04", "2026-01-29"),
        ("next month", "next month", "2026-01-01", "2026-01-31"),
        ("tomorrow", "tomorrow", "2025-12-04", "2025-12-05"),
    ],
)
def test_horizons_are_normalised_against_the_document_date(text, words, start, end):
    h = horizon(text, D)
    assert (h.text, h.start, h.end) == (words, start, end)


def test_no_time_words_and_no_date():
    assert horizon("it will happen", D).kind == "none"
    h = horizon("by spring", None)
    assert h.text == "by spring" and h.start is None and h.end is None
