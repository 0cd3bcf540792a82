"""The PTC format and the SemEval-2020 Task 11 scorers, with every number computed by hand."""

from fractions import Fraction

import pytest

from onrecord._types import Annotation
from onrecord.errors import FormatError
from onrecord.evaluation.ptc import (
    PTC_TECHNIQUES, Label, article_id, format_labels, labels_from_annotations, merge_spans, parse_labels, read_article,
    read_labels, score_documents, score_si, score_si_by_technique, score_tc, tc_predictions, write_labels,
)


def L(aid, start, end, technique="Loaded_Language"):
    return Label(str(aid), start, end, technique)


# --- names and files ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "name, expected",
    [
        ("article123.txt", "123"),
        ("/data/train/article111111111.task-flc-tc.labels", "111111111"),
        ("Article7.labels.tsv", "7"),
        ("0042_notes.txt", "0042"),
        ("notes.txt", None),
        ("article.txt", None),
    ],
)
def test_article_id_is_the_digits_of_the_file_name(name, expected):
    assert article_id(name) == expected


def test_labels_parse_format_and_write_round_trip(tmp_path):
    text = "article12\tDoubt\t5\t9\n\n3\tSlogans\t0\t4\n3\t10\t12\n"
    labels = parse_labels(text)
    assert labels == [Label("12", 5, 9, "Doubt"), Label("3", 0, 4, "Slogans"), Label("3", 10, 12, "")]
    out = tmp_path / "all.labels"
    assert write_labels(labels, out) == 3
    # sorted by article (numerically), then offsets; three columns for SI lines
    assert out.read_text(encoding="utf-8") == "3\tSlogans\t0\t4\n3\t10\t12\n12\tDoubt\t5\t9\n"
    assert sorted(read_labels(out)) == sorted(labels)
    assert format_labels([]) == ""


def test_read_labels_from_a_folder_of_article_files(tmp_path):
    (tmp_path / "article1.labels").write_text("1\tDoubt\t0\t3\n", encoding="utf-8")
    (tmp_path / "article2.task-flc-tc.labels").write_text("2\tRepetition\t4\t8\n2\tSlogans\t9\t12\n", encoding="utf-8")
    (tmp_path / "article3.labels.tsv").write_text("3\tFlag-Waving\t1\t2\n", encoding="utf-8")
    (tmp_path / "article1.txt").write_text("not labels", encoding="utf-8")
    got = read_labels(tmp_path)
    assert [(x.article_id, x.technique) for x in got] == [("1", "Doubt"), ("2", "Repetition"), ("2", "Slogans"), ("3", "Flag-Waving")]


@pytest.mark.parametrize(
    "line, message",
    [
        ("1\tDoubt\t5", "integers"),  # three columns are SI lines: id, start, end
        ("1\tDoubt\tfive\t9", "integers"),
        ("1\tDoubt\t9\t9", "empty"),
        ("x\tDoubt\t1\t9", "no digits"),
        ("1\tDoubt", "columns"),
    ],
)
def test_bad_label_lines_are_refused_with_their_line(line, message):
    with pytest.raises(FormatError) as info:
        parse_labels(line, "x.labels")
    assert message in str(info.value)
    assert info.value.line == 1


def test_read_article_keeps_the_file_text_exactly(tmp_path):
    path = tmp_path / "article55.txt"
    path.write_bytes("Title: a test\r\n\r\nBody “quoted”.\n".encode("utf-8"))
    assert read_article(path) == ("55", "Title: a test\r\n\r\nBody “quoted”.\n")


def test_labels_from_annotations():
    anns = [Annotation(0, 4, "technique", "Doubt"), Annotation(2, 9, "actor", "putin"), Annotation(5, 5, "technique", "Slogans")]
    assert labels_from_annotations("7", anns) == [Label("7", 0, 4, "Doubt")]


# --- SI ---------------------------------------------------------------------------------------------------

