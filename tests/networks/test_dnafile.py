"""DNA 3 files: import of DNA's sample.dna, export that DNA opens (schema, coders, passwords, offsets),
round trips, networks through the import, hostile files, and visone GraphML."""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3

import networkx as nx
import numpy as np
import pytest
from lxml import etree
from typer.testing import CliRunner

import onrecord
from onrecord.cli import app
from onrecord.errors import ExportWarning, InputError
from onrecord.networks import NetworkOptions
from onrecord.networks.dnafile import DEFAULT_PASSWORD, read_dna, write_dna
from onrecord.networks.dnaschema import TABLES, check_password, digest_password
from onrecord.networks.dnastore import project_from_records
from tests.conftest import ROOT

FIX = ROOT / "tests" / "fixtures" / "dna"
SAMPLE = FIX / "sample.dna"
EXPECTED = json.loads((FIX / "sample_expected_networks.json").read_text(encoding="utf-8"))
runner = CliRunner()


@pytest.fixture
def imported(tmp_path):
    c = onrecord.open(tmp_path / "dna.db")
    c.import_dna(SAMPLE)
    yield c
    c.close()


def _schema(conn: sqlite3.Connection) -> dict:
    out = {}
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        out[table] = (
            conn.execute(f"PRAGMA table_info({table})").fetchall(),
            sorted(r[2:] for r in conn.execute(f"PRAGMA foreign_key_list({table})")),
            sorted((i[2], i[3], tuple(x[2] for x in conn.execute(f"PRAGMA index_info('{i[1]}')")))
                   for i in conn.execute(f"PRAGMA index_list({table})")),
        )
    return out


def _statements(corpus, layers=("statement", "dna")):
    out = []
    for d in corpus.documents():
        for a in d.annotations(layers):
            out.append((d.sha256, a.start, a.end, a.layer, a.label, json.dumps(a.attrs, sort_keys=True), a.source, a.verified))
    return sorted(out)


def _documents(corpus):
    return sorted((d.sha256, d.text, d.meta.to_dict().__repr__()) for d in corpus.documents())


# -- import -----------------------------------------------------------------------------------------
def test_import_sample_documents_and_statements(imported):
    docs = imported.documents()
    assert len(docs) == 7
    first = docs[0]
    assert (first.meta.title, first.meta.author, first.meta.outlet, str(first.date)) == (
        "109-876: Bluestein, Joel-BUS-Y", "Bluestein, Joel", "109", "2005-01-26")
    assert first.meta.extra["dna"]["section"] == "876" and first.meta.extra["dna"]["coder"] == "Coder 1"
    counts = [len(d.annotations(["statement", "dna"])) for d in docs]
    assert counts == [5, 5, 11, 4, 6, 6, 4]  # DNA's counts per document; doc 1 also holds the Annotation
    s = first.layer("statement")[0]
    assert (s.start, s.end, s.label) == (6351, 7213, "CO2 legislation will not hurt the economy.")
    assert s.attrs["holder"] == "Energy and Environmental Analysis, Inc." and s.attrs["polarity"] == "oppose"
    assert s.attrs["speaker"] == "Joel Bluestein" and s.attrs["coder"] == "Coder 1"
    assert s.attrs["dna"]["entities"]["organization"] == {"color": [255, 153, 0], "attributes": {"Type": "Business"}}
    assert s.source == "dna:Coder 1" and s.verified
    note = first.layer("dna")[0]
    assert (note.label, note.start, note.end, note.source) == ("Annotation", 253, 344, "dna:Coder 2")
    assert note.attrs["dna"]["variables"]["note"].startswith("This is a note.")
    assert sum(len(d.layer("statement")) for d in docs) == 40


def test_import_is_idempotent_and_verified(imported):
    before = _statements(imported)
    again = imported.import_dna(SAMPLE)
    assert again.statements_added == 0 and again.statements_present == 41 and len(again.documents_unchanged) == 7
    assert _statements(imported) == before
    assert all(row[-1] is True for row in before)


