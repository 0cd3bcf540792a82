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
    ("onrecord", "statement", "span"): 0.66,
    ("onrecord", "statement", "holder"): 0.44,
    ("onrecord", "statement", "concept"): 0.34,
    ("onrecord", "statement", "polarity"): 0.48,
    ("onrecord", "prediction", "span"): 0.67,
    ("onrecord", "prediction", "holder"): 0.62,
    ("onrecord", "technique", "span"): 0.47,
    ("onrecord", "technique", "label"): 0.40,
    ("onrecord", "claim", "span"): 0.52,
    ("heldout", "actor", "label"): 0.86,
    ("heldout", "statement", "span"): 0.63,
    ("heldout", "statement", "holder"): 0.43,
    ("heldout", "statement", "concept"): 0.35,
    ("heldout", "statement", "polarity"): 0.45,
    ("heldout", "prediction", "span"): 0.72,
    ("heldout", "prediction", "holder"): 0.59,
    ("heldout", "technique", "span"): 0.48,
    ("heldout", "technique", "label"): 0.37,
    ("heldout", "claim", "span"): 0.64,
}
#: (gold folder, SI or TC) -> lowest acceptable F1 with the SemEval-2020 Task 11 scorer semantics.
PTC_FLOORS = {("onrecord", "SI"): 0.45, ("onrecord", "TC"): 0.41, ("heldout", "SI"): 0.39, ("heldout", "TC"): 0.41}


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


@pytest.mark.parametrize("key", sorted(PTC_FLOORS), ids=lambda k: "-".join(k))
def test_technique_ptc_floor(reports, key):
    folder, task = key
    assert reports[folder].ptc[task]["f1"] >= PTC_FLOORS[key], (folder, task, reports[folder].ptc[task])
