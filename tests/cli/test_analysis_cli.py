"""analyze, actors, eval and show --layer statement, end to end through the installed command."""

import json
import shutil
import subprocess

from tests.conftest import ROOT, cli_path

BASIC = "onrecord.sentences.v1,onrecord.actors.v1,onrecord.statements.v1,onrecord.predictions.v1,onrecord.claims.v1"


def _run(db, *args):
    return subprocess.run([cli_path(), "--db", str(db), *args], capture_output=True, text=True, timeout=300)


def test_analyze_show_actors(tmp_path, samples):
    db = tmp_path / "a.db"
    assert _run(db, "ingest", str(samples), "--speaker", "Alexander Dugin", "-q").returncode == 0
    r = _run(db, "analyze", "--json", "--stages", BASIC)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert len(report["analysed"]) == 2 and report["annotations"]["statement"] > 10
    again = json.loads(_run(db, "analyze", "--json", "--stages", BASIC).stdout)
    assert again["analysed"] == [] and len(again["skipped"]) == 2
    shown = _run(db, "show", "1", "--layer", "statement")
    assert shown.returncode == 0 and "holder=" in shown.stdout and "polarity=" in shown.stdout
    actors = json.loads(_run(db, "actors", "--json").stdout)
    trump = next(a for a in actors if a["id"] == "trump")
    assert trump["mentions"] >= 10 and trump["member_of"] == ["us"]
    cands = _run(db, "actors", "--candidates", "--json")
    assert cands.returncode == 0 and isinstance(json.loads(cands.stdout), list)
    listed = _run(db, "analyze", "--list")
    assert "onrecord.statements.v1" in listed.stdout and "-> statement" in listed.stdout


def test_analyze_reports_bad_stage_names(tmp_path, samples):
    db = tmp_path / "a.db"
    _run(db, "ingest", str(samples), "-q")
    r = _run(db, "analyze", "--stages", "onrecord.nothing.v1")
    assert r.returncode == 2 and "no stage named" in r.stderr


def test_eval_needs_the_gold_texts_in_the_store(tmp_path):
    gold = tmp_path / "gold"
    gold.mkdir()
    shutil.copy(ROOT / "gold" / "onrecord" / "sample_000_093af9b9ee9032fc.txt", gold / "s.txt")
    (gold / "s.gold.jsonl").write_text('{"layer": "actor", "quote": "Steve Witkoff", "label": "witkoff"}\n', encoding="utf-8")
    db = tmp_path / "e.db"
    r = _run(db, "eval", "--gold", str(gold))
    assert r.returncode == 2 and "not in the store" in r.stderr
    _run(db, "ingest", str(gold), "-q")
    _run(db, "analyze", "-q", "--stages", "onrecord.sentences.v1,onrecord.actors.v1")
    r = _run(db, "eval", "--gold", str(gold), "--layer", "actor", "--json")
    assert r.returncode == 0, r.stderr
    actor = json.loads(r.stdout)["layers"]["actor"]["criteria"]
    assert actor["label"]["recall"] == 1.0 and actor["span"]["n_gold"] == 1


def test_network_exports(tmp_path, samples):
    import networkx as nx

    db = tmp_path / "n.db"
    _run(db, "ingest", str(samples), "--speaker", "Alexander Dugin", "-q")
    _run(db, "analyze", "-q", "--stages", BASIC)
    r = _run(db, "network", str(tmp_path / "a.gexf"), "--type", "onemode", "--aggregation", "subtract", "--normalization", "average")
    assert r.returncode == 0, r.stderr
    g = nx.read_gexf(tmp_path / "a.gexf")
    assert "trump" in g and g.nodes["trump"]["label"] == "Donald Trump"
    r = _run(db, "network", str(tmp_path / "m.csv"), "--exclude", "polarity=oppose")
    assert r.returncode == 0 and (tmp_path / "m.csv").read_text(encoding="utf-8").startswith('"";')
    r = _run(db, "network", str(tmp_path / "w.csv"), "--window", "30", "--unit", "days")
    assert r.returncode == 2 and "gexf or edgelist" in r.stderr
    r = _run(db, "network", str(tmp_path / "w.gexf"), "--window", "3", "--unit", "months")
    assert r.returncode == 0, r.stderr
    r = _run(db, "network", str(tmp_path / "x.net"))
    assert r.returncode == 2 and "network format" in r.stderr


def test_predictions_and_resolve(tmp_path, samples):
    db = tmp_path / "p.db"
    _run(db, "ingest", str(samples), "--speaker", "Alexander Dugin", "-q")
    _run(db, "analyze", "-q", "--stages", BASIC)
    rows = json.loads(_run(db, "predictions", "--json").stdout)
    assert rows and all(r["status"] in ("open", "overdue") for r in rows)
    r = _run(db, "resolve", str(rows[0]["id"]), "--outcome", "true", "--evidence", "https://example.org", "--by", "tester")
    assert r.returncode == 0 and "verdict" in r.stdout
    card = json.loads(_run(db, "predictions", "--scorecard", "--json").stdout)
    assert sum(c["resolved"] for c in card) == 1
    assert _run(db, "resolve", "999999", "--outcome", "true").returncode == 2
