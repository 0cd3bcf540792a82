"""Shifts between dates, on hand-made statements; and the June -> December truce shift of the samples."""

import pytest

from onrecord._types import Annotation
from onrecord.errors import ConfigError
from onrecord.shifts import find_shifts, opposition_cues, stem
from onrecord.store import schema
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
    found = [s for s in corpus.shifts() if s["kind"] != "semantic"]  # 4-character spans: semantic pairs are noise here
    kinds = [(s["concept"], s["kind"], s["before"]["date"], s["after"]["date"]) for s in found]
    assert ("ceasefire", "polarity", "2025-09-01", "2025-12-04") in kinds
    assert ("sanctions_relief", "modality", "2025-06-08", "2025-09-01") in kinds
    assert not any(c == "other" for c, *_ in kinds)  # no concept, no shift
    assert not any(s["holder"] == "russia" for s in found)  # one statement only: nothing to compare
    assert sum(1 for c, k, *_ in kinds if c == "ceasefire") == 2  # both December statements flip the September one
    assert found[0]["kind"] == "polarity" and found[0]["score"] == pytest.approx(0.8)
    assert [s["concept"] for s in corpus.shifts(concept="sanctions_relief") if s["kind"] != "semantic"] == ["sanctions_relief"]
    assert corpus.shifts(speaker="nobody") == []
    assert [s for s in corpus.shifts(min_score=0.9) if s["kind"] != "semantic"] == []
    with corpus.store.read() as conn:
        assert {s["kind"] for s in find_shifts(conn, kind="modality")} == {"modality"}
        assert [s for s in find_shifts(conn, kind="polarity")] == [s for s in found if s["kind"] == "polarity"]
        with pytest.raises(ConfigError, match="unknown shift kind"):
            find_shifts(conn, kind="sideways")


def test_the_samples_truce_shift(corpus, samples):
    corpus.ingest(samples, speaker="Alexander Dugin")
    corpus.analyze(workers=0)
    truce = corpus.shifts(speaker="Alexander Dugin", concept="ceasefire")
    june_to_december = [s for s in truce if s["before"]["date"] == "2025-06-08" and s["after"]["date"] == "2025-12-04"]
    assert june_to_december and june_to_december[0]["kind"] == "polarity"
    assert "truce" in june_to_december[0]["before"]["text"] and "truce" in june_to_december[0]["after"]["text"]


# -- semantic shifts: opposed statements that share no keyword -------------------------------------

MARCH = {
    "russia": ("We reject any ceasefire with Kyiv.", "ceasefire", "oppose"),
    "army": ("The Russian army is strong.", "military_victory", "support"),
    "talks": ("A ceasefire with Kyiv is impossible.", "ceasefire", "oppose"),
}
SEPTEMBER = {
    "russia": ("We accept a truce with Ukraine.", "other", "support"),  # opposed: reject / accept
    "army": ("Moscow's military is powerful.", "other", "support"),  # a paraphrase: same thing, same side
    "talks": ("A truce with Ukraine is not possible.", "other", "oppose"),  # "not possible" = "impossible"
}


@pytest.fixture
def opposed(corpus, write):
    """Two dated documents, one statement per holder in each, placed on their sentences."""
    for day, sentences in (("2025-03-02", MARCH), ("2025-09-14", SEPTEMBER)):
        write(f"{day}.txt", f" date {day} " + " ".join(text for text, _, _ in sentences.values()))
    corpus.ingest(write("x.txt", " date 2025-09-14 x").parent)
    with corpus.store.write() as conn:
        for d in corpus.documents():
            sentences = MARCH if d.meta.date.isoformat() == "2025-03-02" else SEPTEMBER if d.text.count(".") > 1 else {}
            anns = []
            for holder, (text, concept, polarity) in sentences.items():
                start = d.text.index(text)
                attrs = {"holder": holder, "polarity": polarity, "modality": "asserted", "speaker": "D"}
                anns.append(Annotation(start, start + len(text) - 1, "statement", concept, attrs, score=0.7, source="t.v1"))
            insert_annotations(conn, d.id, anns)
    return corpus


