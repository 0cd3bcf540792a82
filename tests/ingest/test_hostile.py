"""Hostile input: every bad file or row gets exactly one clear line, the rest of the batch goes in,
and the store stays whole (integrity_check ok, no orphan rows, FTS index matching the documents).

Every input is made here, in ``tmp_path``; the store fixture and the clean environment come from
``tests/conftest.py``. ``assert_store_whole`` is shared with ``tests/test_crash.py``.

Tests named ``test_regression_*`` at the end reproduce bugs found in review (their docstrings describe the old behaviour); they guard the fixes.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import os
import random
import sqlite3
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

import onrecord
from onrecord import SizeLimitError
from onrecord.ingest.files import read_limited

CLI = Path(sys.executable).parent / "onrecord"

# A cp1251-era Russian transcript: single-word labels that are known roles (data/transcripts.yaml).
RUSSIAN = (
    " date 2025-03-01 Ведущий: Добрый вечер. Сегодня в студии наш гость, и говорим мы о переговорах.\n\n"
    "Гость: Спасибо за приглашение. Перемирие — это лишь передышка, а не мир; ещё рано радоваться."
)
RUSSIAN_TURNS = [
    ("Ведущий", "Добрый вечер. Сегодня в студии наш гость, и говорим мы о переговорах."),
    ("Гость", "Спасибо за приглашение. Перемирие — это лишь передышка, а не мир; ещё рано радоваться."),
]
GOOD = " date 2025-01-15 Radio X, Morning Show Host: Good morning.\n\nAnna Petrova: Good morning to you."
NO_TEXT = "no text (empty or whitespace only)"


def english(i: int, newline: str = "\n") -> str:
    return (
        f" date 2025-04-{i:02d} Radio X, Evening Show Host: Question number {i}, what happens next?"
        f"{newline}{newline}Anna Petrova: Answer number {i}. Nobody knows; we wait and see."
    )


def russian(i: int) -> str:
    return f" date 2025-03-{i:02d} Ведущий: Вопрос номер {i}, что будет дальше?\n\nГость: Ответ номер {i}. Перемирие — лишь передышка."


# -- fixtures and helpers ----------------------------------------------------------------------------


# The store (`corpus`) and the clean ONRECORD_* environment come from tests/conftest.py.


@pytest.fixture
def put(write):
    """conftest's ``write``, returning the path as a string (as problem lines print it)."""

    def _put(name: str, content: str | bytes, encoding: str = "utf-8") -> str:
        return str(write(name, content, encoding))

    return _put


def texts(corpus) -> list[str]:
    return sorted(d.text for d in corpus.documents())


def problems(report) -> list[str]:
    return [str(p) for p in report.problems]


def turns(doc) -> list[tuple[str, str]]:
    return [(t.attrs["speaker"], doc.text[t.start : t.end]) for t in doc.layer("turn")]


def run_cli(*args, db, timeout=120):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONRECORD_")}
    return subprocess.run([str(CLI), "--db", str(db), *args], capture_output=True, text=True, env=env, timeout=timeout)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


def assert_store_whole(db) -> None:
    """SQLite integrity, foreign keys, no orphans in either direction, FTS index = documents."""
    con = sqlite3.connect(db, isolation_level=None)
    try:
        one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        n_docs = one("SELECT count(*) FROM documents")
        # every document has its metadata row, a source row, a turn, and an FTS entry
        assert one("SELECT count(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM document_meta m WHERE m.doc_id = d.id)") == 0
        assert one("SELECT count(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM sources s WHERE s.doc_id = d.id)") == 0
        assert one("SELECT count(*) FROM documents d WHERE NOT EXISTS "
                   "(SELECT 1 FROM annotations a WHERE a.doc_id = d.id AND a.layer = 'turn')") == 0
        assert one("SELECT count(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM document_fts_docsize f WHERE f.id = d.id)") == 0
        # nothing refers to a document that is not there
        for table, column in (("document_meta", "doc_id"), ("sources", "doc_id"), ("annotations", "doc_id"),
                              ("document_speakers", "doc_id"), ("document_fts_docsize", "id")):
            assert one(f"SELECT count(*) FROM {table} x WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = x.{column})") == 0, table
        assert one("SELECT count(*) FROM document_speakers x WHERE NOT EXISTS (SELECT 1 FROM speakers s WHERE s.id = x.speaker_id)") == 0
        assert one("SELECT count(*) FROM document_fts_docsize") == n_docs
        assert one("SELECT count(DISTINCT sha256) FROM documents") == n_docs
        # the FTS5 index matches its external content table, token by token (raises if not)
        con.execute("INSERT INTO document_fts(document_fts, rank) VALUES('integrity-check', 1)")
    finally:
        con.close()


