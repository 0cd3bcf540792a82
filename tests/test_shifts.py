"""Shifts between dates, on hand-made statements; and the June -> December truce shift of the samples."""

import pytest

from onrecord._types import Annotation
from onrecord.store.writer import insert_annotations


@pytest.fixture
def dated(corpus, write):
    for day in ("2025-06-08", "2025-09-01", "2025-12-04"):
        write(f"{day}.txt", f" date {day} Some text here for the statements of {day}.")
    corpus.ingest(write("x.txt", " date 2025-12-04 Another document of December.").parent)
    docs = {}
    for d in corpus.documents():
        docs.setdefault(d.meta.date.isoformat(), d.id)
    return corpus, docs


def _st(start, concept, polarity, modality="asserted", holder="speaker:D", speaker="D", score=0.8):
    attrs = {"holder": holder, "polarity": polarity, "modality": modality, "speaker": speaker}
    return Annotation(start, start + 4, "statement", concept, attrs, score=score, source="t.v1")


def test_polarity_and_modality_shifts(dated):
    corpus, docs = dated
    with corpus.store.write() as conn:
        insert_annotations(conn, docs["2025-06-08"], [_st(17, "ceasefire", "oppose"), _st(22, "sanctions_relief", "support"),
                                                      _st(27, "other", "support")])
        insert_annotations(conn, docs["2025-09-01"], [_st(17, "ceasefire", "oppose"), _st(22, "sanctions_relief", "support", "hedged")])
        insert_annotations(conn, docs["2025-12-04"], [_st(17, "ceasefire", "support"), _st(22, "ceasefire", "support"),
                                                      _st(27, "other", "oppose"), _st(31, "ceasefire", "oppose", holder="russia")])
    found = corpus.shifts()
    kinds = [(s["concept"], s["kind"], s["before"]["date"], s["after"]["date"]) for s in found]
    assert ("ceasefire", "polarity", "2025-09-01", "2025-12-04") in kinds
    assert ("sanctions_relief", "modality", "2025-06-08", "2025-09-01") in kinds
    assert not any(c == "other" for c, *_ in kinds)  # no concept, no shift
    assert not any(s["holder"] == "russia" for s in found)  # one statement only: nothing to compare
    assert sum(1 for c, k, *_ in kinds if c == "ceasefire") == 2  # both December statements flip the September one
    assert found[0]["kind"] == "polarity" and found[0]["score"] == pytest.approx(0.8)
    assert [s["concept"] for s in corpus.shifts(concept="sanctions_relief")] == ["sanctions_relief"]
    assert corpus.shifts(speaker="nobody") == [] and corpus.shifts(min_score=0.9) == []


def test_the_samples_truce_shift(corpus, samples):
    corpus.ingest(samples, speaker="Alexander Dugin")
    corpus.analyze(workers=0)
    truce = corpus.shifts(speaker="Alexander Dugin", concept="ceasefire")
    june_to_december = [s for s in truce if s["before"]["date"] == "2025-06-08" and s["after"]["date"] == "2025-12-04"]
    assert june_to_december and june_to_december[0]["kind"] == "polarity"
    assert "truce" in june_to_december[0]["before"]["text"] and "truce" in june_to_december[0]["after"]["text"]