def test_networks_through_the_dna_import_match_dna(imported):
    cases = [("twomode_default", "twomode", "ignore", "no"), ("twomode_subtract", "twomode", "subtract", "no"),
             ("twomode_combine", "twomode", "combine", "no"), ("onemode_default", "onemode", "ignore", "no"),
             ("onemode_congruence_average", "onemode", "congruence", "average"), ("onemode_conflict", "onemode", "conflict", "no"),
             ("onemode_subtract", "onemode", "subtract", "no"), ("onemode_ignore_jaccard", "onemode", "ignore", "jaccard"),
             ("onemode_ignore_cosine", "onemode", "ignore", "cosine_dna")]
    for key, kind, agg, norm in cases:
        net = imported.network(options=NetworkOptions(kind, agg, norm))[0]
        expected = EXPECTED[key]
        assert net.rows == expected["rows"] and net.cols == expected["cols"], key
        np.testing.assert_allclose(net.matrix, np.array(expected["matrix"], dtype=float), atol=1e-9, err_msg=key)
    assert imported.network(options=NetworkOptions("twomode"))[0].matrix.sum() == 40


# -- export ---------------------------------------------------------------------------------------
def test_sample_round_trip_through_export(imported, tmp_path):
    out = tmp_path / "again.dna"
    assert imported.export(out) == 41  # chosen by the .dna extension
    original, again = read_dna(SAMPLE), read_dna(out)
    key = lambda p: sorted((p.documents[s.document].title, s.type, s.start, s.stop, s.coder, sorted(s.values.items()))
                           for s in p.statements)
    assert key(again) == key(original) and len(again.statements) == 41
    doc = lambda p: [(d.title, d.text, d.date, d.coder, d.author, d.source, d.section, d.notes, d.type) for d in p.documents]
    assert doc(again) == doc(original)
    used = lambda p: {(s.type, var, str(v)): p.entities[(s.type, var, str(v))] for s in p.statements
                      for var, v in s.values.items() if (s.type, var, str(v)) in p.entities}
    assert used(again) == used(original) and len(used(original)) == 20
    coders = {s.coder for s in original.statements} | {d.coder for d in original.documents}
    assert {n: again.coders[n].color for n in coders} == {n: original.coders[n].color for n in coders}
    assert again.version.startswith("3.")
    # ... and into a fresh store: identical documents, spans, values and coders
    fresh = onrecord.open(tmp_path / "fresh.db")
    report = fresh.import_dna(out)
    assert report.statements_added == 41 and sorted(report.coders) == ["Coder 1", "Coder 2"]
    assert _documents(fresh) == _documents(imported)
    assert _statements(fresh) == _statements(imported) and len(_statements(fresh)) == 41
    fresh.close()


