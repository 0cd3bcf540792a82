"""Bad or odd documents never crash an analysis batch: each is analysed or reported, the rest goes on,
and every annotation stays inside its document's text."""

import pytest

from onrecord._types import Annotation
from onrecord.analysis.base import stage

ODD = {
    "empty_after_header.txt": " date 2025-01-01 Radio, Show ",
    "punctuation.txt": "!!! ??? ... --- ;;; “” ‘’ [] () \n\n * * *",
    "one_long_sentence.txt": " ".join(["Trump wants peace and Putin wants victory"] * 900),
    "huge_paragraph.txt": ("Zelensky said the war will end soon. " * 3000).strip(),
    "no_spaces.txt": "x" * 30000,
    "mixed_scripts.txt": "Путин сказал: мир. 特朗普 wants 和平. Zelensky — «ceasefire» now! 😀" * 20,
    "labels_only.txt": " date 2025-01-01 Radio, Show Host: \n\nGuest: \n\nHost: Ok.",
    "control_chars.txt": "Trump\u200b wants\u00ad peace\u2028Putin\tdoes not.\x0c",
}


@pytest.fixture
def odd(corpus, write):
    for name, text in ODD.items():
        write(name, text)
    report = corpus.ingest(write("ok.txt", "Trump wants a ceasefire. Putin rejects it.").parent)
    assert report.ok, report.problems
    return corpus


def test_odd_documents_are_analysed_and_spans_stay_inside(odd):
    report = odd.analyze(workers=0)
    assert report.ok, [str(p) for p in report.problems]
    assert len(report.analysed) == len(ODD) + 1
    for doc in odd.documents():
        for a in doc.annotations():
            assert 0 <= a.start < a.end <= len(doc.text), (doc.id, a)
            assert a.layer in ("header", "turn", "editorial") or a.source.startswith("onrecord.")


def test_a_stage_crashing_in_a_worker_is_isolated(corpus, write):
    @stage("test.fragile.v1", requires=("turn",), assigns=("fragile",))
    def fragile(doc, res):
        if "poison" in doc.text:
            raise RuntimeError("cannot digest this")
        return [Annotation(0, 1, "fragile", "ok", source="test.fragile.v1")]

    for i in range(4):
        write(f"d{i}.txt", f"Document {i} is fine.")
    corpus.ingest(write("bad.txt", "This one has poison in it.").parent)
    report = corpus.analyze(stages=["test.fragile.v1"], workers=2)
    assert len(report.analysed) == 4 and len(report.problems) == 1
    assert "cannot digest this" in report.problems[0].reason
    with corpus.store.read() as conn:
        from sqlalchemy import func, select

        from onrecord.store import schema

        assert conn.execute(select(func.count()).select_from(schema.analysis_state)).scalar() == 4


def test_bad_codebook_is_a_clear_error(corpus, write, tmp_path):
    from onrecord.errors import ConfigError

    corpus.ingest(write("a.txt", "Trump wants peace."))
    bad = tmp_path / "bad.yaml"
    bad.write_text("actors: [this is: not, valid", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read codebook"):
        corpus.analyze(codebook=bad, workers=0)
    bad.write_text("actors:\n  - id: x\n    type: planet\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="planet"):
        corpus.analyze(codebook=bad, workers=0)
    with corpus.store.read() as conn:  # nothing ran, nothing was recorded as analysed
        from sqlalchemy import func, select

        from onrecord.store import schema

        assert conn.execute(select(func.count()).select_from(schema.analysis_state)).scalar() == 0