def test_merge_spans_joins_overlaps_but_not_touching_spans():
    # [29,30) lies inside [20,30); [30,31) only touches it
    assert merge_spans([(5, 15), (0, 10), (20, 30), (30, 31), (29, 30)]) == [(0, 15), (20, 30), (30, 31)]
    assert merge_spans([(20, 30), (29, 31)]) == [(20, 31)]
    assert merge_spans([(0, 5), (5, 10)]) == [(0, 5), (5, 10)]
    assert merge_spans([(0, 10), (2, 3)]) == [(0, 10)]
    with pytest.raises(ValueError):
        merge_spans([(3, 3)])


def test_si_partial_overlaps_one_article():
    # gold [0,10) and [5,15) merge to [0,15); gold [20,30) stays. pred [10,20) and [25,35).
    gold = [L(1, 0, 10), L(1, 5, 15, "Doubt"), L(1, 20, 30)]
    pred = [L(1, 10, 20, "Slogans"), L(1, 25, 35)]
    s = score_si(gold, pred)
    assert (s.n_gold, s.n_pred) == (2, 2)
    # precision: [10,20)∩[0,15) = 5 -> 5/10; [25,35)∩[20,30) = 5 -> 5/10; (1/2 + 1/2) / 2 = 1/2
    assert s.precision == pytest.approx(0.5)
    # recall: [0,15) is covered 5/15, [20,30) 5/10; (1/3 + 1/2) / 2 = 5/12
    assert s.recall == pytest.approx(5 / 12)
    assert s.f1 == pytest.approx(float(Fraction(5, 11)))  # 2 * 1/2 * 5/12 / (1/2 + 5/12)


def test_si_merges_predictions_and_sums_over_articles():
    gold = [L(1, 0, 10), L(2, 0, 4)]
    # article 1: [0,5) and [3,8) merge to [0,8); article 2: nothing; article 3: no gold at all
    pred = [L(1, 0, 5), L(1, 3, 8), L(3, 0, 2)]
    s = score_si(gold, pred)
    assert (s.n_gold, s.n_pred) == (2, 2)
    assert s.precision == pytest.approx(0.5)  # (8/8 + 0) / 2
    assert s.recall == pytest.approx(0.4)  # (8/10 + 0) / 2
    assert s.f1 == pytest.approx(4 / 9)


def test_si_touching_gold_spans_are_two_spans():
    s = score_si([L(1, 0, 5), L(1, 5, 10)], [L(1, 0, 10)])
    # precision: 5/10 + 5/10 = 1 over one prediction; recall: 5/5 + 5/5 = 2 over two gold spans
    assert (s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0)


def test_si_a_prediction_overlapping_two_gold_spans_counts_against_each():
    s = score_si([L(1, 0, 4), L(1, 6, 10)], [L(1, 2, 8)])
    assert s.precision == pytest.approx(2 / 6 + 2 / 6)
    assert s.recall == pytest.approx((2 / 4 + 2 / 4) / 2)


def test_si_edge_cases_follow_the_task_scorer():
    nothing = score_si([], [])
    assert (nothing.precision, nothing.recall, nothing.f1) == (0.0, 0.0, 1.0)
    missed = score_si([L(1, 0, 4)], [])
    assert (missed.precision, missed.recall, missed.f1) == (0.0, 0.0, 0.0)
    wrong = score_si([L(1, 0, 4)], [L(1, 4, 8)])
    assert (wrong.precision, wrong.recall, wrong.f1) == (0.0, 0.0, 0.0)


def test_si_by_technique_only_compares_spans_of_one_label():
    gold = [L(1, 0, 10, "Doubt"), L(1, 20, 30, "Slogans")]
    pred = [L(1, 0, 10, "Doubt"), L(1, 20, 30, "Doubt")]
    per = score_si_by_technique(gold, pred)
    assert set(PTC_TECHNIQUES) <= set(per)
    assert (per["Doubt"].precision, per["Doubt"].recall) == (0.5, 1.0)
    assert (per["Slogans"].precision, per["Slogans"].recall, per["Slogans"].f1) == (0.0, 0.0, 0.0)
    assert per["Repetition"].f1 == 1.0  # neither gold nor predictions


# --- TC ---------------------------------------------------------------------------------------------------

