"""Property tests: the transcript parser and decoder never crash on arbitrary input and keep their invariants."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onrecord.errors import DateError, DecodeError
from onrecord.ingest.decode import decode_bytes
from onrecord.ingest.transcript import parse_transcript

# Text built from pieces that exercise the parser: headers, labels, brackets, newlines, colons.
PIECES = st.sampled_from([
    " date 2025-12-04 ", " date 2025-13-45 ", "Radio Sputnik, ", "Escalation ", "Host: ", "Alexander Dugin: ",
    "Q: ", "A: ", "Note: ", "\n", "\n\n", "[at Putin]", "[", "]", ": ", ", ", "word ", "Word ", "Ведущий: ", "—", "“x”",
])
TEXTS = st.one_of(st.text(max_size=400), st.lists(PIECES, max_size=40).map("".join))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS, st.sampled_from([None, "Author"]))
def test_parser_invariants(text, speaker):
    try:
        parsed = parse_transcript(text, default_speaker=speaker)
    except DateError as exc:
        assert exc.line == 1
        return
    turns = parsed.layer("turn")
    for a in parsed.annotations:
        assert 0 <= a.start < a.end <= len(text)
        assert text[a.start : a.end] == text[a.start : a.end].strip()
    for before, after in zip(turns, turns[1:]):
        assert before.end <= after.start  # turns never overlap and come in text order
    if text.strip() and not turns:
        # only a header can be all there is
        assert all(a.layer == "header" for a in parsed.annotations)
    for t in turns:
        if "label_start" in t.attrs:
            assert t.attrs["label_end"] <= t.start


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_decoder_gives_text_or_a_clear_error(data):
    try:
        decoded = decode_bytes(data, "x.txt")
    except DecodeError as exc:
        assert str(exc).startswith("x.txt: ") and exc.reason
        return
    assert "\r" not in decoded.text and "\x00" not in decoded.text
    assert isinstance(decoded.encoding, str) and decoded.encoding