def run_statuses(db) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return [r[0] for r in con.execute("SELECT status FROM runs ORDER BY id")]
    finally:
        con.close()


# -- encodings that must go in, exactly -----------------------------------------------------------


def test_cp1251_russian_transcript(corpus, put):
    ru = put("ru.txt", RUSSIAN, encoding="cp1251")
    good = put("good.txt", GOOD)
    report = corpus.ingest([ru, good])
    assert report.ok and problems(report) == []
    assert len(report.added) == 2 and report.files == 2
    assert texts(corpus) == sorted([RUSSIAN, GOOD])
    (doc,) = [d for d in corpus.documents() if d.text == RUSSIAN]
    assert unicodedata.is_normalized("NFC", doc.text)
    assert doc.encoding == "cp1251"  # charset-normalizer's name, stored as is
    assert doc.format == "text"
    assert doc.date == dt.date(2025, 3, 1)
    assert doc.meta.outlet is None and doc.meta.programme is None
    assert turns(doc) == RUSSIAN_TURNS
    assert doc.speakers == [("Ведущий", 1), ("Гость", 1)]
    (date,) = doc.layer("header")
    assert (date.label, doc.text[date.start : date.end]) == ("date", "2025-03-01")


def test_utf16_utf32_and_utf8_with_and_without_bom(corpus, put):
    crlf = english(1, newline="\r\n")
    cases = {  # file name -> (bytes, stored text, recorded encoding, speakers)
        "bom16le.txt": (codecs.BOM_UTF16_LE + crlf.encode("utf-16-le"), crlf.replace("\r\n", "\n"), "utf-16-le", ["Host", "Anna Petrova"]),
        "bom16be.txt": (codecs.BOM_UTF16_BE + russian(2).encode("utf-16-be"), russian(2), "utf-16-be", ["Ведущий", "Гость"]),
        "python16.txt": (russian(3).encode("utf-16"), russian(3), "utf-16-le" if sys.byteorder == "little" else "utf-16-be", ["Ведущий", "Гость"]),
        "nobom16le_latin.txt": (english(4).encode("utf-16-le"), english(4), "utf-16-le", ["Host", "Anna Petrova"]),
        "nobom16le_cyrillic.txt": (russian(5).encode("utf-16-le"), russian(5), "utf-16-le", ["Ведущий", "Гость"]),
        "nobom16be_cyrillic.txt": (russian(6).encode("utf-16-be"), russian(6), "utf-16-be", ["Ведущий", "Гость"]),
        "bom8.txt": (codecs.BOM_UTF8 + english(7).encode("utf-8"), english(7), "utf-8", ["Host", "Anna Petrova"]),
        "bom8_cyrillic.txt": (codecs.BOM_UTF8 + russian(8).encode("utf-8"), russian(8), "utf-8", ["Ведущий", "Гость"]),
        "bom32le.txt": (codecs.BOM_UTF32_LE + english(9).encode("utf-32-le"), english(9), "utf-32-le", ["Host", "Anna Petrova"]),
    }
    paths = [put(name, data) for name, (data, _, _, _) in cases.items()]
    report = corpus.ingest(paths)
    assert report.ok and problems(report) == []
    assert len(report.added) == len(cases)
    docs = {d.text: d for d in corpus.documents()}
    assert sorted(docs) == sorted(text for _, text, _, _ in cases.values())
    for name, (_, text, encoding, speakers) in cases.items():
        doc = docs[text]
        assert doc.encoding == encoding, name
        assert "\ufeff" not in doc.text and "\r" not in doc.text, name
        # offsets refer to the stored text: the date span sits where the date is, BOM or not
        (date,) = [a for a in doc.layer("header") if a.label == "date"]
        assert (date.start, doc.text[date.start : date.end]) == (text.index("2025-"), text[text.index("2025-"):][:10]), name
        assert [s for s, _ in turns(doc)] == speakers, name
    assert turns(docs[crlf.replace("\r\n", "\n")])[1] == ("Anna Petrova", "Answer number 1. Nobody knows; we wait and see.")


