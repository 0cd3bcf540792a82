"""The shared value helpers: one rule for every --speaker filter."""

from onrecord._types import speaker_test


def test_speaker_test_is_case_insensitive_and_open_without_a_name():
    dugin = speaker_test("Alexander Dugin")
    assert dugin("alexander DUGIN") and dugin("Alexander Dugin")
    assert not dugin("Host") and not dugin(None) and not dugin("")
    assert speaker_test("STRASSE")("straße")  # casefold, not lower
    everyone = speaker_test(None)
    assert everyone(None) and everyone("Host") and speaker_test("")("anything")
