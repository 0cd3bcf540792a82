"""The report on the sample corpus: the June -> December truce shift and the open predictions, as
self-contained HTML (inline SVG, no scripts) and as Markdown with SVG files."""

import re

import pytest


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    import shutil

    import onrecord
    from tests.conftest import SAMPLES

    folder = tmp_path_factory.mktemp("samples")
    for f in SAMPLES.iterdir():
        shutil.copy(f, folder)
    corpus = onrecord.open(tmp_path_factory.mktemp("db") / "r.db")
    corpus.ingest(folder, speaker="Alexander Dugin")
    corpus.analyze(workers=0)
    yield corpus
    corpus.close()


def test_html_report_shows_the_truce_shift_and_open_predictions(analysed, tmp_path):
    data = analysed.report(tmp_path / "r.html", since="2025-06-01", today="2025-12-10")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", html)  # nothing fetched from elsewhere
    assert html.count("<svg") == 2
    truce = [s for s in data["shifts"] if s["concept"] == "ceasefire" and s["before"]["date"] == "2025-06-08"]
    assert truce and truce[0]["after"]["date"] == "2025-12-04"
    assert "objectively impossible" in html and "temporary truce" in html
    assert data["predictions_made"] and all(p["status"] in ("open", "overdue") for p in data["predictions_made"])
    assert "anytime soon" in html
    assert data["new_actors"] and data["new_positions"]


def test_since_limits_what_is_new(analysed):
    later = analysed.report(since="2025-12-01", today="2025-12-10")
    assert all(a["first"] >= "2025-12-01" for a in later["new_actors"])
    assert all(s["after"]["date"] >= "2025-12-01" for s in later["shifts"])
    assert later["documents_since"] == 1


def test_markdown_report_writes_svg_charts(analysed, tmp_path):
    data = analysed.report(tmp_path / "r.md", since="2025-06-01", today="2025-12-10")
    md = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert md.startswith("# What changed since 2025-06-01")
    charts = re.findall(r"\]\((r-\w+\.svg)\)", md)
    assert charts and all((tmp_path / c).read_text(encoding="utf-8").startswith("<svg") for c in charts)
    assert len(data["files"]) == 1 + len(charts)


def test_empty_store_report(tmp_path):
    import onrecord

    with onrecord.open(tmp_path / "e.db") as corpus:
        data = corpus.report(tmp_path / "e.html")
    assert data["shifts"] == [] and "None." in (tmp_path / "e.html").read_text(encoding="utf-8")


def test_speaker_report_counts_what_is_new_for_that_speaker(corpus, write):
    """A position B takes in December is new for B even though A took it in June; the whole-corpus
    report does not call it new. Everything else in B's report is B's."""
    from onrecord._types import Annotation
    from onrecord.store.writer import insert_annotations

    for day in ("2025-06-08", "2025-12-04"):
        write(f"{day}.txt", f" date {day} Some text here for the statements of {day}.")
    corpus.ingest(write("z.txt", " date 2025-12-05 Nothing.").parent)
    docs = {d.meta.date.isoformat(): d.id for d in corpus.documents()}

    def st(start, speaker, polarity="oppose"):
        return Annotation(start, start + 4, "statement", "ceasefire", {"holder": "russia", "polarity": polarity, "speaker": speaker}, 0.8, "t.v1")

    def actor(start, speaker):
        return Annotation(start, start + 4, "actor", "russia", {"name": "Russia", "speaker": speaker}, 0.9, "t.v1")

    with corpus.store.write() as conn:
        insert_annotations(conn, docs["2025-06-08"], [st(17, "A"), actor(22, "A")])
        insert_annotations(conn, docs["2025-12-04"], [st(17, "B"), actor(22, "B"), st(27, "A", "support")])
    everyone = corpus.report(since="2025-12-01", today="2025-12-10")
    assert [(p["holder"], p["polarity"]) for p in everyone["new_positions"]] == [("russia", "support")]
    assert everyone["new_actors"] == []
    b = corpus.report(since="2025-12-01", today="2025-12-10", speaker="b")  # names match without case
    assert [(p["holder"], p["polarity"], p["speaker"]) for p in b["new_positions"]] == [("russia", "oppose", "B")]
    assert [a["actor"] for a in b["new_actors"]] == ["russia"]
    assert b["shifts"] == [] and b["speaker"] == "b"
    a = corpus.report(since="2025-12-01", today="2025-12-10", speaker="A")
    assert [s["speaker"] for s in a["shifts"] if s["kind"] == "polarity"] == ["A"]
    assert corpus.report(since="2025-12-01", speaker="nobody")["new_positions"] == []