def test_decomposed_utf8_is_stored_nfc_with_offsets_into_the_stored_text(corpus, put):
    original = " date 2025-05-01 Host: Café, naïve résumé?\n\nJosé Müller: Ja, schön — très bien."
    nfd = unicodedata.normalize("NFD", original)
    assert nfd != original
    report = corpus.ingest([put("nfd.txt", nfd)])
    assert report.ok
    (doc,) = corpus.documents()
    assert doc.text == unicodedata.normalize("NFC", original) == original
    assert turns(doc) == [("Host", "Café, naïve résumé?"), ("José Müller", "Ja, schön — très bien.")]


# -- files that cannot be decoded ---------------------------------------------------------------------


BROKEN_PREFIX = "Текст в кодировке UTF-8, всё хорошо. ".encode("utf-8") * 4


def test_empty_random_broken_utf8_and_textless_files(corpus, put):
    good = put("good.txt", GOOD)
    empty = put("empty.txt", b"")
    noise = put("noise.txt", random.Random(20250301).randbytes(4096))
    broken = put("broken.txt", BROKEN_PREFIX + b"\xff" + "Хвост текста.".encode("utf-8"))
    blank = put("blank.md", "  \n\t\n  ")
    bom_only = put("bom_only.txt", codecs.BOM_UTF8)
    truncated16 = put("trunc16.txt", codecs.BOM_UTF16_LE + "Hello there".encode("utf-16-le") + b"A")
    assert len(BROKEN_PREFIX) == 244  # the broken byte's offset in the file
    report = corpus.ingest([empty, noise, good, broken, blank, bom_only, truncated16])
    assert problems(report) == [
        f"{empty}: empty file (0 bytes)",
        f"{noise}: binary content (NUL or control bytes), not text",
        f"{broken}: invalid UTF-8 at byte 244 in otherwise UTF-8 text (give --encoding to force a code page)",
        f"{blank}: {NO_TEXT}",
        f"{bom_only}: {NO_TEXT}",
        # the offsets count from after the BOM (see test_src_bug_decode_error_offsets_ignore_the_bom)
        f"{truncated16}: bytes 24-25 are not valid utf-16-le (truncated data)",
    ]
    assert [p.line for p in report.problems] == [None] * 6
    assert not report.ok
    assert report.files == 7 and len(report.added) == 1
    assert texts(corpus) == [GOOD]
    assert run_statuses(corpus.db) == ["failed"]
    assert_store_whole(corpus.db)


def test_forced_encoding_reads_what_detection_refuses(corpus, put):
    broken = put("broken.txt", BROKEN_PREFIX + b"\xff")
    report = corpus.ingest([broken], encoding="cp1251")
    assert report.ok
    (doc,) = corpus.documents()
    assert doc.encoding == "cp1251" and doc.text == (BROKEN_PREFIX + b"\xff").decode("cp1251")
    bad = put("bad.txt", "x")
    report = corpus.ingest([bad], encoding="no-such-codec")
    assert problems(report) == [f"{bad}: unknown encoding 'no-such-codec'"]


# -- JSONL --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_jsonl_malformed_middle_line_and_truncated_last_line(corpus, put, newline):
    good = put("good.txt", GOOD)
    lines = [
        '{"id": "a1", "text": "first row", "date": "2025-01-02", "outlet": "Radio X"}',
        '{id: 2, "text": "second row"}',
        "",
        '{"id": "a4", "text": "fourth row"}',
        '{"id": 6, "text": "trunc',  # the writer died mid-line: no closing quote, no newline
    ]
    rows = put("rows.jsonl", newline.join(lines))
    report = corpus.ingest([rows, good])
    assert problems(report) == [
        f"{rows}:2: invalid JSON: Expecting property name enclosed in double quotes (column 2)",
        f"{rows}:5: invalid JSON: Unterminated string starting at (column 19)",
    ]
    assert not report.ok and len(report.added) == 3
    assert texts(corpus) == sorted([GOOD, "first row", "fourth row"])
    (first,) = [d for d in corpus.documents() if d.text == "first row"]
    assert (first.date, first.meta.outlet, first.format) == (dt.date(2025, 1, 2), "Radio X", "jsonl")
    assert_store_whole(corpus.db)


