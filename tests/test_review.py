"""Human review: verify / correct / delete / add survive re-analysis, with who and when."""

import pytest

from onrecord.errors import ConfigError, NotFoundError

TEXT = (" date 2025-12-04 Radio, Show Host: What next?\n\nAnna Lee: Putin rejects a ceasefire. "
        "Trump supports negotiations with Moscow. Zelensky wants more weapons.")
STAGES = ["onrecord.sentences.v1", "onrecord.actors.v1", "onrecord.statements.v1"]


@pytest.fixture
def coded(corpus, write):
    corpus.ingest(write("r.txt", TEXT))
    corpus.analyze(workers=0, stages=STAGES)
    return corpus


def _statements(corpus):
    return corpus.documents()[0].layer("statement")


def _reanalyse(corpus):
    corpus.analyze(workers=0, force=True, stages=STAGES)


def test_correct_persists_and_keeps_the_machine_original(coded):
    first = _statements(coded)[0]
    before = len(_statements(coded))
    out = coded.correct_annotation(first.id, label="war", attrs={"polarity": "oppose"}, by="ana", note="misread")
    assert out["source"] == "human:ana" and out["verified"] and out["label"] == "war"
    assert out["attrs"]["polarity"] == "oppose"
    review = out["attrs"]["review"]
    assert review["by"] == "ana" and review["machine"]["label"] == first.label and review["history"][0]["note"] == "misread"
    _reanalyse(coded)
    after = _statements(coded)
    assert len(after) == before  # the machine did not add its old reading back next to the correction
    kept = [a for a in after if a.id == first.id]
    assert kept and kept[0].label == "war" and kept[0].attrs["polarity"] == "oppose"
    assert not [a for a in after if (a.start, a.end, a.label) == (first.start, first.end, first.label)]


def test_delete_is_not_undone_by_reanalysis(coded):
    victim = _statements(coded)[-1]
    n = len(_statements(coded))
    coded.delete_annotation(victim.id, by="ana", reason="not a statement")
    _reanalyse(coded)
    left = _statements(coded)
    assert len(left) == n - 1
    assert not [a for a in left if (a.start, a.end, a.label) == (victim.start, victim.end, victim.label)]


def test_verify_and_add(coded):
    target = _statements(coded)[0]
    coded.verify_annotation(target.id, by="bo")
    added = coded.add_annotation(1, start=0, end=5, layer="claim", label="claim", attrs={"type": "event"}, by="bo")
    assert added["source"] == "human:bo" and added["attrs"]["review"]["action"] == "add"
    _reanalyse(coded)
    d = coded.documents()[0]
    again = [a for a in d.layer("statement") if (a.start, a.end, a.label) == (target.start, target.end, target.label)]
    assert len(again) == 1 and again[0].verified and again[0].attrs["review"]["by"] == "bo"
    assert [a.id for a in d.layer("claim") if a.source == "human:bo"] == [added["id"]]


def test_bad_reviews_are_refused(coded):
    ann = _statements(coded)[0]
    turn = coded.documents()[0].layer("turn")[0]
    with pytest.raises(ConfigError, match="cannot be edited"):
        coded.correct_annotation(turn.id, label="x")
    with pytest.raises(ConfigError, match="cannot set"):
        coded.correct_annotation(ann.id, attrs={"colour": "red"})
    with pytest.raises(ConfigError, match="polarity"):
        coded.correct_annotation(ann.id, attrs={"polarity": "maybe"})
    with pytest.raises(ConfigError, match="nothing to change"):
        coded.correct_annotation(ann.id, label=ann.label)
    with pytest.raises(ConfigError, match="not inside"):
        coded.add_annotation(1, start=5, end=10**6, layer="claim", label="claim")
    with pytest.raises(NotFoundError):
        coded.verify_annotation(10**9)
