"""Accuracy floors on our own gold (docs/annotation.md): the whole pipeline runs on the gold texts and
``Corpus.evaluate`` scores it. ``gold/onrecord`` is the development set (the two sample transcripts and
four texts we wrote); ``gold/heldout`` (four more texts, another annotator) was not looked at while the
analyzers were tuned. A regression below a floor fails CI; the measured values are in the README."""

import pytest

import onrecord
from tests.conftest import ROOT

#: (gold folder, layer, criterion) -> lowest acceptable F1 (measured values minus a small margin).
FLOORS = {
    ("onrecord", "actor", "label"): 0.84,
    ("onrecord", "statement", "span"): 0.65,
    ("onrecord", "statement", "holder"): 0.43,
    ("onrecord", "statement", "concept"): 0.34,
    ("onrecord", "statement", "polarity"): 0.47,
    ("onrecord", "prediction", "span"): 0.65,
    ("onrecord", "prediction", "holder"): 0.60,
    ("onrecord", "claim", "span"): 0.50,
    ("onrecord", "technique", "span"): 0.0,
    ("heldout", "actor", "label"): 0.84,
    ("heldout", "statement", "span"): 0.60,
    ("heldout", "statement", "holder"): 0.36,
    ("heldout", "statement", "concept"): 0.33,
    ("heldout", "prediction", "span"): 0.60,
    ("heldout", "claim", "span"): 0.60,
    ("heldout", "technique", "span"): 0.0,
}


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    out = {}
    with onrecord.open(tmp_path_factory.mktemp("gold") / "gold.db") as corpus:
        for name in ("onrecord", "heldout"):
            out[name] = corpus.evaluate(ROOT / "gold" / name, prepare=True)
    return out


@pytest.mark.parametrize("key", sorted(FLOORS), ids=lambda k: "-".join(k))
def test_f1_floor(reports, key):
    folder, layer, criterion = key
    prf = reports[folder].layers[layer].criteria[criterion]
    assert prf.f1 >= FLOORS[key], f"{folder} {layer} {criterion}: F1 {prf.f1:.3f} < floor {FLOORS[key]}"


def test_technique_scores_follow_the_ptc_semantics(reports):
    for report in reports.values():
        assert set(report.ptc) >= {"SI", "TC"}
        for s in report.ptc.values():
            assert 0.0 <= s["precision"] <= 1.0 and 0.0 <= s["recall"] <= 1.0