def test_jsonl_rows_of_the_wrong_shape(corpus, put):
    rows = put("rows.jsonl", "\n".join([
        '[1, 2]',
        '"just a string"',
        '{"text": 5}',
        '{"text": null}',
        '{"body": "   "}',
        '{"text": "kept", "date": "2025-02-30"}',
        '{"text": "kept too"} trailing',
        '{"content": "the only good row"}',
    ]))
    report = corpus.ingest([rows])
    assert problems(report) == [
        f"{rows}:1: expected a JSON object, got list",
        f"{rows}:2: expected a JSON object, got str",
        f"{rows}:3: text field must be a string, not int",
        f"{rows}:4: no text field (text/body/content/transcript)",
        f"{rows}:5: {NO_TEXT}",
        f"{rows}:6: date '2025-02-30' does not parse (no such day)",
        f"{rows}:7: invalid JSON: Extra data (column 22)",
    ]
    assert not report.ok
    assert texts(corpus) == ["the only good row"]
    assert_store_whole(corpus.db)


# -- CSV ----------------------------------------------------------------------------------------------------


def test_csv_bad_rows_get_their_line_numbers(corpus, put):
    good = put("good.txt", GOOD)
    table = put("table.csv", (
        "id,text,date\n"                   # 1
        "1,fine,2025-01-01\n"              # 2
        '2,"two\nlines",2025-01-02\n'      # 3-4: one record over two lines
        "3,too,many,fields,here\n"         # 5
        "4,,2025-01-04\n"                  # 6
        "5\n"                              # 7
        "6,bad date,2025-02-31\n"          # 8
        "7,also fine,\n"                   # 9
    ))
    report = corpus.ingest([table, good])
    assert problems(report) == [
        f"{table}:5: row has 5 fields, header has 3",
        f"{table}:6: {NO_TEXT}",
        f"{table}:7: no text field (text/body/content/transcript)",
        f"{table}:8: date '2025-02-31' does not parse (no such day)",
    ]
    assert not report.ok and len(report.added) == 4
    assert texts(corpus) == sorted([GOOD, "fine", "two\nlines", "also fine"])
    assert {d.text: d.date for d in corpus.documents()}["two\nlines"] == dt.date(2025, 1, 2)
    assert_store_whole(corpus.db)


def test_csv_without_a_header_row(corpus, put):
    empty_csv = put("empty.csv", "\n\n")
    report = corpus.ingest([empty_csv, put("good.txt", GOOD)])
    assert problems(report) == [f"{empty_csv}: no header row"]
    assert texts(corpus) == [GOOD]


# -- dates and front matter --------------------------------------------------------------------------------


def test_dates_and_front_matter_that_do_not_parse(corpus, put):
    good = put("good.txt", GOOD)
    header = put("header.txt", " date 2025-13-45 Host: Hello.\n\nGuest: Hi.")
    leap = put("leap.txt", " date 2025-02-29 Host: Not a leap year.")
    front_date = put("front_date.md", "---\ntitle: Fine\ndate: sometime\n---\nBody text.")
    bad_yaml = put("bad_yaml.md", "---\ntitle: ok\nauthor: [unclosed\n---\nBody text.")
    bad_yaml_line4 = put("bad_yaml4.md", "---\ntitle: ok\nlist:\n  - a\n - b\n---\nBody text.")
    mapping_values = put("mapping.md", "---\ntitle: a: b\n---\nBody text.")
    not_mapping = put("list.md", "---\n- a\n- b\n---\nBody text.")
    report = corpus.ingest([header, leap, good, front_date, bad_yaml, bad_yaml_line4, mapping_values, not_mapping])
    assert problems(report) == [
        f"{header}:1: date '2025-13-45' does not parse (no such day)",
        f"{leap}:1: date '2025-02-29' does not parse (no such day)",
        f"{front_date}:3: date 'sometime' does not parse (expected e.g. 2025-12-04 or 4 December 2025)",
        f"{bad_yaml}:3: front matter is not valid YAML: expected ',' or ']', but got '<stream end>'",
        f"{bad_yaml_line4}:5: front matter is not valid YAML: expected <block end>, but found '<block sequence start>'",
        f"{mapping_values}:2: front matter is not valid YAML: mapping values are not allowed here",
        f"{not_mapping}:2: front matter must be a mapping of keys to values, not list",
    ]
    assert not report.ok and len(report.added) == 1
    assert texts(corpus) == [GOOD]
    assert_store_whole(corpus.db)


def test_good_front_matter_and_written_out_dates_still_parse(corpus, put):
    report = corpus.ingest([
        put("a.md", "---\ntitle: Fine\ndate: 4 December 2025\nauthor: Anna Petrova\n---\nA monologue."),
        put("b.txt", " date 04.12.2024 Host: Day first."),
    ])
    assert report.ok, problems(report)
    assert {d.text: d.date for d in corpus.documents()} == {
        "A monologue.": dt.date(2025, 12, 4), " date 04.12.2024 Host: Day first.": dt.date(2024, 12, 4)
    }
    assert {d.text: d.meta.author for d in corpus.documents()}["A monologue."] == "Anna Petrova"


