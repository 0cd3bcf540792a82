"""Statements, predictions and claims on hand-built sentences (behaviour, not accuracy: accuracy is
measured against gold in tests/evaluation/test_gold_floors.py)."""

import pytest

from onrecord.analysis.claims import claims
from onrecord.analysis.predictions import predictions
from onrecord.analysis.statements import statements


def _statements(adoc, resources, text, **kw):
    doc = adoc(text, **kw)
    return [(a.label, a.attrs["holder"], a.attrs["polarity"], a.attrs["modality"], a.attrs["kind"]) for a in statements(doc, resources)]


def test_attributed_interest(adoc, resources):
    got = _statements(adoc, resources, "Trump, by all accounts, really wants to get out of this war.", speaker="Commentator")
    assert ("us_exit", "trump", "support", "hedged", "interest") in got


def test_two_holders_of_one_negated_position(adoc, resources):
    got = _statements(adoc, resources, "Neither we nor Ukraine are satisfied with any kind of ceasefire.", speaker="Alexander Dugin")
    holders = {(label, h, p) for label, h, p, _, _ in got}
    assert ("ceasefire", "russia", "oppose") in holders and ("ceasefire", "ukraine", "oppose") in holders


def test_reported_speech_makes_the_subject_the_holder(adoc, resources):
    got = _statements(adoc, resources, "Peskov said that Moscow rejects any truce.", speaker="Analyst")
    assert any(h == "peskov" and m == "reported" and label == "ceasefire" for label, h, _, m, _ in got)


def test_conditions_and_prescriptions(adoc, resources):
    got = _statements(adoc, resources, "Russia will accept a ceasefire only if Kiev withdraws from Donbass. Europe must stop sending weapons.")
    kinds = {(label, h, k) for label, h, _, _, k in got}
    assert any(k == "condition" and h == "russia" for _, h, k in kinds)
    assert any(k == "prescription" and h == "europe" and label == "military_aid" for label, h, k in kinds)


def test_the_speakers_own_view_and_questions(adoc, resources):
    text = " date 2025-01-01 Radio, Show Host: Will there be a ceasefire?\n\nJane Roe: In my view the sanctions are not working."
    got = _statements(adoc, resources, text)
    assert all(h != "speaker:Host" for _, h, _, _, _ in got)  # questions are not statements
    assert ("sanctions_relief", "speaker:Jane Roe", "oppose", "hedged", "claim") in got or any(
        label == "sanctions_relief" and h == "speaker:Jane Roe" for label, h, _, _, _ in got
    )


def test_predictions_with_horizon_and_confidence(adoc, resources):
    doc = adoc(" date 2025-12-04 There will be neither truce nor peace anytime soon. Kiev may collapse by spring. Trump left.", speaker="X")
    got = [(doc.text[a.start : a.end], a.label, a.attrs) for a in predictions(doc, resources)]
    assert len(got) == 2
    (t1, l1, a1), (t2, l2, a2) = got
    assert l1 == "ceasefire" and a1["horizon"] == "anytime soon" and a1["horizon_end"] is None and a1["confidence"] == "certain"
    assert a1["holder"] == "speaker:X" and a1["status"] == "open"
    assert a2["horizon"] == "by spring" and a2["horizon_end"] == "2026-05-31" and a2["confidence"] == "possible"


def test_attributed_prediction(adoc, resources):
    doc = adoc("Rubio said the talks will resume next week.")
    (p,) = predictions(doc, resources)
    assert p.attrs["holder"] == "rubio" and p.label == "negotiations"


@pytest.mark.parametrize(
    "text, checkworthy",
    [
        ("In 2024 the EU froze 210 billion euros of Russian assets.", True),
        ("Witkoff met Putin in Moscow on Tuesday and said the meeting was useful.", True),
        ("I think this is all very sad.", False),
        ("Peace will come one day.", False),
    ],
)
def test_check_worthy_claims(adoc, resources, text, checkworthy):
    found = claims(adoc(text), resources)
    assert bool(found) is checkworthy
    for c in found:
        assert 0 <= c.score <= 1 and c.attrs["type"] in ("number", "event", "attribution", "other")
