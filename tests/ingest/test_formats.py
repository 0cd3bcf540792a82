"""Every input format: text/Markdown with front matter, JSONL, CSV/TSV, HTML, and the export round trip."""

from __future__ import annotations

import datetime as dt
import json

from onrecord.ingest.decode import decode_bytes, normalise_text
from tests.conftest import assert_same_documents


def _only(corpus):
    (doc,) = corpus.documents()
    return doc


def test_markdown_front_matter(corpus, write):
    path = write(
        "op-ed.md",
        "---\ndate: 4 December 2025\noutlet: The Paper\nauthor: Jane Roe\ntitle: On truces\nlanguage: en\n"
        "url: https://example.org/x\ntags: [war, peace]\n---\nA truce is only a respite.\n",
    )
    report = corpus.ingest([path])
    assert report.ok and len(report.added) == 1
    doc = _only(corpus)
    assert doc.text == "A truce is only a respite.\n"
    m = doc.meta
    assert (m.date, m.outlet, m.author, m.title, m.language, m.url) == (
        dt.date(2025, 12, 4), "The Paper", "Jane Roe", "On truces", "en", "https://example.org/x"
    )
    assert m.extra == {"tags": ["war", "peace"]}
    (turn,) = doc.layer("turn")
    assert turn.attrs["speaker"] == "Jane Roe" and doc.text[turn.start : turn.end] == "A truce is only a respite."


def test_front_matter_and_transcript_header_combine(corpus, write):
    path = write("t.txt", "---\nauthor: Alexander Dugin\n---\n date 2025-06-08 Radio Sputnik, Escalation\nText of the talk.")
    corpus.ingest([path])
    doc = _only(corpus)
    assert (doc.meta.author, doc.meta.date, doc.meta.outlet) == ("Alexander Dugin", dt.date(2025, 6, 8), "Radio Sputnik")
    assert [t.attrs["speaker"] for t in doc.layer("turn")] == ["Alexander Dugin"]


def test_nfc_and_line_breaks_normalised_offsets_refer_to_stored_text(corpus, write):
    decomposed = "Cafe\u0301 talk\r\nsecond line\rthird"
    path = write("nfd.txt", decomposed)
    corpus.ingest([path])
    doc = _only(corpus)
    assert doc.text == "Café talk\nsecond line\nthird"
    (turn,) = doc.layer("turn")
    assert doc.text[turn.start : turn.end] == doc.text