def test_export_has_dnas_schema_defaults_and_passwords(imported, tmp_path):
    out = tmp_path / "x.dna"
    imported.export(out, options={"password": "s3cret"})
    conn, sample = sqlite3.connect(out), sqlite3.connect(SAMPLE)
    assert _schema(conn) == _schema(sample) and len(_schema(conn)) == len(TABLES) == 16
    assert conn.execute("SELECT Value FROM SETTINGS WHERE Property = 'version'").fetchone()[0].startswith("3.")
    assert conn.execute("SELECT * FROM STATEMENTTYPES ORDER BY ID").fetchall() == sample.execute(
        "SELECT * FROM STATEMENTTYPES ORDER BY ID").fetchall()
    assert conn.execute("SELECT * FROM VARIABLES ORDER BY ID").fetchall() == sample.execute("SELECT * FROM VARIABLES ORDER BY ID").fetchall()
    assert conn.execute("SELECT * FROM ATTRIBUTEVARIABLES ORDER BY ID").fetchall() == sample.execute(
        "SELECT * FROM ATTRIBUTEVARIABLES ORDER BY ID").fetchall()
    coders = conn.execute("SELECT ID, Name, Password FROM CODERS ORDER BY ID").fetchall()
    assert [(i, n) for i, n, _ in coders] == [(1, "Admin"), (2, "Coder 1"), (3, "Coder 2")]
    assert all(len(p) == 64 and check_password("s3cret", p) and not check_password("sample", p) for _, _, p in coders)
    assert len({p for _, _, p in coders}) == 3  # salted
    assert conn.execute("SELECT COUNT(*) FROM CODERRELATIONS").fetchone()[0] == 6
    # one value row per statement and variable; ATTRIBUTEVALUES complete; foreign keys hold
    assert conn.execute("SELECT COUNT(*) FROM DATASHORTTEXT").fetchone()[0] == 120
    assert conn.execute("SELECT COUNT(*) FROM DATABOOLEAN").fetchone()[0] == 40
    n_entities = conn.execute("SELECT COUNT(*) FROM ENTITIES WHERE VariableId IN (1, 2, 3)").fetchone()[0]
    assert conn.execute("SELECT COUNT(*) FROM ATTRIBUTEVALUES").fetchone()[0] == 3 * n_entities
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    # DNA's SUBSTRING(Text, Start + 1, Stop - Start) is the statement text
    got = conn.execute("SELECT SUBSTR(d.Text, s.Start + 1, s.Stop - s.Start) FROM STATEMENTS s JOIN DOCUMENTS d ON d.ID = s.DocumentId "
                       "ORDER BY s.Start LIMIT 1").fetchone()[0]
    assert got and len(got) > 50


def test_password_digest_is_jaspyts_scheme():
    sample = sqlite3.connect(SAMPLE)
    digests = [p for (p,) in sample.execute("SELECT Password FROM CODERS")]
    assert len(digests) == 4 and all(check_password("sample", p) for p in digests)
    assert not check_password("Sample", digests[0]) and not check_password("sample", "not base64!")
    d = digest_password("pässwort", b"\x01" * 16)
    assert d == digest_password("pa\u0308sswort", b"\x01" * 16)  # NFC before encoding
    assert check_password("pässwort", d) and d != digest_password("pässwort")


def _record(text, anns, date="2025-06-01", **meta):
    return {"id": 1, "text": text, "meta": {"date": date, "title": meta.get("title"), "author": None, "outlet": "Radio", "programme": None,
                                              "extra": {}}, "annotations": anns}


def _ann(start, end, label, holder, polarity, source="onrecord.statements.v1", verified=False, **attrs):
    return {"start": start, "end": end, "layer": "statement", "label": label, "source": source, "verified": verified,
            "attrs": {"holder": holder, "polarity": polarity, **attrs}}


def test_onrecord_statements_map_to_dna_and_back(tmp_path):
    from onrecord.analysis.codebook import load_actor_codebook, load_concept_codebook

    text = "😀 Putin wants peace. 🇺🇦 Russia rejects talks. Nobody knows."
    s1 = text.index("Putin"), text.index("peace.") + 6
    s2 = text.index("Russia"), text.index("talks.") + 6
    anns = [_ann(*s1, "other", "putin", "support"), _ann(*s2, "other", "russia", "oppose", verified=True, verified_by="Alice"),
            _ann(0, 1, "other", "speaker:Host", "neutral"), _ann(5, 5, "other", "putin", "support")]
    project = project_from_records([_record(text, anns)], load_actor_codebook(), load_concept_codebook())
    assert len(project.statements) == 2 and len(project.skipped) == 2  # neutral polarity, empty span
    out = tmp_path / "o.dna"
    write_dna(project, out)
    conn = sqlite3.connect(out)
    rows = conn.execute(
        "SELECT s.Start, s.Stop, c.Name, d.Text FROM STATEMENTS s JOIN CODERS c ON c.ID = s.Coder JOIN DOCUMENTS d ON d.ID = s.DocumentId "
        "ORDER BY s.Start").fetchall()
    utf16 = text.encode("utf-16-le")
    for (start, stop, coder, doc), (a, b), want in zip(rows, (s1, s2), ("onrecord.statements.v1", "Alice")):
        assert (start, stop) != (a, b) and coder == want  # offsets in UTF-16 code units after the emoji
        assert utf16[2 * start: 2 * stop].decode("utf-16-le") == text[a:b]
    values = conn.execute("SELECT v.Variable, e.Value FROM DATASHORTTEXT x JOIN ENTITIES e ON e.ID = x.Entity "
                          "JOIN VARIABLES v ON v.ID = x.VariableId WHERE x.StatementId = 1 ORDER BY v.ID").fetchall()
    assert values == [("person", "Vladimir Putin"), ("organization", ""), ("concept", "other")]
    assert conn.execute("SELECT Value FROM DATABOOLEAN ORDER BY StatementId").fetchall() == [(1,), (0,)]
    assert all(check_password(DEFAULT_PASSWORD, p) for (p,) in conn.execute("SELECT Password FROM CODERS"))
    assert conn.execute("SELECT Date FROM DOCUMENTS").fetchone()[0] == 1748736000  # 2025-06-01 in seconds
    back = onrecord.open(tmp_path / "back.db")
    back.import_dna(out)
    got = [(a.start, a.end, a.attrs["holder"], a.attrs["polarity"], a.label, a.source) for a in back.documents()[0].layer("statement")]
    assert got == [(*s1, "putin", "support", "other", "dna:onrecord.statements.v1"), (*s2, "russia", "oppose", "other", "dna:Alice")]
    back.close()


