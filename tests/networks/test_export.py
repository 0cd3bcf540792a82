"""Network files parse back: CSV matrix (DNA's format), GraphML, static and dynamic GEXF, edge lists."""

import csv
import datetime as dt

import networkx as nx
import pytest

from onrecord.networks import NetStatement, NetworkOptions, network, time_windows
from onrecord.networks.export import write_edgelist, write_gexf, write_graphml, write_matrix_csv


def _stmts():
    rows = [("trump", "ceasefire", 1, 1), ("putin", "ceasefire", 0, 1), ("putin", "sanctions_relief", 1, 5),
            ("trump", "sanctions_relief", 1, 9), ("zelensky", "ceasefire", 1, 9)]
    return [NetStatement(i, i, dt.datetime(2025, 6, d), a, c, q) for i, (a, c, q, d) in enumerate(rows)]


def test_matrix_csv_is_dnas_format(tmp_path):
    path = tmp_path / "m.csv"
    write_matrix_csv(network(_stmts(), NetworkOptions("twomode", "subtract")), path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == '"";"ceasefire";"sanctions_relief"'
    assert lines[1] == '"putin";-1;1' and lines[2] == '"trump";1;1'
    write_matrix_csv(network(_stmts(), NetworkOptions("onemode", "ignore", "average")), path)
    assert path.read_text(encoding="utf-8").splitlines()[1].startswith('"putin";0.000000;')


def test_graphml_and_static_gexf_parse_back(tmp_path):
    net = network(_stmts(), NetworkOptions("twomode"))
    names = {"trump": "Donald Trump"}
    write_graphml(net, tmp_path / "n.graphml", two_mode=True, names=names)
    g = nx.read_graphml(tmp_path / "n.graphml")
    assert g.nodes["trump"]["label"] == "Donald Trump" and g.nodes["ceasefire"]["type"] == "concept"
    assert g.edges["putin", "sanctions_relief"]["weight"] == 1.0 and g.number_of_edges() == 5
    write_gexf([net], tmp_path / "n.gexf", two_mode=True, names=names)
    h = nx.read_gexf(tmp_path / "n.gexf")
    assert h.number_of_edges() == 5 and h.nodes["trump"]["label"] == "Donald Trump"


def test_dynamic_gexf_has_time_intervals(tmp_path):
    wins = time_windows(_stmts(), NetworkOptions("onemode"), window=5, unit="days")
    assert len(wins) == 5
    write_gexf(wins, tmp_path / "d.gexf", two_mode=False)
    text = (tmp_path / "d.gexf").read_text(encoding="utf-8")
    assert 'mode="dynamic"' in text and "<spells>" in text and 'timeformat="date"' in text
    g = nx.read_gexf(tmp_path / "d.gexf")
    edge = g.edges["putin", "trump"]
    assert edge["spells"] and all(start <= end for start, end in edge["spells"])
    assert all(isinstance(v, float) and s <= e for v, s, e in edge["strength"])


def test_edgelist_has_every_attribute(tmp_path):
    wins = time_windows(_stmts(), NetworkOptions("twomode"), window=3, unit="days")
    n = write_edgelist(wins, tmp_path / "e.csv", two_mode=True, names={"putin": "Vladimir Putin"})
    rows = list(csv.DictReader(open(tmp_path / "e.csv", encoding="utf-8")))
    assert len(rows) == n > 0
    assert set(rows[0]) == {"source", "target", "source_label", "target_label", "weight", "start", "stop", "time", "statements"}
    assert any(r["source_label"] == "Vladimir Putin" for r in rows)


@pytest.mark.parametrize("kind", ["twomode", "onemode"])
def test_empty_network_writes_valid_files(tmp_path, kind):
    net = network([], NetworkOptions(kind))
    write_graphml(net, tmp_path / "x.graphml", two_mode=kind == "twomode")
    assert nx.read_graphml(tmp_path / "x.graphml").number_of_nodes() == 0
