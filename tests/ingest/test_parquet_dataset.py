"""Parquet bulk paths: ingest of Parquet files and hive-partitioned datasets (streamed, one error line
per bad row), and the date-partitioned dataset export that reads back with its annotations."""

from __future__ import annotations

import datetime as dt
import os

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import onrecord
from onrecord.ingest.parquet import hive_partition
from tests.conftest import assert_same_documents


def _write_dataset(root, rows, schema=None, partition="date"):
    table = pa.Table.from_pylist(rows, schema=schema)
    ds.write_dataset(table, root, format="parquet", partitioning=[partition], partitioning_flavor="hive",
                     existing_data_behavior="overwrite_or_ignore")


def test_hive_partition_of_a_path():
    assert hive_partition(os.path.join("data", "date=2025-06-01", "part-0.parquet")) == ("data", {"date": "2025-06-01"})
    assert hive_partition(os.path.join("d", "year=2025", "month=6", "p.parquet")) == ("d", {"year": "2025", "month": "6"})
    assert hive_partition(os.path.join("d", "year=__HIVE_DEFAULT_PARTITION__", "p.parquet")) == ("d", {"year": None})
    assert hive_partition(os.path.join("d", "p.parquet")) == (os.path.join("d", "p.parquet"), {})


def test_partitioned_dataset_columns_and_bad_rows(corpus, tmp_path):
    root = tmp_path / "data"
    rows = [
        {"id": "a1", "text": "Host: Hello.\n\nJohn Smith: Hi there.", "date": "2025-06-01", "outlet": "RT", "show": "CrossTalk", "views": 10},
        {"id": "a2", "text": "Second document.", "date": "2025-06-01", "outlet": "TASS", "show": None, "views": 3},
        {"id": "a3", "text": "   ", "date": "2025-06-02", "outlet": "RT", "show": None, "views": 1},  # no text
        {"id": "a4", "text": "Fourth document.", "date": "2025-06-02", "outlet": "RT", "show": None, "views": 1},
        {"id": "a5", "text": "Third document.", "date": "2025-06-02", "outlet": None, "show": None, "views": None},
    ]
    _write_dataset(root, rows)
    # a file outside the partitions whose date is not a date
    (root / "misc").mkdir()
    pq.write_table(pa.Table.from_pylist([{"id": "b0", "text": "Good row.", "date": None}, {"id": "b1", "text": "Bad date row.", "date": "the day after"}]),
                   root / "misc" / "extra-0.parquet")
    report = corpus.ingest([root], speaker="Desk")
    assert len(report.added) == 5
    problems = sorted(str(p) for p in report.problems)
    assert len(problems) == 2, problems
    assert any("date=2025-06-02" in p and ":1: no text" in p for p in problems)
    assert any("extra-0.parquet:2:" in p and "the day after" in p for p in problems)
    docs = {d.text: d for d in corpus.documents()}
    first = docs["Host: Hello.\n\nJohn Smith: Hi there."]
    assert (first.meta.date, first.meta.outlet, first.meta.programme, first.meta.extra) == (dt.date(2025, 6, 1), "RT", "CrossTalk", {"views": 10})
    assert [t.attrs["speaker"] for t in first.layer("turn")] == ["Host", "John Smith"]
    assert docs["Third document."].meta.date == dt.date(2025, 6, 2)  # from the partition folder
    assert first.format == "parquet"

    # identity: the id column under the dataset root; a changed text is a new version, the rest unchanged
    rows[1]["text"] = "Second document, corrected."
    rows[1]["date"] = "2025-06-05"  # moved to another partition
    os.rename(root, tmp_path / "old")
    _write_dataset(root, [r for r in rows if r["id"] in ("a1", "a2")])
    again = corpus.ingest([root])
    assert again.ok and len(again.versions) == 1 and len(again.unchanged) == 1
    assert corpus.document(again.versions[0]).previous_id == docs["Second document."].id


def test_single_file_custom_columns_and_forced_format(corpus, tmp_path):
    path = tmp_path / "feed.pq"
    pq.write_table(pa.Table.from_pylist([{"uid": 7, "content_en": "Custom text.", "when": dt.date(2025, 2, 1)}]), path)
    report = corpus.ingest([path], format="parquet", columns={"text": "content_en", "date": "when"})
    assert report.ok and len(report.added) == 1, report.problems
    doc = corpus.documents()[0]
    assert doc.text == "Custom text." and doc.meta.date == dt.date(2025, 2, 1)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    report = corpus.ingest([broken])
    assert len(report.problems) == 1 and "not a readable Parquet file" in report.problems[0].reason


def test_dataset_export_round_trip(corpus, samples, tmp_path, write):
    corpus.ingest([samples], speaker="Alexander Dugin")
    corpus.ingest([write("x.md", "---\ndate: 2024-01-01\ntags: [a]\n---\nCafe\u0301 [sic] text."), write("undated.txt", "No date here.")])
    corpus.analyze(stages=["onrecord.sentences.v1", "onrecord.actors.v1"], workers=0)
    out = tmp_path / "out"
    assert corpus.export(out, format="parquet-dataset") == 4
    parts = sorted(os.path.relpath(os.path.join(r, f), out) for r, _, fs in os.walk(out) for f in fs)
    assert os.path.join("year=2024", "month=1", "part-0.parquet") in parts
    assert os.path.join("year=__HIVE_DEFAULT_PARTITION__", "month=__HIVE_DEFAULT_PARTITION__", "part-0.parquet") in parts
    # analysts: the whole dataset is one table with typed partition columns
    table = ds.dataset(out, format="parquet", partitioning="hive").to_table()
    assert table.num_rows == 4 and {"year", "month", "date", "text", "annotations"} <= set(table.schema.names)
    with pytest.raises(onrecord.errors.ConfigError, match="not an empty folder"):
        corpus.export(out, format="parquet-dataset")

    other = onrecord.open(tmp_path / "other.db")
    report = other.ingest([out])
    assert report.ok and len(report.added) == 4, report.problems
    assert_same_documents(corpus, other)
    assert all(any(a.layer == "sentence" for a in d.annotations()) for d in other.documents())
    assert not other.ingest([out]).added  # importing it again adds nothing
    other.close()


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads RSS from /proc")
def test_a_large_dataset_is_ingested_in_bounded_memory(corpus, tmp_path):
    n = 100_000
    root = tmp_path / "big"
    schema = pa.schema([("id", pa.string()), ("text", pa.string()), ("date", pa.date32()), ("outlet", pa.string())])

    def batches():
        for start in range(0, n, 10_000):
            yield pa.RecordBatch.from_pylist(
                [{"id": f"doc-{i}", "text": f"Speaker {i % 7} said the talks in round {i} went nowhere. Nobody expected more.",
                  "date": dt.date(2025, 1 + i % 12, 1 + i % 28), "outlet": "Wire"} for i in range(start, min(n, start + 10_000))],
                schema=schema,
            )

    ds.write_dataset(batches(), root, schema=schema, format="parquet",
                     partitioning=ds.partitioning(pa.schema([("date", pa.date32())]), flavor="hive"))
    baseline = _rss_mb()
    peak = [baseline]
    report = corpus.ingest([root], progress=lambda event: peak.append(_rss_mb()))
    assert report.ok and len(report.added) == n, report.problems[:3]
    # 100k documents held at once would be several hundred MB; streamed, the growth stays small
    assert max(peak) - baseline < 150, (baseline, max(peak))
    assert corpus.stats()["documents"] == n