# -- paths that give no file ----------------------------------------------------------------------------


@pytest.mark.timeout(60)  # a FIFO opened for reading would block forever
def test_unreadable_paths(corpus, put, tmp_path):
    good = put("ok.txt", GOOD)
    missing = str(tmp_path / "missing.txt")
    dangling = str(tmp_path / "in" / "dangling.txt")
    os.symlink(tmp_path / "nowhere.txt", dangling)
    fifo = str(tmp_path / "pipe.txt")
    os.mkfifo(fifo)
    nothing = str(tmp_path / "in" / "*.nothing")
    empty_dir = tmp_path / "emptydir"
    (empty_dir / "sub").mkdir(parents=True)
    (empty_dir / "notes.pdf").write_bytes(b"%PDF-1.4")
    report = corpus.ingest([missing, dangling, fifo, nothing, str(empty_dir), good])
    assert sorted(problems(report)) == sorted([
        f"{missing}: no such file or directory",
        f"{dangling}: cannot read: broken symbolic link",
        f"{fifo}: not a regular file (device, FIFO or socket)",
        f"{nothing}: no files match this pattern",
        f"{empty_dir}: folder has no files with a known extension "
        "(.csv, .htm, .html, .jsonl, .markdown, .md, .ndjson, .parquet, .text, .tsv, .txt)",
    ])
    assert not report.ok and report.files == 3 and len(report.added) == 1
    assert texts(corpus) == [GOOD]
    assert_store_whole(corpus.db)


@pytest.mark.timeout(60)
def test_bad_entries_inside_a_folder(corpus, put, tmp_path):
    good = put("dir/a_good.txt", GOOD)
    folder = os.path.dirname(good)
    dangling = os.path.join(folder, "b_dangling.txt")
    os.symlink(tmp_path / "nowhere.txt", dangling)
    fifo = os.path.join(folder, "c_pipe.txt")
    os.mkfifo(fifo)
    put("dir/.hidden.txt", b"")  # hidden: skipped, so no error for it
    put("dir/skip.bin", b"\x00\x01")  # unknown extension inside a folder: skipped
    report = corpus.ingest([folder])
    assert problems(report) == [
        f"{dangling}: cannot read: broken symbolic link",
        f"{fifo}: not a regular file (device, FIFO or socket)",
    ]
    assert texts(corpus) == [GOOD]


def test_unreadable_file(corpus, put, monkeypatch):
    """A file the process may not read (simulated: tests run as root, who reads any mode)."""
    from onrecord.ingest import files

    locked = put("locked.txt", "secret")
    real_open = open

    def guarded_open(path, *args, **kwargs):
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(files, "open", guarded_open, raising=False)
    report = corpus.ingest([locked, put("good.txt", GOOD)])
    assert problems(report) == [f"{locked}: cannot read: Permission denied"]
    assert texts(corpus) == [GOOD]


# -- size limit ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_60_mb_file_is_refused_over_the_default_limit(corpus, put, tmp_path):
    big = tmp_path / "in" / "big.txt"
    big.parent.mkdir(parents=True, exist_ok=True)
    line = b"All work and no play makes a long transcript, over and over and over again, line after line.\n"
    chunk = line * 10_000
    full, rest = divmod(60_000_000, len(chunk))
    with open(big, "wb") as handle:
        for _ in range(full):
            handle.write(chunk)
        handle.write(chunk[:rest])
    assert big.stat().st_size == 60_000_000
    with pytest.raises(SizeLimitError, match="over the limit of 50,000,000") as caught:
        read_limited(str(big), 50_000_000)
    assert str(caught.value) == f"{big}: file is 60,000,000 bytes, over the limit of 50,000,000 (raise it with --max-file-size)"
    small = put("small.txt", GOOD)
    report = corpus.ingest([str(big), small])
    assert problems(report) == [f"{big}: file is 60,000,000 bytes, over the limit of 50,000,000 (raise it with --max-file-size)"]
    assert not report.ok and report.files == 2 and report.bytes == len(GOOD)
    assert texts(corpus) == [GOOD]
    assert_store_whole(corpus.db)
    r = run_cli("ingest", str(big), small, "--quiet", db=tmp_path / "cli.db")
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.splitlines() == [f"error: {big}: file is 60,000,000 bytes, over the limit of 50,000,000 (raise it with --max-file-size)"]


