"""The ingest pipeline: progress events, per-file isolation, atomic documents under group commit."""

from __future__ import annotations

from sqlalchemy import text


def test_progress_events(corpus, samples, write):
    bad = write("bad.txt", b"")
    events = []
    report = corpus.ingest([samples, bad, samples / "nope.txt"], progress=events.append)
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start" and events[0]["files"] == 3
    assert kinds.count("file") == 3
    assert sum(e["documents"] for e in events if e["event"] == "file") == 2
    problems = [str(e["problem"]) for e in events if e["event"] == "problem"]
    assert problems == [str(p) for p in report.problems]
    assert sorted(problems) == sorted([f"{samples / 'nope.txt'}: no such file or directory", f"{bad}: empty file (0 bytes)"])


def test_a_document_failing_in_the_store_is_rolled_back_alone(corpus, write, monkeypatch):
    from onrecord.ingest import pipeline
    from onrecord.store import writer

    original = writer.write_document

    def flaky(conn, doc, *args, **kwargs):
        if "poison" in doc.text:
            # write half of the document, then fail like a constraint violation would
            conn.connection.cursor().execute("INSERT INTO speakers(name) VALUES ('half-written')")
            raise conn.dialect.loaded_dbapi.IntegrityError("simulated failure")
        return original(conn, doc, *args, **kwargs)

    monkeypatch.setattr(pipeline, "write_document", flaky)
    files = [write(f"{i}.txt", f"Document {i}.") for i in range(3)] + [write("p.txt", "poison pill")] + [write("z.txt", "Last.")]
    report = corpus.ingest(files)
    assert [str(p) for p in report.problems] == [f"{files[3]}: store error, document not written: simulated failure"]
    assert sorted(d.text for d in corpus.documents()) == ["Document 0.", "Document 1.", "Document 2.", "Last."]
    with corpus.store.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM speakers WHERE name = 'half-written'")).scalar() == 0
