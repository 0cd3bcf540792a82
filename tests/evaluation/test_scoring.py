"""Span-overlap scoring, with numbers computed by hand."""

import pytest

from onrecord._types import Annotation
from onrecord.evaluation.scoring import match_count, score_layer


def A(s, e, label="x", layer="statement", **attrs):
    return Annotation(s, e, layer, label, attrs)


def test_one_to_one_matching():
    gold = [A(0, 10), A(0, 10)]  # two statements on one sentence
    assert match_count(gold, [A(2, 8)], None) == 1
    assert match_count(gold, [A(2, 8), A(0, 3)], None) == 2
    assert match_count(gold, [A(10, 20)], None) == 0  # touching is not overlapping


def test_precision_recall_per_attribute_and_label():
    gold = [
        A(0, 10, "ceasefire", holder="russia", polarity="oppose"),
        A(0, 10, "ceasefire", holder="ukraine", polarity="oppose"),
        A(20, 30, "sanctions_relief", holder="speaker:Jane", polarity="support"),
    ]
    pred = [
        A(0, 9, "ceasefire", holder="russia", polarity="oppose"),
        A(21, 30, "sanctions_relief", holder="speaker:author", polarity="oppose"),
        A(40, 50, "other", holder="trump", polarity="support"),
    ]
    s = score_layer("statement", [(gold, pred)])
    span = s.criteria["span"]
    assert (span.n_pred, span.n_gold, span.tp_pred) == (3, 3, 2)
    assert span.precision == pytest.approx(2 / 3) and span.recall == pytest.approx(2 / 3)
    assert s.criteria["concept"].tp_pred == 2
    assert s.criteria["holder"].tp_pred == 2  # speaker:Jane and speaker:author both mean "the speaker's own view"
    assert s.criteria["polarity"].tp_pred == 1
    full = s.criteria["holder+concept+polarity"]
    assert full.tp_pred == 1 and full.f1 == pytest.approx(1 / 3)
    assert s.per_label["ceasefire"].precision == 1.0 and s.per_label["ceasefire"].recall == 0.5
    assert s.per_label["other"].n_gold == 0 and s.per_label["other"].f1 == 0.0


def test_empty_sides():
    s = score_layer("claim", [([], []), ([A(0, 5, "claim", "claim")], [])])
    c = s.criteria["span"]
    assert (c.precision, c.recall, c.f1) == (0.0, 0.0, 0.0) and c.n_gold == 1