def test_tc_micro_and_per_technique():
    gold = [L(1, 0, 5, "A"), L(1, 10, 20, "B"), L(1, 10, 20, "C"), L(2, 0, 3, "A")]
    pred = [L(1, 0, 5, "A"), L(1, 10, 20, "D"), L(1, 10, 20, "C"), L(2, 0, 3, "B")]
    s = score_tc(gold, pred, techniques=["A", "B", "C", "D"])
    assert (s.micro.correct, s.micro.n_pred, s.micro.n_gold) == (2, 4, 4)
    assert s.micro.precision == s.micro.recall == s.micro.f1 == s.accuracy == 0.5
    a, b, c, d = (s.per_technique[k] for k in "ABCD")
    assert (a.precision, a.recall) == (1.0, 0.5) and a.f1 == pytest.approx(2 / 3)
    assert (b.correct, b.n_pred, b.n_gold, b.f1) == (0, 1, 1, 0.0)
    assert (c.precision, c.recall, c.f1) == (1.0, 1.0, 1.0)
    assert (d.n_pred, d.n_gold, d.f1) == (1, 0, 0.0)
    assert s.unmatched == 0


def test_tc_order_of_labels_on_one_span_does_not_matter():
    gold = [L(1, 0, 5, "A"), L(1, 0, 5, "B")]
    assert score_tc(gold, [L(1, 0, 5, "B"), L(1, 0, 5, "A")]).accuracy == 1.0
    # two predictions of one label for a span with one gold label of it: one is right
    s = score_tc([L(1, 0, 5, "A"), L(1, 0, 5, "B")], [L(1, 0, 5, "A"), L(1, 0, 5, "A")])
    assert (s.micro.correct, s.micro.precision, s.micro.recall) == (1, 0.5, 0.5)


def test_tc_predictions_off_the_gold_spans():
    gold = [L(1, 0, 5, "A")]
    pred = [L(1, 0, 5, "A"), L(1, 30, 40, "A")]
    s = score_tc(gold, pred, techniques=["A"])
    assert s.unmatched == 1 and s.micro.precision == 0.5 and s.micro.recall == 1.0
    with pytest.raises(ValueError, match="not a gold span"):
        score_tc(gold, pred, strict=True)


def test_tc_predictions_from_free_spans_take_the_largest_overlap():
    gold = [L(1, 0, 10, "A"), L(1, 0, 10, "C"), L(1, 50, 60, "A"), L(2, 0, 10, "B")]
    pred = [L(1, 5, 20, "B"), L(1, 0, 3, "C"), L(1, 2, 4, "B"), L(2, 20, 30, "B")]
    got = tc_predictions(gold, pred)
    # [0,10) has two gold labels: the two best-overlapping different techniques, B (5) then C (3);
    # [50,60) and article 2 are overlapped by nothing
    assert got == [L(1, 0, 10, "B"), L(1, 0, 10, "C")]
    s = score_tc(gold, got, techniques=["A", "B", "C"])
    assert (s.micro.correct, s.micro.n_pred, s.micro.n_gold) == (1, 2, 4)


def test_score_documents_uses_document_names_as_articles():
    gold = {"a": [Annotation(0, 10, "technique", "Doubt")], "b": [Annotation(0, 4, "technique", "Slogans")]}
    pred = {"a": [Annotation(0, 5, "technique", "Doubt"), Annotation(0, 9, "actor", "x")], "c": []}
    got = score_documents(gold, pred)
    # SI: one prediction, half of gold [0,10) covered; b missed -> P 5/5 / 1, R (5/10 + 0) / 2
    assert (got.si.precision, got.si.recall) == (1.0, 0.25)
    assert (got.tc.micro.correct, got.tc.micro.n_pred, got.tc.micro.n_gold) == (1, 1, 2)
    assert got.si_by_technique["Doubt"].recall == 0.5 and got.si_by_technique["Slogans"].recall == 0.0
    d = got.to_dict()
    assert set(d) == {"SI", "TC", "SI_by_technique"} and d["TC"]["recall"] == 0.5
