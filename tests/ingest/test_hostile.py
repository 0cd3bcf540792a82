"""Hostile input: every bad file gets one clear line, the rest of the batch goes in, the store stays whole."""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess

import pytest

from tests.conftest import cli_path

RUSSIAN = " date 2025-03-01 Радио Спутник Ведущий: Добрый вечер. Что дальше?\n\nГость: Перемирие — лишь передышка."


def _texts(corpus):
    return sorted(d.text for d in corpus.documents())


def _problems(report):
    return [str(p) for p in report.problems]


def assert_store_whole(db_path):
    con = sqlite3.connect(db_path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("SELECT count(*) FROM documents d LEFT JOIN document_meta m ON m.doc_id = d.id WHERE m.doc_id IS NULL").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM sources s WHERE s.doc_id = d.id)").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM annotations a LEFT JOIN documents d ON d.id = a.doc_id WHERE d.id IS NULL").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM annotations a WHERE a.doc_id = d.id AND a.layer = 'turn')").fetchone() == (0,)
        n_docs = con.execute("SELECT count(*) FROM documents").fetchone()[0]
        assert con.execute("SELECT count(*) FROM document_fts_docsize").fetchone()[0] == n_docs
        assert con.execute("SELECT count(DISTINCT sha256) FROM documents").fetchone()[0] == n_docs
    finally:
        con.close()


def test_cp1251_russian(corpus, write):
    path = write("ru.txt", RUSSIAN, encoding="cp1251")
    report = corpus.ingest([path])
    assert report.ok, _problems(report)
    (doc,) = corpus.documents()
    assert doc.text == RUSSIAN
    assert doc.encoding == "cp1251"
    assert [(t.attrs["speaker"], doc.text[t.start : t.end]) for t in doc.layer("turn")] == [
        ("Ведущий", "Добрый вечер. Что дальше?"), ("Гость", "Перемирие — лишь передышка.")
    ]
    assert doc.meta.outlet == "Радио Спутник"


@pytest.mark.parametrize(
    "encoded, encoding",
    [
        (RUSSIAN.encode("utf-16"), "utf-16-le"),
        (RUSSIAN.encode("utf-16-be"), "utf-16-be"),
        (("Hello, plain English text that is long enough. " * 3).encode("utf-16-le"), "utf-16-le"),
        (b"\xef\xbb\xbf" + RUSSIAN.encode("utf-8"), "utf-8"),
        (RUSSIAN.replace("—", "-").encode("koi8-r"), None),
    ],
)
def test_unicode_and_legacy_encodings(corpus, write, encoded, encoding):
    path = write("doc.txt", encoded)
    report = corpus.ingest([path])
    assert report.ok, _problems(report)
    (doc,) = corpus.documents()
    expected = encoded.decode({"utf-16-le": "utf-16", "utf-16-be": "utf-16-be", "utf-8": "utf-8-sig"}.get(encoding, "koi8-r"))
    if encoding == "utf-16-le" and not encoded.startswith(b"\xff\xfe"):
        expected = encoded.decode("utf-16-le")
    assert doc.text == expected and not doc.text.startswith("\ufeff")
    if encoding:
        assert doc.encoding == encoding


def test_empty_random_and_broken_utf8_files(corpus, write):
    good = write("good.txt", "A good document.")
    empty = write("empty.txt", b"")
    noise = write("noise.txt", random.Random(42).randbytes(4096))
    broken_bytes = "Текст в UTF-8. ".encode() * 10 + b"\xff" + "и ещё.".encode()
    broken = write("broken.txt", broken_bytes)
    blank = write("blank.md", "   \n\n  ")
    bad_at = broken_bytes.index(b"\xff")
    report = corpus.ingest([good, empty, noise, broken, blank])
    assert _problems(report) == [
        f"{empty}: empty file (0 bytes)",
        f"{noise}: binary content (NUL or control bytes), not text",
        f"{broken}: invalid UTF-8 at byte {bad_at} in otherwise UTF-8 text (give --encoding to force a code page)",
        f"{blank}: no text (empty or whitespace only)",
    ]
    assert not report.ok and len(report.added) == 1
    assert _texts(corpus) == ["A good document."]
    assert_store_whole(corpus.db)


def test_jsonl_bad_lines(corpus, write):
    lines = ['{"id": 1, "text": "first"}', '{"id": 2, "text": "second",', '[1, 2]', '{"id": 4, "body": 5}', '{"id": 5, "text": "fifth"}', '{"id": 6, "text": "trunc']
    path = write("d.jsonl", "\n".join(lines))
    report = corpus.ingest([path])
    assert _problems(report) == [
        f"{path}:2: invalid JSON: Expecting property name enclosed in double quotes (column 28)",
        f"{path}:3: expected a JSON object, got list",
        f"{path}:4: text field must be a string, not int",
        f"{path}:6: invalid JSON: Unterminated string starting at (column 19)",
    ]
    assert _texts(corpus) == ["fifth", "first"]


