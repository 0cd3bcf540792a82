"""The raw transcript format: header, outlet/programme, speaker labels, turns, editorial insertions."""

from __future__ import annotations

import datetime as dt

import pytest

from onrecord.errors import DateError
from onrecord.ingest.decode import decode_bytes
from onrecord.ingest.transcript import parse_transcript
from tests.conftest import SAMPLE_000, SAMPLE_002


def _turns(parsed, text):
    return [(a.attrs["speaker"], text[a.start : a.end]) for a in parsed.layer("turn")]


def test_sample_000_header_and_alternating_turns():
    text = decode_bytes(SAMPLE_000.read_bytes()).text
    parsed = parse_transcript(text)
    assert parsed.meta.date == dt.date(2025, 12, 4)
    assert parsed.meta.outlet == "Radio Sputnik"
    assert parsed.meta.programme == "Escalation"
    turns = _turns(parsed, text)
    assert [s for s, _ in turns] == ["Host", "Alexander Dugin"]
    assert turns[0][1].startswith("Let’s start with the hottest topic")
    assert turns[0][1].endswith("going forward?")
    assert turns[1][1].startswith("This is, of course, an extremely important topic")
    assert turns[1][1].endswith("to simply exist.")
    header = {a.label: text[a.start : a.end] for a in parsed.layer("header")}
    assert header == {"date": "2025-12-04", "outlet": "Radio Sputnik", "programme": "Escalation"}
    assert [text[a.start : a.end] for a in parsed.layer("editorial")] == ["[at Putin]"]
    turn = parsed.layer("turn")[1]
    assert text[turn.attrs["label_start"] : turn.attrs["label_end"]] == "Alexander Dugin"


def test_sample_002_is_one_turn_by_the_configured_author():
    text = decode_bytes(SAMPLE_002.read_bytes()).text
    parsed = parse_transcript(text, default_speaker="Alexander Dugin")
    assert parsed.meta.date == dt.date(2025, 6, 8)
    assert parsed.meta.outlet is None and parsed.meta.programme is None
    turns = parsed.layer("turn")
    assert len(turns) == 1
    assert turns[0].attrs == {"speaker": "Alexander Dugin", "unlabelled": True}
    assert text[turns[0].start : turns[0].end].startswith("The latest round of negotiations")
    assert text[turns[0].start : turns[0].end].endswith("only then will we win it.")


def test_no_author_means_unknown_speaker():
    parsed = parse_transcript(" date 2025-01-02 Some text without any labels at all.")
    (turn,) = parsed.layer("turn")
    assert turn.label == "unknown" and turn.attrs["speaker"] is None


def test_header_line_on_its_own():
    text = " date 2025-02-03 Radio Sputnik, Escalation, Why the truce fails\nHost: Hello.\n\nGuest Speaker: Hi."
    parsed = parse_transcript(text)
    assert (parsed.meta.outlet, parsed.meta.programme, parsed.meta.title) == ("Radio Sputnik", "Escalation", "Why the truce fails")
    assert [a.attrs["speaker"] for a in parsed.layer("turn")] == ["Host", "Guest Speaker"]


def test_known_outlet_without_label_and_sentence_is_not_an_outlet():
    parsed = parse_transcript(" date 2025-02-03 Tsargrad The war goes on, he said.")
    assert parsed.meta.outlet == "Tsargrad"
    parsed = parse_transcript(" date 2025-02-03 Ukraine, Russia and the US met again in Geneva.")
    assert parsed.meta.outlet is None


def test_first_line_label_known_from_later_paragraphs():
    text = " date 2025-02-03 Vesti FM, Evening Dmitry Peskov: First words.\n\nInterviewer: A question?\n\nDmitry Peskov: An answer."
    parsed = parse_transcript(text)
    assert (parsed.meta.outlet, parsed.meta.programme) == ("Vesti FM", "Evening")
    assert [a.attrs["speaker"] for a in parsed.layer("turn")] == ["Dmitry Peskov", "Interviewer", "Dmitry Peskov"]


def test_lines_that_are_not_labels():
    text = "Note: this is a note.\n\nThe main point is this: we lose.\n\nFirst: a single word once.\n\nq3 results: bad."
    parsed = parse_transcript(text, default_speaker="Author")
    (turn,) = parsed.layer("turn")
    assert turn.attrs["speaker"] == "Author" and turn.start == 0 and turn.end == len(text)


def test_single_word_label_counts_when_repeated_or_role():
    text = "Trump: We will see.\n\nPutin: Maybe.\n\nTrump: Good."
    speakers = [a.attrs["speaker"] for a in parse_transcript(text).layer("turn")]
    # "Putin" appears once and is no role: its paragraph stays in Trump's turn.
    assert speakers == ["Trump", "Trump"]
    text = "Q: Why?\n\nA: Because."
    assert [a.attrs["speaker"] for a in parse_transcript(text).layer("turn")] == ["Q", "A"]


def test_unlabelled_intro_before_first_label_is_the_authors():
    text = "An introduction by the editor.\n\nHost: Welcome.\n\nJohn Smith: Thanks."
    turns = parse_transcript(text, default_speaker="Editor").layer("turn")
    assert [(t.attrs["speaker"], t.attrs.get("unlabelled", False)) for t in turns] == [
        ("Editor", True), ("Host", False), ("John Smith", False)
    ]


def test_label_on_its_own_line():
    text = "Host:\nWelcome back.\n\nAnna Ivanova:\nThank you."
    turns = parse_transcript(text).layer("turn")
    assert [(t.attrs["speaker"], text[t.start : t.end]) for t in turns] == [("Host", "Welcome back."), ("Anna Ivanova", "Thank you.")]


@pytest.mark.parametrize("bad", ["2025-13-45", "2025-02-30"])
def test_bad_header_date_raises_on_line_1(bad):
    with pytest.raises(DateError) as info:
        parse_transcript(f" date {bad} Host: hi")
    assert info.value.line == 1
    assert info.value.reason == f"date '{bad}' does not parse (no such day)"


def test_spans_are_within_text_and_trimmed():
    text = decode_bytes(SAMPLE_000.read_bytes()).text
    for a in parse_transcript(text).annotations:
        assert 0 <= a.start < a.end <= len(text)
        covered = text[a.start : a.end]
        assert covered == covered.strip()


def test_unknown_outlet_with_a_known_programme_on_a_run_on_line():
    text = " date 2025-11-30 The Daily Ledger, Opinion Another week, another breakthrough."
    parsed = parse_transcript(text)
    assert (parsed.meta.outlet, parsed.meta.programme) == ("The Daily Ledger", "Opinion")
    (turn,) = parsed.layer("turn")
    assert text[turn.start : turn.end] == "Another week, another breakthrough."
    parsed = parse_transcript(" date 2026-02-03 Tsargrad, Column The West has lost its way.")
    assert (parsed.meta.outlet, parsed.meta.programme) == ("Tsargrad", "Column")
    # a sentence that merely starts with names and a comma is not a header
    parsed = parse_transcript(" date 2025-02-03 Ukraine, Russia and the US met again in Geneva.")
    assert parsed.meta.outlet is None and parsed.meta.programme is None
    parsed = parse_transcript(" date 2025-02-03 Kiev, Opinionated as ever, refused.")
    assert parsed.meta.outlet is None
