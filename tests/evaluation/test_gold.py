"""The onrecord gold format: quotes resolve to store offsets; bad files are refused with a line."""

import json

import pytest

from onrecord.errors import FormatError
from onrecord.evaluation.gold import load_gold_dir

TEXT = " date 2025-01-01 Radio, Show Host: Hello.\n\nAnna Lee: Trump wants peace. Trump wants peace now.\n"


def _gold(tmp_path, rows, text=TEXT):
    (tmp_path / "doc.txt").write_text(text, encoding="utf-8")
    (tmp_path / "doc.gold.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return tmp_path


def test_quotes_and_occurrences_resolve(tmp_path):
    (doc,) = load_gold_dir(_gold(tmp_path, [
        {"layer": "actor", "quote": "Trump", "label": "trump"},
        {"layer": "actor", "quote": "Trump", "occurrence": 2, "label": "trump"},
        {"layer": "statement", "quote": "Trump wants peace now.", "label": "peace_settlement", "attrs": {"holder": "trump"}},
    ]))
    first, second, st = doc.annotations
    assert doc.text[first.start : first.end] == "Trump" and second.start > first.start
    assert st.attrs["holder"] == "trump" and st.verified and st.source == "gold"


@pytest.mark.parametrize(
    "row, message",
    [
        ({"layer": "actor", "quote": "Biden", "label": "biden"}, "quote not found"),
        ({"layer": "actor", "quote": "Trump", "occurrence": 3, "label": "trump"}, "occurrence 3"),
        ({"layer": "nonsense", "quote": "Trump", "label": "trump"}, "unknown layer"),
        ({"layer": "actor", "quote": "Trump", "start": 0, "end": 5, "label": "trump"}, "not the quote"),
        ({"layer": "actor", "quote": "Trump"}, "label"),
    ],
)
def test_bad_lines_are_refused_with_their_line(tmp_path, row, message):
    _gold(tmp_path, [{"layer": "actor", "quote": "Anna", "label": "other"}, row])
    with pytest.raises(FormatError, match=message) as info:
        load_gold_dir(tmp_path)
    assert info.value.line == 2


def test_a_folder_without_gold_is_refused(tmp_path):
    with pytest.raises(FormatError, match="no NAME.gold.jsonl"):
        load_gold_dir(tmp_path)
