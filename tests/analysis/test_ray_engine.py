"""The Ray engine runs the same stages as the local one: same annotations, same re-run rule, the same
per-document error isolation; a missing Ray or an unreachable cluster is one clear error.

One local Ray instance serves the whole module (started once; the runner joins it and leaves it up).
"""

import sys

import pytest
from sqlalchemy import func, select

from onrecord._types import Annotation
from onrecord.analysis.base import stage
from onrecord.errors import ConfigError
from onrecord.store import schema

pytestmark = pytest.mark.ray

BASIC = ["onrecord.sentences.v1", "onrecord.actors.v1"]
TEXTS = [
    " date 2025-01-01 Trump wants peace. Putin wants more. Zelensky wants guarantees.",
    " date 2025-01-02 Nothing will explode here, says Macron. He is sure.",
    "Host: What does Europe want?\n\nGuest: Brussels wants a ceasefire. Moscow rejects it.",
    "Biden said the war will end soon. Nobody believes him.",
    "Orban blocks the sanctions. The EU will decide in March.",
]


@pytest.fixture(scope="module")
def ray_session():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True, logging_level="WARNING")
    yield ray
    ray.shutdown()


@pytest.fixture
def small(corpus, write):
    for i, text in enumerate(TEXTS):
        write(f"d{i}.txt", text)
    report = corpus.ingest(write("last.txt", "Merz wants Taurus for Kyiv. Scholz said no.").parent)
    assert report.ok, report.problems
    return corpus


def _spans(corpus):
    return {(d.sha256, x.start, x.end, x.layer, x.label, x.source) for d in corpus.documents() for x in d.annotations(["sentence", "actor"])}


def test_ray_gives_the_same_annotations_as_local_and_reruns_skip(ray_session, small):
    local = small.analyze(stages=BASIC, workers=0)
    assert local.ok and len(local.analysed) == len(TEXTS) + 1
    expected = _spans(small)
    assert expected
    by_ray = small.analyze(stages=BASIC, engine="ray", workers=2, force=True)
    assert by_ray.ok, [str(p) for p in by_ray.problems]
    assert sorted(by_ray.analysed) == sorted(local.analysed)
    assert by_ray.annotations == local.annotations
    assert _spans(small) == expected  # replaced, not duplicated
    again = small.analyze(stages=BASIC, engine="ray", workers=2)
    assert again.analysed == [] and sorted(again.skipped) == sorted(local.analysed)
    assert ray_session.is_initialized()  # the runner left the session it joined running


def test_a_stage_crashing_in_a_ray_worker_reports_that_document_only(ray_session, corpus, write):
    # Defined in the test, so Ray ships the function itself to its workers (the registry of this
    # process is not theirs).
    @stage("test.rayfragile.v1", requires=("turn",), assigns=("fragile",))
    def fragile(doc, res):
        if "poison" in doc.text:
            raise RuntimeError("cannot digest this")
        return [Annotation(0, 1, "fragile", "ok", source="test.rayfragile.v1")]

    for i in range(4):
        write(f"d{i}.txt", f"Document {i} is fine.")
    corpus.ingest(write("bad.txt", "This one has poison in it.").parent)
    report = corpus.analyze(stages=["test.rayfragile.v1"], engine="ray", workers=2)
    assert len(report.analysed) == 4 and len(report.problems) == 1, [str(p) for p in report.problems]
    assert "cannot digest this" in report.problems[0].reason and "test.rayfragile.v1" in report.problems[0].reason
    with corpus.store.read() as conn:
        assert conn.execute(select(func.count()).select_from(schema.analysis_state)).scalar() == 4
    again = corpus.analyze(stages=["test.rayfragile.v1"], engine="ray", workers=2)
    assert len(again.skipped) == 4 and len(again.problems) == 1  # only the failed one is tried again


def test_an_unreachable_address_is_one_clear_error(corpus, write):
    pytest.importorskip("ray")
    corpus.ingest(write("a.txt", "Trump wants peace."))
    with pytest.raises(ConfigError, match=r"cannot reach a Ray cluster at '127\.0\.0\.1:1'"):
        corpus.analyze(stages=BASIC, engine="ray", address="127.0.0.1:1")
    with pytest.raises(ConfigError, match="not a Ray cluster address"):
        corpus.analyze(stages=BASIC, engine="ray", address="nowhere")
    with corpus.store.read() as conn:  # nothing ran, nothing was recorded
        assert conn.execute(select(func.count()).select_from(schema.runs)).scalar() == 1  # the ingest


def test_missing_ray_says_how_to_install_it(corpus, write, monkeypatch):
    corpus.ingest(write("a.txt", "Trump wants peace."))
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now raises ImportError
    with pytest.raises(ConfigError, match=r"the ray engine needs onrecord\[ray\]: pip install 'onrecord\[ray\]'"):
        corpus.analyze(stages=BASIC, engine="ray")


def test_an_unknown_engine_is_refused(corpus, write):
    corpus.ingest(write("a.txt", "Trump wants peace."))
    with pytest.raises(ConfigError, match="unknown analysis engine 'spark'"):
        corpus.analyze(stages=BASIC, engine="spark")


def test_cli_engine_options(ray_session, small, tmp_path):
    from typer.testing import CliRunner

    from onrecord.cli import app

    db = str(tmp_path / "test.db")
    result = CliRunner().invoke(app, ["--db", db, "analyze", "--stages", ",".join(BASIC), "--engine", "ray", "--workers", "2", "--json"])
    assert result.exit_code == 0, result.output
    bad = CliRunner().invoke(app, ["--db", db, "analyze", "--engine", "ray", "--address", "127.0.0.1:1"])
    assert bad.exit_code != 0 and "cannot reach a Ray cluster" in bad.output
