"""PTC articles end to end: ingest with exact offsets, techniques stage, PTC export, read back, score."""

from pathlib import Path

import pytest
from sqlalchemy import select

from onrecord.export import EXPORT_FORMATS, format_for_export, ptc_article_id
from onrecord.evaluation.ptc import Label, article_id, read_article, read_labels, score_si, score_tc, tc_predictions
from onrecord.registry import get as registry_get
from onrecord.store import schema

# Invented articles in the PTC shape: title line, blank line, text. The first title looks like a
# speaker label ("City Council: ..."), which only changes the turn layer.
ARTICLES = {
    "101": "City Council: The Bridge Vote Was A Shameful Farce\n\nThe so-called experts at city hall approved the bridge again. "
           "Everybody knows the money is gone. It is what it is.\n",
    "202": "Storm Season Is Coming\n\nIf the levees fail, the whole valley will be wiped out. Our nation deserves better than "
           "these warmongers in the capital. What about their own promises?\n",
    "303": "Notes from the harbour\n\nThe harbour reopened on Monday after repairs. Ships arrived on schedule.\n",
}
# Hand-made gold: (article, technique, quoted span).
GOLD = [
    ("101", "Loaded_Language", "Shameful Farce"),
    ("101", "Doubt", "so-called experts"),
    ("101", "Bandwagon,Reductio_ad_hitlerum", "Everybody knows"),
    ("101", "Thought-terminating_Cliches", "It is what it is"),
    ("202", "Appeal_to_fear-prejudice", "the whole valley will be wiped out"),
    ("202", "Flag-Waving", "Our nation"),
    ("202", "Name_Calling,Labeling", "warmongers"),
    ("202", "Whataboutism,Straw_Men,Red_Herring", "What about their own promises?"),
]
PTC = "onrecord.export.ptc.v1"


def _gold() -> list[Label]:
    out = []
    for aid, technique, quote in GOLD:
        at = ARTICLES[aid].index(quote)
        out.append(Label(aid, at, at + len(quote), technique))
    return out


@pytest.fixture
def ptc_corpus(tmp_path, corpus):
    folder = tmp_path / "ptc"
    folder.mkdir()
    for aid, text in ARTICLES.items():
        (folder / f"article{aid}.txt").write_text(text, encoding="utf-8", newline="\n")
    report = corpus.ingest([folder])
    assert report.ok and len(report.added) == 3, report.problems
    analysed = corpus.analyze(stages=["onrecord.sentences.v1", "onrecord.techniques.v1"], workers=0)
    assert analysed.ok, analysed.problems
    return corpus, folder


def _sources(corpus) -> dict[int, list[str]]:
    s = schema.sources.c
    with corpus.store.read() as conn:
        rows = conn.execute(select(s.doc_id, s.path).order_by(s.id)).all()
    out: dict[int, list[str]] = {}
    for doc_id, path in rows:
        out.setdefault(doc_id, []).append(path)
    return out


def test_a_ptc_article_is_stored_as_the_file_text(ptc_corpus):
    corpus, folder = ptc_corpus
    sources = _sources(corpus)
    for doc in corpus.documents():
        (path,) = sources[doc.id]
        aid, file_text = read_article(path)
        assert doc.text == file_text == ARTICLES[aid]


def test_the_analysis_covers_the_whole_article(ptc_corpus):
    corpus, _ = ptc_corpus
    for doc in corpus.documents():
        # a title read as a speaker label ("City Council:") is outside its turn; everything else is analysed
        labels = [(t.attrs["label_start"], t.start) for t in doc.layer("turn") if "label_start" in t.attrs]
        sentences = doc.layer("sentence")
        for i, ch in enumerate(doc.text):
            if ch.isspace() or any(s <= i < e for s, e in labels):
                continue
            assert any(a.start <= i < a.end for a in sentences), (doc.text[max(0, i - 20) : i + 20], i)


def test_export_ptc_reads_back_and_scores_against_hand_made_gold(ptc_corpus, tmp_path):
    corpus, _ = ptc_corpus
    sources = _sources(corpus)
    ids = corpus.document_ids()
    records = []
    for record in corpus.records(ids, ["technique"]):
        record["sources"] = sources[record["id"]]  # what document_record(..., sources=...) adds
        records.append(record)
    out = tmp_path / "pred.labels"
    n = registry_get("exporters", PTC)(records, str(out))
    pred = read_labels(out)
    assert n == len(pred) == sum(len(r["annotations"]) for r in records) > 0
    assert {x.article_id for x in pred} <= set(ARTICLES)
    # what was exported is exactly the technique layer, offsets into the article files
    for x in pred:
        assert x.end <= len(ARTICLES[x.article_id])
    stored = {(ptc_article_id(r), a["start"], a["end"], a["label"]) for r in records for a in r["annotations"]}
    assert {(x.article_id, x.start, x.end, x.technique) for x in pred} == stored
    assert not any(x.article_id == "303" for x in pred)  # the neutral article has no techniques

    gold = _gold()
    si = score_si(gold, pred)
    assert si.precision >= 0.6 and si.recall >= 0.6, si
    tc = score_tc(gold, tc_predictions(gold, pred))
    assert tc.micro.recall >= 0.6 and tc.micro.precision >= 0.8, tc.to_dict()


def test_corpus_export_with_format_ptc_writes_technique_lines_only(ptc_corpus, tmp_path):
    corpus, _ = ptc_corpus
    out = tmp_path / "all.labels"
    n = corpus.export(out, format="ptc")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert n == len(lines) > 0
    assert all(len(line.split("\t")) == 4 for line in lines)
    n_technique = sum(len(d.layer("technique")) for d in corpus.documents())
    assert n == n_technique
    assert format_for_export(str(out)) == PTC == EXPORT_FORMATS["ptc"] == format_for_export("x.txt", "ptc")


def test_ptc_article_id_of_a_record():
    def rec(sources=None, extra=None, id=9):
        r = {"id": id, "meta": {"extra": extra or {}}}
        if sources is not None:
            r["sources"] = sources
        return r

    assert ptc_article_id(rec(["/data/article777.txt"])) == "777"
    assert ptc_article_id(rec(["/data/notes.txt", "/mirror/article12.txt"])) == "12"
    assert ptc_article_id(rec(extra={"article_id": "article55"})) == "55"
    assert ptc_article_id(rec(["/data/notes.txt"])) == "9"  # no digits anywhere: the document id
    assert article_id(Path("article5.txt")) == "5"