def test_semantic_shift_between_opposed_statements_without_shared_words(opposed):
    found = opposed.shifts()
    semantic = [s for s in found if s["kind"] == "semantic"]
    assert [(s["holder"], s["before"]["text"], s["after"]["text"]) for s in semantic] == [
        ("russia", "We reject any ceasefire with Kyiv", "We accept a truce with Ukraine")
    ]
    s = semantic[0]
    assert "antonym:reject/accept" in s["cues"] and "polarity:oppose/support" in s["cues"]
    assert (s["before"]["date"], s["after"]["date"]) == ("2025-03-02", "2025-09-14")
    assert s["concept"] == "ceasefire/other" and s["before"]["concept"] == "ceasefire"
    assert 0.6 <= s["similarity"] <= 1 and s["score"] == pytest.approx(s["similarity"] * 1.0, abs=1e-3)  # antonym (+ polarity)
    doc = opposed.document(s["after"]["doc_id"])
    assert doc.text[s["after"]["start"] : s["after"]["end"]] == s["after"]["text"]  # standoff: offsets into the text
    # the paraphrase (army) and the negated antonym (talks: impossible ~ not possible) are no shift of any kind
    assert not [x for x in found if x["holder"] in ("army", "talks")]
    # filters: speaker, concept on either side, kind; and the same answer every time
    assert opposed.shifts(speaker="nobody") == []
    assert [x["holder"] for x in opposed.shifts(concept="ceasefire") if x["kind"] == "semantic"] == ["russia"]
    assert [x for x in opposed.shifts(concept="military_victory") if x["kind"] == "semantic"] == []
    assert opposed.shifts() == found
    with opposed.store.read() as conn:
        assert find_shifts(conn, kind="semantic") == semantic
        assert find_shifts(conn, kind="semantic", min_similarity=0.99) == []  # not about the same thing
        assert find_shifts(conn, kind="semantic", min_score=s["score"] + 0.01) == []


def test_same_concept_opposed_pair_is_a_polarity_shift_not_also_a_semantic_one(opposed):
    with opposed.store.write() as conn:
        conn.execute(schema.annotations.update().where(schema.annotations.c.label == "other",
                                                       schema.annotations.c.layer == "statement").values(label="ceasefire"))
    found = [(s["holder"], s["kind"]) for s in opposed.shifts()]
    assert ("russia", "polarity") in found and ("russia", "semantic") not in found


def test_statements_on_one_date_are_never_a_semantic_shift(corpus, write):
    write("a.txt", " date 2025-03-02 We reject any ceasefire with Kyiv. We accept a truce with Ukraine.")
    corpus.ingest(write("b.txt", " date 2025-03-02 nothing").parent)
    d = next(d for d in corpus.documents() if "Kyiv" in d.text)
    with corpus.store.write() as conn:
        anns = [Annotation(d.text.index(t), d.text.index(t) + len(t), "statement", "other",
                           {"holder": "russia", "polarity": "support", "modality": "asserted", "speaker": "D"}, 0.7, "t.v1")
                for t in ("We reject any ceasefire with Kyiv", "We accept a truce with Ukraine")]
        insert_annotations(conn, d.id, anns)
    assert corpus.shifts() == []


@pytest.mark.parametrize(("before", "after", "polarities", "cues"), [
    ("A ceasefire is out of the question", "We are ready to accept a truce", (None, None), ["negation:before"]),
    ("The offensive will escalate", "Fighting is going to de-escalate", (None, None), ["antonym:escalate/de-escalate"]),
    ("Moscow is unable to advance", "Russia is able to move forward", (None, None), ["antonym:unable/able"]),
    ("Peace talks are impossible", "Negotiations are now possible", (None, None), ["antonym:impossible/possible"]),
    ("Peace talks are impossible", "Negotiations are not possible", (None, None), []),  # negation + antonym cancel
    ("I wouldn't rule out a deal", "An agreement is likely", (None, None), []),  # two negations: not negated
    ("Sanctions hurt Russia", "Restrictions damage Moscow", ("oppose", "oppose"), []),
    ("Sanctions hurt Russia", "Restrictions damage Moscow", ("oppose", "support"), ["polarity:oppose/support"]),
])
def test_opposition_cues(before, after, polarities, cues):
    assert opposition_cues(before, after, polarities) == cues


def test_stems_match_inflections():
    assert {stem(w) for w in ("accept", "accepted", "accepts", "accepting")} == {"accept"}
    assert {stem(w) for w in ("escalate", "escalated", "escalates", "escalating")} == {"escalat"}
    assert {stem(w) for w in ("succeed", "succeeded", "succeeds")} == {"succe"} and stem("don't") == "not"