def test_jsonl_rows_with_default_and_custom_columns(corpus, write):
    rows = [
        {"id": "a1", "text": "Host: Hello.\n\nJohn Smith: Hi there.", "date": "2025-01-05", "outlet": "RT", "show": "CrossTalk", "views": 10},
        {"id": "a2", "body": "not the text field", "text": "Second document.", "published": "2025-01-06"},
    ]
    path = write("docs.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    report = corpus.ingest([path], speaker="Desk")
    assert report.ok and len(report.added) == 2
    first, second = corpus.documents()
    assert (first.meta.date, first.meta.outlet, first.meta.programme, first.meta.extra) == (dt.date(2025, 1, 5), "RT", "CrossTalk", {"views": 10})
    assert [t.attrs["speaker"] for t in first.layer("turn")] == ["Host", "John Smith"]
    assert second.text == "Second document." and second.meta.date == dt.date(2025, 1, 6)

    other = write("custom.jsonl", json.dumps({"uid": 7, "content_en": "Custom text.", "when": "2025-02-01"}) + "\n")
    report = corpus.ingest([other], columns={"text": "content_en", "date": "when"})
    assert report.ok
    doc = corpus.documents(since="2025-02-01")[0]
    assert doc.text == "Custom text." and doc.meta.date == dt.date(2025, 2, 1)


def test_csv_and_tsv(corpus, write):
    csv_path = write("docs.csv", 'id,date,text,outlet\n1,2025-03-01,"Host: Q?\n\nAnna Ivanova: A, with a comma.",Vesti FM\n2,2025-03-02,Plain row,\n')
    tsv_path = write("docs.tsv", "id\ttext\n9\tTab separated text\n")
    report = corpus.ingest([csv_path, tsv_path])
    assert report.ok and len(report.added) == 3
    texts = sorted(d.text for d in corpus.documents())
    assert texts == ["Host: Q?\n\nAnna Ivanova: A, with a comma.", "Plain row", "Tab separated text"]
    doc = corpus.documents(outlet="vesti fm")[0]
    assert [t.attrs["speaker"] for t in doc.layer("turn")] == ["Host", "Anna Ivanova"]


def test_html_main_text_and_metadata(corpus, write):
    para = "The negotiations in Istanbul were symbolic, and neither side conceded anything of substance. " * 4
    html = (
        "<html><head><title>Talks in Istanbul</title><meta name='author' content='Jane Roe'>"
        "<meta property='article:published_time' content='2025-06-08'>"
        "<script>alert('x')</script></head><body><nav>Home | About | Subscribe</nav>"
        f"<article><h1>Talks in Istanbul</h1><p>{para}</p><p>{para}</p></article>"
        "<footer>Copyright footer text</footer></body></html>"
    )
    path = write("page.html", html)
    report = corpus.ingest([path])
    assert report.ok, report.problems
    doc = _only(corpus)
    assert "neither side conceded anything" in doc.text
    assert "alert(" not in doc.text and "Subscribe" not in doc.text
    assert doc.meta.title == "Talks in Istanbul"
    assert doc.meta.author == "Jane Roe"
    assert doc.meta.date == dt.date(2025, 6, 8)
    assert doc.format == "html"


def test_html_without_main_text_is_a_problem(corpus, write):
    path = write("empty.html", "<html><head><title>t</title></head><body><script>var a = 1;</script></body></html>")
    report = corpus.ingest([path])
    assert [str(p) for p in report.problems] == [f"{path}: no main text found in the HTML page"]
    assert corpus.documents() == []


def test_export_jsonl_then_import_keeps_text_and_spans(corpus, samples, tmp_path, write):
    corpus.ingest([samples], speaker="Alexander Dugin")
    corpus.ingest([write("x.md", "---\ndate: 2025-01-01\ntags: [a]\n---\nCafe\u0301 [sic] text.")])
    out = tmp_path / "export.jsonl"
    assert corpus.export(out) == 3
    import onrecord

    other = onrecord.open(tmp_path / "other.db")
    report = other.ingest([out])
    assert report.ok and len(report.added) == 3
    assert_same_documents(corpus, other)
    # and once more: importing the export again adds nothing
    assert other.ingest([out]).unchanged and not other.ingest([out]).added
    other.close()


def test_export_csv_and_parquet(corpus, samples, tmp_path):
    import csv

    import pyarrow.parquet as pq

    corpus.ingest([samples], speaker="Alexander Dugin")
    n = corpus.export(tmp_path / "spans.csv", layers=["turn"])
    rows = list(csv.DictReader((tmp_path / "spans.csv").open(encoding="utf-8")))
    assert n == len(rows) == 3
    docs = {d.id: d for d in corpus.documents()}
    for row in rows:
        assert row["layer"] == "turn"
        assert docs[int(row["doc_id"])].text[int(row["start"]) : int(row["end"])] == row["text"]
    assert corpus.export(tmp_path / "docs.parquet") == 2
    table = pq.read_table(tmp_path / "docs.parquet").to_pylist()
    by_sha = {r["sha256"]: r for r in table}
    for doc in docs.values():
        r = by_sha[doc.sha256]
        assert r["text"] == doc.text and r["date"] == doc.meta.date
        assert [(a["start"], a["end"], a["layer"]) for a in r["annotations"]] == [(a.start, a.end, a.layer) for a in doc.annotations()]


def test_decode_helpers():
    assert normalise_text("a\r\nb\rc") == "a\nb\nc"
    assert decode_bytes("привет".encode("utf-16")).encoding == "utf-16-le"
    assert decode_bytes(b"\xef\xbb\xbfhi").text == "hi"
    assert decode_bytes("x".encode("cp1252"), encoding="cp1252").encoding == "cp1252"


def test_nul_characters_are_refused_after_decoding():
    import pytest

    from onrecord.errors import DecodeError

    with pytest.raises(DecodeError, match="NUL characters after decoding as utf-16-le"):
        decode_bytes(b"\xff\xfe" + "a\x00b".encode("utf-16-le"), "x.txt")