def test_max_file_size_override(corpus, put, tmp_path, monkeypatch):
    at_limit = put("at.txt", "a" * 1000)
    over = put("over.txt", "b" * 1001)
    big = put("big.txt", "c" * 2000)
    report = corpus.ingest([at_limit, over, big], max_file_size="1KB")
    assert problems(report) == [
        f"{over}: file is 1,001 bytes, over the limit of 1,000 (raise it with --max-file-size)",
        f"{big}: file is 2,000 bytes, over the limit of 1,000 (raise it with --max-file-size)",
    ]
    assert [p.line for p in report.problems] == [None, None]
    assert texts(corpus) == ["a" * 1000]
    report = corpus.ingest([big], max_file_size=1999)
    assert problems(report) == [f"{big}: file is 2,000 bytes, over the limit of 1,999 (raise it with --max-file-size)"]
    monkeypatch.setenv("ONRECORD_MAX_FILE_SIZE", "1.5KB")
    report = corpus.ingest([big, over])
    assert problems(report) == [f"{big}: file is 2,000 bytes, over the limit of 1,500 (raise it with --max-file-size)"]
    assert texts(corpus) == ["a" * 1000, "b" * 1001]
    monkeypatch.delenv("ONRECORD_MAX_FILE_SIZE")
    assert corpus.ingest([big]).ok  # the default 50 MB again
    assert_store_whole(corpus.db)
    # the same through the command line, and a size that is not one
    db = tmp_path / "cli.db"
    r = run_cli("ingest", big, at_limit, "--max-file-size", "1KB", "--quiet", db=db)
    assert (r.returncode, r.stderr.splitlines()) == (1, [f"error: {big}: file is 2,000 bytes, over the limit of 1,000 (raise it with --max-file-size)"])
    r = run_cli("ingest", big, "--max-file-size", "lots", db=db)
    assert r.returncode == 2
    assert error_lines(r.stderr) == ["error: not a size: 'lots' (try 50MB, 2GiB or a number of bytes)"]


# -- the command line ----------------------------------------------------------------------------------


def _mixed_folder(put) -> tuple[str, list[str], list[str]]:
    """A folder of good and bad files: (folder, expected error lines in walk order, stored texts)."""
    put("mixed/a_good.txt", GOOD)
    put("mixed/b_ru.txt", RUSSIAN, encoding="cp1251")
    empty = put("mixed/c_empty.txt", b"")
    noise = put("mixed/d_noise.txt", random.Random(7).randbytes(2048))
    broken = put("mixed/e_broken.txt", BROKEN_PREFIX + b"\xff")
    rows = put("mixed/f_rows.jsonl", '{"text": "row one"}\n{"text": "row two",\n')
    table = put("mixed/g_table.csv", "id,text\n1,csv row\n2,too,many\n")
    date = put("mixed/h_date.txt", " date 2025-13-45 Host: Hello.")
    front = put("mixed/i_front.md", "---\ntitle: a: b\n---\nBody.")
    lines = [
        f"error: {empty}: empty file (0 bytes)",
        f"error: {noise}: binary content (NUL or control bytes), not text",
        f"error: {broken}: invalid UTF-8 at byte 244 in otherwise UTF-8 text (give --encoding to force a code page)",
        f"error: {rows}:2: invalid JSON: Expecting property name enclosed in double quotes (column 20)",
        f"error: {table}:3: row has 3 fields, header has 2",
        f"error: {date}:1: date '2025-13-45' does not parse (no such day)",
        f"error: {front}:2: front matter is not valid YAML: mapping values are not allowed here",
    ]
    return os.path.dirname(empty), lines, sorted([GOOD, RUSSIAN, "row one", "csv row"])


