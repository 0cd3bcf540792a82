"""Timelines: periods, net polarity and attention normalised by corpus volume, computed by hand."""

import datetime as dt

import pytest

from onrecord._types import Annotation
from onrecord.errors import ConfigError
from onrecord.store.writer import insert_annotations
from onrecord.timelines import period_of


def test_periods():
    assert period_of(dt.date(2025, 12, 29), "week") == "2026-W01"  # ISO week
    assert period_of(dt.date(2025, 12, 4), "month") == "2025-12"
    assert period_of(dt.date(2025, 12, 4), "year") == "2025"
    with pytest.raises(ConfigError):
        period_of(dt.date(2025, 1, 1), "fortnight")


def test_counts_net_and_attention(corpus, write):
    write("a.txt", " date 2025-06-08 " + "word " * 99)  # 101 words in June ("date" and the date count)
    write("b.txt", " date 2025-12-04 " + "word " * 199)
    corpus.ingest(write("c.txt", " date 2025-12-20 " + "word " * 199).parent)
    ids = {d.meta.date.month * 100 + d.meta.date.day: d.id for d in corpus.documents()}

    def st(holder, concept, polarity, speaker="Dugin"):
        return Annotation(0, 4, "statement", concept, {"holder": holder, "polarity": polarity, "speaker": speaker}, source="t.v1")

    with corpus.store.write() as conn:
        insert_annotations(conn, ids[608], [st("russia", "ceasefire", "oppose"), st("russia", "ceasefire", "oppose")])
        insert_annotations(conn, ids[1204], [st("russia", "ceasefire", "support"), st("russia", "ceasefire", "oppose")])
        insert_annotations(conn, ids[1220], [st("russia", "ceasefire", "support"), st("trump", "ceasefire", "support", "Host")])
    rows = {(r["period"], r["key"], r["speaker"]): r for r in corpus.timeline(by="actor", unit="month")}
    june, dec = rows[("2025-06", "russia", "Dugin")], rows[("2025-12", "russia", "Dugin")]
    assert (june["statements"], june["net"]) == (2, -1.0)
    assert (dec["statements"], dec["support"], dec["oppose"]) == (3, 2, 1) and dec["net"] == pytest.approx(1 / 3, abs=1e-4)
    assert june["attention"] == pytest.approx(1000 * 2 / 101, abs=1e-3) and dec["attention"] == pytest.approx(1000 * 3 / 402, abs=1e-3)
    by_concept = corpus.timeline(by="concept", unit="year", speaker="Host")
    assert [(r["key"], r["statements"]) for r in by_concept] == [("ceasefire", 1)]