@contextlib.contextmanager
def _no_warning():
    yield


def test_analysed_store_exports_a_dna_file(tmp_path, samples):
    corpus = onrecord.open(tmp_path / "a.db")
    corpus.ingest(samples, speaker="Alexander Dugin")
    corpus.analyze(workers=0)
    stored = [a for d in corpus.documents() for a in d.layer("statement")]
    polar = [a for a in stored if a.attrs.get("polarity") in ("support", "oppose") and a.end > a.start]
    out = tmp_path / "analysed.dna"
    neutral = sum(1 for a in stored if a.attrs.get("polarity") not in ("support", "oppose"))
    with pytest.warns(ExportWarning, match=f"left out {neutral} statement") if neutral else _no_warning():
        assert corpus.export(out, format="dna") == len(polar) > 0
    assert _schema(sqlite3.connect(out)) == _schema(sqlite3.connect(SAMPLE))
    names = [n for (n,) in sqlite3.connect(out).execute("SELECT Name FROM CODERS ORDER BY ID")]
    assert names == ["Admin", "onrecord.statements.v1"]
    back = onrecord.open(tmp_path / "b.db")
    assert back.import_dna(out).statements_added == len(polar)
    key = lambda anns: sorted((a.start, a.end, a.label, a.attrs["holder"], a.attrs["polarity"]) for a in anns)
    assert key(a for d in back.documents() for a in d.layer("statement")) == key(polar)
    corpus.close()
    back.close()


# -- hostile files --------------------------------------------------------------------------------
def _hostile(tmp_path, name):
    path = tmp_path / f"{name}.dna"
    if name == "text":
        path.write_text("not a database at all\n", encoding="utf-8")
        return path, "not a DNA file"
    if name == "empty_sqlite":
        sqlite3.connect(path).execute("CREATE TABLE SETTINGS (Property TEXT PRIMARY KEY, Value TEXT NOT NULL)").connection.commit()
        return path, "missing table(s)"
    shutil.copy(SAMPLE, path)
    conn = sqlite3.connect(path)
    if name == "beyond_text":
        conn.execute("UPDATE STATEMENTS SET Stop = 999999 WHERE ID = 3")
        message = "statement 3: span 8961-999999 lies outside document 1"
    elif name == "bad_date":
        conn.execute("UPDATE DOCUMENTS SET Date = 99999999999999999 WHERE ID = 2")
        message = "document 2: date 99999999999999999 is not a number of seconds"
    elif name == "dna2":
        conn.execute("UPDATE SETTINGS SET Value = '2.0 beta 19' WHERE Property = 'version'")
        message = "a DNA 2 database"
    elif name == "version4":
        conn.execute("UPDATE SETTINGS SET Value = '4.0.1' WHERE Property = 'version'")
        message = "unsupported DNA version '4.0.1'"
    else:  # corrupt: the pages after the header overwritten
        conn.close()
        data = bytearray(path.read_bytes())
        data[4096:4096 * 40] = b"\xff" * (4096 * 39)
        path.write_bytes(bytes(data))
        return path, "corrupt DNA file"
    conn.commit()
    conn.close()
    return path, message