def test_cli_mixed_folder_one_line_per_bad_file_and_exit_codes(tmp_path, put):
    folder, expected_lines, expected_texts = _mixed_folder(put)
    db = tmp_path / "cli.db"
    r = run_cli("ingest", folder, "--quiet", db=db)
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.splitlines() == expected_lines
    with onrecord.open(db) as c:
        assert texts(c) == expected_texts
        assert {d.text: d.encoding for d in c.documents()}[RUSSIAN] == "cp1251"
    assert_store_whole(db)
    assert run_statuses(db) == ["failed"]

    # the same batch again, with the summary: nothing new, the same lines, still exit 1
    r = run_cli("ingest", folder, db=db)
    assert r.returncode == 1
    assert error_lines(r.stderr) == expected_lines
    assert r.stderr.count("error: ") == len(expected_lines)  # no line broken up or printed twice
    assert "0 new, 0 new versions, 4 unchanged from 9 files" in r.stdout and "7 failed" in r.stdout

    # --json: the report on stdout, the lines still on stderr
    r = run_cli("ingest", folder, "--json", db=db)
    assert r.returncode == 1
    report = json.loads(r.stdout)
    assert report["ok"] is False and report["added"] == [] and len(report["unchanged"]) == 4
    assert ["error: " + (f"{p['path']}:{p['line']}" if p["line"] is not None else p["path"]) + f": {p['reason']}"
            for p in report["problems"]] == expected_lines
    assert error_lines(r.stderr) == expected_lines

    # missing paths and empty globs are error lines too; what exists still goes in
    clean = os.path.dirname(put("clean/one.txt", english(11)))
    put("clean/two.md", english(12))
    missing = str(tmp_path / "missing.txt")
    nothing = str(tmp_path / "nomatch" / "*.txt")
    r = run_cli("ingest", missing, nothing, clean, "--quiet", db=tmp_path / "other.db")
    assert r.returncode == 1
    assert r.stderr.splitlines() == [f"error: {missing}: no such file or directory", f"error: {nothing}: no files match this pattern"]
    assert_store_whole(tmp_path / "other.db")

    # a clean batch exits 0 and prints no error line, first time and again
    clean_db = tmp_path / "clean.db"
    r = run_cli("ingest", clean, db=clean_db)
    assert r.returncode == 0, r.stderr
    assert "error" not in r.stderr and "2 new, 0 new versions, 0 unchanged from 2 files" in r.stdout and "0 failed" in r.stdout
    r = run_cli("ingest", clean, "--quiet", db=clean_db)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    assert run_statuses(clean_db) == ["ok", "ok"]
    assert_store_whole(clean_db)


# -- regressions: bugs found in review, fixed; each test keeps its reproduction -------------------------------------------------------------


@pytest.mark.parametrize("commit_every", [None, 1])
def test_regression_lone_surrogate_in_jsonl_aborts_the_whole_batch(corpus, put, commit_every):
    """A JSON escape for a lone surrogate (``"\\ud800"``) is valid JSON but not encodable as UTF-8:
    the UnicodeEncodeError from sqlite3 escapes ``Corpus.ingest`` (it is neither SQLAlchemyError nor
    a DBAPI error, so ``_Writer.write`` re-raises it), the rest of the batch is never read, and the
    run is recorded as 'ok'."""
    rows = put("rows.jsonl", '{"text": "first row"}\n{"text": "bad \\ud800 surrogate"}\n{"text": "third row"}\n')
    good = put("good.txt", GOOD)
    report = corpus.ingest([rows, good], commit_every=commit_every)
    assert [(p.path, p.line) for p in report.problems] == [(rows, 2)]
    assert texts(corpus) == sorted([GOOD, "first row", "third row"])
    assert run_statuses(corpus.db) == ["failed"]
    assert_store_whole(corpus.db)


@pytest.mark.parametrize("attrs", ["not a mapping", {"speaker": ["a", "list"]}], ids=["attrs-not-mapping", "speaker-not-string"])
def test_regression_exported_row_with_bad_attrs_aborts_the_whole_batch(corpus, put, attrs):
    """A row in ``onrecord export`` shape (sha256 + annotations) whose annotation ``attrs`` is not a
    mapping, or whose turn speaker is not a string, is accepted by ``_restore_export_row``; then
    ``write_document`` raises AttributeError / TypeError, which escapes ``Corpus.ingest``."""
    exported = {"sha256": "0" * 64, "text": "hi there", "annotations": [{"start": 0, "end": 2, "layer": "turn", "label": "x", "attrs": attrs}]}
    rows = put("rows.jsonl", json.dumps(exported) + '\n{"text": "fine row"}\n')
    good = put("good.txt", GOOD)
    report = corpus.ingest([rows, good])
    assert [(p.path, p.line) for p in report.problems] == [(rows, 1)]
    assert texts(corpus) == sorted([GOOD, "fine row"])
    assert_store_whole(corpus.db)


