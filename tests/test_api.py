"""The public API is explicit and pinned; errors form one hierarchy."""

from __future__ import annotations

import onrecord
from onrecord import errors


def test_public_api_is_pinned():
    assert sorted(onrecord.__all__) == sorted([
        "__version__", "open", "Corpus", "Document", "Annotation", "Meta", "DocumentInput", "IngestReport", "Problem",
        "OnrecordError", "StoreError", "MigrationError", "NotFoundError", "InputError", "DecodeError", "FormatError",
        "DateError", "SizeLimitError", "ConfigError", "RegistryError",
    ])
    for name in onrecord.__all__:
        assert hasattr(onrecord, name)


def test_error_hierarchy():
    for name in errors.__all__:
        cls = getattr(errors, name)
        if not isinstance(cls, type):  # the one helper, disk_full
            assert callable(cls) and errors.disk_full(OSError(28, "No space left on device"))
            continue
        assert issubclass(cls, errors.OnrecordError) or issubclass(cls, Warning)
    for sub in (errors.DecodeError, errors.FormatError, errors.DateError, errors.SizeLimitError):
        assert issubclass(sub, errors.InputError)
    assert issubclass(errors.MigrationError, errors.StoreError)
    err = errors.FormatError("bad", "f.jsonl", 3)
    assert str(err) == "f.jsonl:3: bad" and str(err.at(line=4)) == "f.jsonl:4: bad" and isinstance(err.at(line=4), errors.FormatError)


def test_library_round_trip_quickstart(tmp_path, samples):
    with onrecord.open(tmp_path / "q.db") as corpus:
        report = corpus.ingest(samples, speaker="Alexander Dugin")
        assert report.ok
        doc = corpus.documents(since="2025-12-01")[0]
        assert [t.attrs["speaker"] for t in doc.layer("turn")] == ["Host", "Alexander Dugin"]
        assert doc.speakers == [("Host", 1), ("Alexander Dugin", 1)]
        assert doc.layers() == {"editorial": 1, "header": 3, "turn": 2}


def test_registry_names_and_unknown_name():
    from onrecord import registry

    assert registry.names("importers") == ["onrecord.csv.v1", "onrecord.html.v1", "onrecord.jsonl.v1", "onrecord.parquet.v1", "onrecord.text.v1"]
    assert registry.names("exporters") == [
        "onrecord.export.csv.v1", "onrecord.export.dna.v1", "onrecord.export.jsonl.v1", "onrecord.export.parquet.v1",
        "onrecord.export.parquet_dataset.v1", "onrecord.export.ptc.v1",
    ]
    assert set(registry.names("stages")) >= {
        "onrecord.sentences.v1", "onrecord.actors.v1", "onrecord.statements.v1", "onrecord.predictions.v1",
        "onrecord.techniques.v1", "onrecord.claims.v1",
    }
    try:
        registry.get("importers", "nope.v1")
    except errors.RegistryError as exc:
        assert "no importer named 'nope.v1'" in str(exc)
    else:
        raise AssertionError("unknown name accepted")