@pytest.mark.parametrize("name", ["text", "empty_sqlite", "beyond_text", "bad_date", "dna2", "version4", "corrupt"])
def test_hostile_files_give_one_clean_error_and_leave_the_store(tmp_path, name):
    path, message = _hostile(tmp_path, name)
    db = tmp_path / "h.db"
    with onrecord.open(db) as corpus:
        with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
            corpus.import_dna(path)
        assert corpus.stats()["documents"] == 0 and corpus.stats()["runs"] == []
    result = runner.invoke(app, ["--db", str(db), "import", str(path)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and message.split(":")[0] in lines[0]


# -- CLI --------------------------------------------------------------------------------------------
def test_cli_import_export_and_password(tmp_path):
    db = tmp_path / "cli.db"
    first = runner.invoke(app, ["--db", str(db), "import", str(SAMPLE)])
    assert first.exit_code == 0 and "7 new" in first.output and "41 statements added" in first.output
    again = runner.invoke(app, ["--db", str(db), "import", str(SAMPLE), "--json"])
    assert again.exit_code == 0 and json.loads(again.output)["statements_added"] == 0
    out = tmp_path / "cli.dna"
    r = runner.invoke(app, ["--db", str(db), "export", str(out), "--dna-password", "pw1"])
    assert r.exit_code == 0 and out.exists()
    assert all(check_password("pw1", p) for (p,) in sqlite3.connect(out).execute("SELECT Password FROM CODERS"))
    r = runner.invoke(app, ["--db", str(db), "export", str(tmp_path / "x.jsonl"), "--dna-password", "pw1"])
    assert r.exit_code == 2 and "only to DNA files" in r.output


# -- visone GraphML -------------------------------------------------------------------------------
def test_visone_graphml(imported, tmp_path):
    out = tmp_path / "v.graphml"
    r = runner.invoke(app, ["--db", imported.db, "network", str(out), "--type", "onemode", "--aggregation", "subtract",
                            "--graphml-flavour", "visone"])
    assert r.exit_code == 0, r.output
    tree = etree.parse(str(out))
    ns = {"g": "http://graphml.graphdrawing.org/xmlns", "y": "http://www.yworks.com/xml/graphml", "v": "http://visone.info/xmlns"}
    assert {k.get("yfiles.type") for k in tree.findall("g:key", ns)} >= {"nodegraphics", "edgegraphics"}
    labels = tree.xpath("//g:node/g:data/v:shapeNode/y:ShapeNode/y:NodeLabel/text()", namespaces=ns)
    expected = EXPECTED["onemode_subtract"]
    assert sorted(labels) == sorted(expected["rows"])
    g = nx.read_graphml(out)
    name = {n: d["name"] for n, d in g.nodes(data=True)}
    m = np.array(expected["matrix"], dtype=float)
    rows = expected["rows"]
    want = {frozenset((rows[i], rows[j])): m[i, j] for i in range(len(rows)) for j in range(i + 1, len(rows)) if m[i, j] != 0}
    got = {frozenset((name[u], name[v])): d["weight"] for u, v, d in g.edges(data=True)}
    assert got == want
    widths = tree.xpath("//g:edge/g:data/v:polyLineEdge/y:PolyLineEdge/y:LineStyle", namespaces=ns)
    assert len(widths) == len(want) and any(w.get("color") == "#CC0000" for w in widths) == any(v < 0 for v in want.values())
    bad = runner.invoke(app, ["--db", imported.db, "network", str(tmp_path / "v.csv"), "--graphml-flavour", "visone"])
    assert bad.exit_code == 2
