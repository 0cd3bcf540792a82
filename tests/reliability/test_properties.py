"""Property tests (hypothesis) of the input side, beyond tests/ingest/test_transcript_properties.py:
the transcript parser on any text (control characters, odd line breaks), the text, JSONL and CSV
importers on random bytes and on random rows, and the DNA importer on random and damaged files, which
must be refused with an InputError and leave the store as it was."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import onrecord
from onrecord.errors import InputError
from onrecord.ingest.formats import ImportOptions
from onrecord.ingest.transcript import parse_transcript
from onrecord.networks.dnafile import read_dna
from onrecord.registry import get
from tests.reliability.fuzz import DNA_SAMPLE, _check_document

SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
LINE_BREAKS = st.sampled_from(["\n", "\r\n", "\r", "\u2028", "\u0085", "\x0b", "\x0c", "\n\n"])
TEXTS = st.lists(st.one_of(st.text(min_size=1, max_size=30), LINE_BREAKS,
                           st.sampled_from(["Host: ", "Alexander Dugin: ", " date 2025-02-30 ", "[laughs]", ": ", "Q: "])),
                 max_size=30).map("".join)


@pytest.fixture
def count(figures, request):
    fig = figures(f"property: {request.node.originalname.removeprefix('test_').replace('_', ' ')}")

    def _count() -> None:
        fig.cases += 1

    return _count


@SETTINGS
@given(TEXTS, st.sampled_from([None, "Author"]))
def test_parser_any_text(count, text, speaker):
    count()
    try:
        parsed = parse_transcript(text, default_speaker=speaker)
    except InputError:
        return
    turns = [a for a in parsed.annotations if a.layer == "turn"]
    for a in parsed.annotations:
        assert 0 <= a.start < a.end <= len(text)
    for before, after in zip(turns, turns[1:]):
        assert before.end <= after.start


@SETTINGS
@given(st.binary(max_size=3000), st.sampled_from(["onrecord.text.v1", "onrecord.jsonl.v1", "onrecord.csv.v1"]))
def test_importers_random_bytes(count, data, importer):
    count()
    try:
        for item in get("importers", importer)(data, "x.in", ImportOptions()):
            if not isinstance(item, InputError):
                _check_document(item)
    except InputError:
        pass


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                           max_leaves=8)
ROWS = st.dictionaries(st.sampled_from(["text", "body", "date", "outlet", "title", "speaker", "id", "sha256", "annotations", "meta", "x"]),
                       JSON_VALUES, max_size=6)


@settings(SETTINGS, max_examples=80)  # dates in random rows go through dateparser: slow
@given(st.lists(ROWS, min_size=1, max_size=6))
def test_jsonl_random_rows(count, rows):
    count()
    data = "\n".join(json.dumps(r) for r in rows).encode("utf-8")
    try:
        items = list(get("importers", "onrecord.jsonl.v1")(data, "x.jsonl", ImportOptions()))
    except InputError:
        return
    assert len(items) == sum(1 for r in rows if json.dumps(r).strip())  # one answer per row
    for item in items:
        if not isinstance(item, InputError):
            _check_document(item)


@SETTINGS
@given(st.lists(st.lists(st.text(max_size=20), min_size=1, max_size=5), min_size=1, max_size=6))
def test_csv_random_tables(count, table):
    count()
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["id", "text", "date"], *table])
    try:
        for item in get("importers", "onrecord.csv.v1")(buffer.getvalue().encode("utf-8"), "x.csv", ImportOptions()):
            if not isinstance(item, InputError):
                _check_document(item)
    except InputError:
        pass


@pytest.fixture(scope="module")
def dna_store(tmp_path_factory):
    corpus = onrecord.open(tmp_path_factory.mktemp("dna-props") / "store.db")
    yield corpus
    corpus.close()


def _state(corpus) -> tuple:
    s = corpus.stats()
    return s["documents"], s["layers"], s["runs"]


SAMPLE = DNA_SAMPLE.read_bytes()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=2000).map(lambda b: b"SQLite format 3\x00" + b),
                 st.tuples(st.integers(0, len(SAMPLE) - 1), st.binary(min_size=1, max_size=64)).map(
                     lambda p: SAMPLE[: p[0]] + p[1] + SAMPLE[p[0] + len(p[1]):]),
                 st.integers(0, len(SAMPLE)).map(lambda n: SAMPLE[:n])))
def test_dna_importer_random_and_damaged_files(count, dna_store, tmp_path_factory, data):
    count()
    path = tmp_path_factory.getbasetemp() / "prop.dna"
    path.write_bytes(data)
    try:
        read_dna(path)
    except InputError:
        before = _state(dna_store)
        with pytest.raises(InputError):
            dna_store.import_dna(path)
        assert _state(dna_store) == before  # refused: the store is as it was
