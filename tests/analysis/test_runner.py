"""The analysis runner: re-run rule, versions, verified annotations, per-document isolation."""

import pytest
from sqlalchemy import select, update

from onrecord._types import Annotation
from onrecord.analysis.base import stage
from onrecord.store import schema

BASIC = ["onrecord.sentences.v1", "onrecord.actors.v1"]


@stage("test.marker.v1", requires=("sentence",), assigns=("marker",))
def marker_v1(doc, res):
    return [Annotation(a.start, a.end, "marker", "v1", source="test.marker.v1") for a in doc.layer("sentence")[:2]]


@stage("test.marker.v2", requires=("sentence",), assigns=("marker",))
def marker_v2(doc, res):
    return [Annotation(a.start, a.end, "marker", "v2", source="test.marker.v2") for a in doc.layer("sentence")[:3]]


@stage("test.boom.v1", requires=("turn",), assigns=("boom",))
def boom(doc, res):
    if "explode" in doc.text:
        raise ValueError("synthetic failure")
    return [Annotation(0, 1, "boom", "ok", source="test.boom.v1")]


@pytest.fixture
def two(corpus, write):
    write("a.txt", " date 2025-01-01 Trump wants peace. Putin wants more. Zelensky wants guarantees.")
    report = corpus.ingest(write("b.txt", " date 2025-01-02 Nothing will explode here, says Macron. He is sure.").parent)
    assert report.ok
    return corpus


def test_analyze_then_skip_then_force(two):
    first = two.analyze(stages=BASIC, workers=0)
    assert first.ok and len(first.analysed) == 2 and first.annotations["sentence"] > 0
    again = two.analyze(stages=BASIC, workers=0)
    assert again.analysed == [] and sorted(again.skipped) == sorted(first.analysed)
    forced = two.analyze(stages=BASIC, workers=0, force=True)
    assert len(forced.analysed) == 2
    counts = two.stats()["layers"]
    assert counts["sentence"] == first.annotations["sentence"]  # replaced, not duplicated


def test_workers_give_the_same_annotations(two, tmp_path):
    two.analyze(stages=BASIC, workers=2)
    a = {(x.start, x.end, x.layer, x.label) for d in two.documents() for x in d.annotations(["sentence", "actor"])}
    two.analyze(stages=BASIC, workers=0, force=True)
    b = {(x.start, x.end, x.layer, x.label) for d in two.documents() for x in d.annotations(["sentence", "actor"])}
    assert a == b and a


def test_new_version_replaces_machine_annotations_but_never_verified(two):
    two.analyze(stages=["onrecord.sentences.v1", "test.marker.v1"], workers=0)
    doc = two.documents()[0]
    kept = doc.layer("marker")[0]
    with two.store.write() as conn:  # a person verified one v1 annotation
        conn.execute(update(schema.annotations).where(schema.annotations.c.id == kept.id).values(verified=True))
    report = two.analyze(stages=["onrecord.sentences.v1", "test.marker.v2"], workers=0)
    assert len(report.analysed) == 2
    doc = two.document(doc.id)
    markers = doc.layer("marker")
    assert {m.label for m in markers if not m.verified} == {"v2"}
    assert [m for m in markers if m.verified] == [m for m in markers if m.id == kept.id]
    assert not any(m.source == "test.marker.v1" and not m.verified for m in markers)
    with two.store.read() as conn:
        s = schema.analysis_state.c
        assert {r for (r,) in conn.execute(select(s.stage).where(s.stage_base == "test.marker"))} == {"test.marker.v2"}


def test_a_failing_document_is_reported_and_the_rest_goes_on(two):
    report = two.analyze(stages=["test.boom.v1"], workers=0)
    assert not report.ok and len(report.problems) == 1 and len(report.analysed) == 1
    assert "synthetic failure" in report.problems[0].reason and "test.boom.v1" in report.problems[0].reason
    bad = int(report.problems[0].path.split()[-1])
    assert two.document(bad).layer("boom") == []
    # the failed document is retried next time, the good one is not
    again = two.analyze(stages=["test.boom.v1"], workers=0)
    assert again.analysed == [] and len(again.problems) == 1 and len(again.skipped) == 1


def test_stages_needing_unstored_layers_are_refused(two):
    from onrecord.errors import ConfigError

    with pytest.raises(ConfigError, match="requires layer"):
        two.analyze(stages=["test.marker.v1"], workers=0)


def test_only_selects_documents(two):
    first = two.documents()[0]
    report = two.analyze([first.sha256[:10]], stages=BASIC, workers=0)
    assert report.analysed == [first.id]