def test_csv_bad_rows(corpus, write):
    path = write("d.csv", "id,text,date\n1,fine,2025-01-01\n2,too,many,fields,here\n3,,2025-01-03\n4,bad date,2025-02-31\n5,also fine,\n")
    report = corpus.ingest([path])
    assert _problems(report) == [
        f"{path}:3: row has 5 fields, header has 3",
        f"{path}:4: no text (empty or whitespace only)",
        f"{path}:5: date '2025-02-31' does not parse (no such day)",
    ]
    assert _texts(corpus) == ["also fine", "fine"]


def test_dates_that_do_not_parse(corpus, write):
    header = write("h.txt", " date 2025-13-45 Host: hello")
    front = write("f.md", "---\ndate: sometime\n---\nBody.")
    bad_yaml = write("y.md", "---\ntitle: ok\nauthor: [unclosed\n---\nBody.")
    not_mapping = write("l.md", "---\n- a\n- b\n---\nBody.")
    report = corpus.ingest([header, front, bad_yaml, not_mapping])
    assert _problems(report) == [
        f"{header}:1: date '2025-13-45' does not parse (no such day)",
        f"{front}: date 'sometime' does not parse (expected e.g. 2025-12-04 or 4 December 2025)",
        f"{bad_yaml}:3: front matter is not valid YAML: expected ',' or ']', but got '<stream end>'",
        f"{not_mapping}:2: front matter must be a mapping of keys to values, not list",
    ]
    assert corpus.documents() == []


def test_unreadable_paths(corpus, write, tmp_path):
    good = write("ok.txt", "Still ingested.")
    missing = tmp_path / "missing.txt"
    link = tmp_path / "in" / "dangling.txt"
    os.symlink(tmp_path / "nowhere.txt", link)
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    pattern = str(tmp_path / "*.nothing")
    empty_dir = tmp_path / "emptydir"
    empty_dir.mkdir()
    report = corpus.ingest([missing, link, fifo, pattern, empty_dir, good])
    assert sorted(_problems(report)) == sorted([
        f"{missing}: no such file or directory",
        f"{link}: cannot read: broken symbolic link",
        f"{fifo}: not a regular file (device, FIFO or socket)",
        f"{pattern}: no files match this pattern",
        f"{empty_dir}: folder has no files with a known extension (.csv, .htm, .html, .jsonl, .markdown, .md, .ndjson, .text, .tsv, .txt)",
    ])
    assert _texts(corpus) == ["Still ingested."]


def test_globs_and_recursive_folders(corpus, write, tmp_path):
    write("a/one.txt", "one")
    write("a/b/two.md", "two")
    write("a/b/.hidden.txt", "hidden")
    write("a/b/skip.pdf", b"%PDF-1.4")
    report = corpus.ingest([tmp_path / "in" / "a"])
    assert report.ok and _texts(corpus) == ["one", "two"]
    write("c/x.txt", "x")
    write("c/d/y.txt", "y")
    report = corpus.ingest([str(tmp_path / "in" / "c" / "**" / "*.txt")])
    assert report.ok and _texts(corpus) == ["one", "two", "x", "y"]


@pytest.mark.slow
def test_file_over_the_size_limit(corpus, write):
    big = write("big.txt", b"word " * 12_000_000)  # 60 MB
    small = write("small.txt", "small")
    report = corpus.ingest([big, small])
    assert _problems(report) == [f"{big}: file is 60,000,000 bytes, over the limit of 50,000,000 (raise it with --max-file-size)"]
    assert _texts(corpus) == ["small"]
    report = corpus.ingest([small, write("s2.txt", "x" * 2000)], max_file_size="1KB")
    assert [p.reason for p in report.problems] == ["file is 2,000 bytes, over the limit of 1,000 (raise it with --max-file-size)"]


def test_cli_mixed_batch_lines_and_exit_codes(tmp_path, write):
    db = tmp_path / "cli.db"
    good = write("m/good.txt", "Good.")
    empty = write("m/empty.txt", b"")
    jsonl = write("m/rows.jsonl", '{"text": "row one"}\n{oops\n')
    r = subprocess.run([cli_path(), "--db", str(db), "ingest", str(tmp_path / "in" / "m")], capture_output=True, text=True)
    assert r.returncode == 1
    errors = [line for line in r.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        f"error: {empty}: empty file (0 bytes)",
        f"error: {jsonl}:2: invalid JSON: Expecting property name enclosed in double quotes (column 2)",
    ]
    assert "2 new, 0 new versions, 0 unchanged from 3 files" in r.stdout and "2 failed" in r.stdout
    assert_store_whole(db)
    r = subprocess.run([cli_path(), "--db", str(db), "ingest", str(good)], capture_output=True, text=True)
    assert r.returncode == 0 and "error" not in r.stderr