@pytest.mark.parametrize(
    "bad_line",
    [
        '{"text": ' + "[" * 100_000 + "]" * 100_000 + "}",  # RecursionError from json.loads
        '{"text": "x", "n": ' + "9" * 5000 + "}",  # ValueError: int digits limit
        json.dumps({"sha256": "0" * 64, "text": "hi", "meta": ["a"], "annotations": []}),  # ValueError in dict(meta)
    ],
    ids=["deep-nesting", "huge-int", "export-meta-not-mapping"],
)
def test_regression_one_bad_jsonl_line_loses_every_row_of_the_file(corpus, put, bad_line):
    """Errors other than JSONDecodeError/InputError from one line end ``import_jsonl``: the file is
    reported once as 'internal error (a bug, please report it)' and its good rows are not stored."""
    rows = put("rows.jsonl", '{"text": "first row"}\n' + bad_line + '\n{"text": "third row"}\n')
    report = corpus.ingest([rows])
    assert [(p.path, p.line) for p in report.problems] == [(rows, 2)], problems(report)
    assert "internal error" not in report.problems[0].reason
    assert texts(corpus) == ["first row", "third row"]


def test_regression_nul_in_utf8_after_the_first_8_kib_is_stored(corpus, put):
    """``decode_bytes`` refuses NUL characters after decoding for BOM / UTF-16 / code-page input, and
    NUL bytes in the first 8 KiB (the sniff window), but the plain UTF-8 path skips the check: the
    same content is refused as UTF-16 and stored, NUL included, as UTF-8."""
    content = "word " * 2000 + "\x00 tail"
    as_utf16 = put("u16.txt", codecs.BOM_UTF16_LE + content.encode("utf-16-le"))
    as_utf8 = put("u8.txt", content.encode("utf-8"))
    report = corpus.ingest([as_utf16, as_utf8])
    assert problems(report)[0] == f"{as_utf16}: binary content (NUL characters after decoding as utf-16-le), not text"
    assert [p.path for p in report.problems] == [as_utf16, as_utf8], [d.encoding for d in corpus.documents()]
    assert report.problems[1].reason.startswith("binary content")
    assert corpus.documents() == []


def test_regression_utf8_with_few_accents_and_one_broken_byte_is_stored_as_mojibake(corpus, put):
    """``decode_bytes`` promises that UTF-8 with a few broken sequences is refused, not guessed. With
    two accented letters and one broken byte, ``_mostly_utf8`` (good >= 4 * bad) says no, and
    charset-normalizer's guess (cp1250) is stored silently: 'CafĂ© MĂĽller', ok=True."""
    data = "Café Müller said it twice. And then ".encode("utf-8") + b"\xff" + b" he left."
    bad_at = data.index(b"\xff")
    broken = put("broken.txt", data)
    report = corpus.ingest([broken])
    assert problems(report) == [
        f"{broken}: invalid UTF-8 at byte {bad_at} in otherwise UTF-8 text (give --encoding to force a code page)"
    ], [d.text for d in corpus.documents()]
    assert corpus.documents() == []


@pytest.mark.parametrize(
    "bom, payload, bad_at",
    [
        (codecs.BOM_UTF8, "Привет, мир. ".encode("utf-8") * 5 + b"\xff" + "конец".encode("utf-8"), 3 + 5 * 22),
        (codecs.BOM_UTF16_LE, "Hello".encode("utf-16-le") + b"\x00\xd8" + "x".encode("utf-16-le"), 2 + 10),
    ],
    ids=["utf-8-bom", "utf-16-bom"],
)
def test_regression_decode_error_offsets_ignore_the_bom(corpus, put, bom, payload, bad_at):
    """After a byte-order mark, ``_decode_with`` decodes ``data[len(bom):]`` and reports the
    decoder's offsets as they are: every position is short by the BOM's length (3 or 2 bytes), unlike
    'invalid UTF-8 at byte N', which counts from the start of the file."""
    path = put("bom.txt", bom + payload)
    assert (bom + payload)[bad_at : bad_at + 1] in (b"\xff", b"\x00")
    report = corpus.ingest([path])
    (problem,) = report.problems
    assert problem.reason.startswith(f"bytes {bad_at}-"), problem.reason


def test_regression_csv_unterminated_quote_swallows_the_following_rows(corpus, put):
    """``csv.DictReader`` runs with ``strict=False``: an opening quote that is never closed takes the
    rest of the file into one field. Rows 3 and 4 silently become part of row 2's text; ok=True."""
    table = put("table.csv", 'id,text\n1,fine\n2,"unterminated\n3,next row\n4,another\n')
    report = corpus.ingest([table])
    assert not report.ok, texts(corpus)
    assert [p.path for p in report.problems] == [table] and report.problems[0].line is not None, problems(report)
    assert not any("3,next row" in t for t in texts(corpus)), texts(corpus)
