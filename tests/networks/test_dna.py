"""DNA 3 network arithmetic: a worked example computed by hand for every aggregation and
normalisation, and DNA's own sample data against the matrices DNA's tests expect."""

import csv
import datetime as dt
import json

import numpy as np
import pytest

from onrecord.errors import ConfigError
from onrecord.networks import NetStatement, NetworkOptions, network, time_windows
from tests.conftest import ROOT

FIX = ROOT / "tests" / "fixtures" / "dna"
DAY = dt.datetime(2025, 1, 1)


def _example():
    rows = [("A", "X", 1), ("A", "X", 1), ("A", "Y", 0), ("B", "X", 1), ("B", "Y", 1), ("C", "X", 0)]
    return [NetStatement(i, i, DAY, a, c, q, i * 10, i * 10 + 5) for i, (a, c, q) in enumerate(rows)]


def _net(kind, agg="ignore", norm="no", stmts=None, **kw):
    return network(stmts or _example(), NetworkOptions(kind, agg, norm, **kw))


@pytest.mark.parametrize(
    "agg, norm, expected",
    [
        ("ignore", "no", [[2, 1], [1, 1], [1, 0]]),
        ("subtract", "no", [[2, -1], [1, 1], [-1, 0]]),
        ("combine", "no", [[1, 2], [1, 1], [2, 0]]),
        ("ignore", "activity", [[2 / 3, 1 / 3], [1 / 2, 1 / 2], [1, 0]]),
        ("ignore", "prominence", [[2 / 4, 1 / 2], [1 / 4, 1 / 2], [1 / 4, 0]]),
        ("subtract", "activity", [[2 / 3, -1 / 3], [1 / 2, 1 / 2], [-1, 0]]),
    ],
)
def test_two_mode_by_hand(agg, norm, expected):
    net = _net("twomode", agg, norm)
    assert net.rows == ["A", "B", "C"] and net.cols == ["X", "Y"]
    np.testing.assert_allclose(net.matrix, expected)
    assert net.integer == (norm == "no") and net.n_statements == 6


@pytest.mark.parametrize(
    "agg, norm, ab, ac, bc",
    [
        ("ignore", "no", 3, 2, 1),
        ("congruence", "no", 2, 0, 0),
        ("conflict", "no", 1, 2, 1),
        ("subtract", "no", 1, -2, -1),
        ("ignore", "average", 1.2, 1.0, 2 / 3),
        ("ignore", "cosine_dna", 0.5, 2 / 3, 0.5),
        ("ignore", "jaccard", 0.75, 0.5, 1 / 3),
        ("congruence", "average", 0.8, 0, 0),
        ("ignore", "cosine", 3 / np.sqrt(10), 2 / np.sqrt(5), 1 / np.sqrt(2)),
    ],
)
def test_one_mode_by_hand(agg, norm, ab, ac, bc):
    net = _net("onemode", agg, norm)
    m = net.matrix
    np.testing.assert_allclose([m[0, 1], m[0, 2], m[1, 2]], [ab, ac, bc])
    np.testing.assert_allclose(m, m.T)
    assert np.all(np.diag(m) == 0)


def test_integer_qualifier_one_mode():
    stmts = [NetStatement(1, 1, DAY, "P", "X", 1), NetStatement(2, 1, DAY, "Q", "X", -1), NetStatement(3, 1, DAY, "R", "X", 0)]
    for agg, pq, pr in [("congruence", 0, 0.5), ("conflict", 1, 0.5), ("subtract", -1, 0)]:
        m = network(stmts, NetworkOptions("onemode", agg, qualifier_type="integer")).matrix
        assert (m[0, 1], m[0, 2]) == (pq, pr), agg


def test_duplicates_and_filters():
    stmts = [
        NetStatement(1, 1, dt.datetime(2025, 1, 6), "A", "X", 1),
        NetStatement(2, 1, dt.datetime(2025, 1, 6), "A", "X", 1),  # same document
        NetStatement(3, 2, dt.datetime(2025, 1, 7), "A", "X", 1),  # same ISO week, other document
        NetStatement(4, 3, dt.datetime(2025, 2, 7), "A", "X", 0),  # other month, other agreement
        NetStatement(5, 4, dt.datetime(2026, 1, 7), "A", "X", 1),  # January again, next year
        NetStatement(6, 5, dt.datetime(2025, 3, 1), "", "X", 1),  # empty actor: always dropped
    ]
    count = lambda **kw: network(stmts, NetworkOptions("twomode", **kw)).n_statements  # noqa: E731
    assert count() == 5
    assert count(duplicates="document") == 4
    assert count(duplicates="week") == 3
    assert count(duplicates="month") == 3  # calendar months: Jan 2025 and Jan 2026 differ
    assert count(duplicates="year") == 2
    assert count(duplicates="acrossrange") == 1  # with 'ignore', agreement does not tell duplicates apart
    assert count(duplicates="acrossrange", aggregation="subtract") == 2
    assert count(start=dt.datetime(2025, 1, 7), stop=dt.datetime(2025, 2, 7)) == 2  # both ends inclusive
    assert count(exclude={"var2": frozenset({"X"})}) == 0
    assert count(exclude={"qualifier": frozenset({"0"})}, invert_values=True) == 1


def test_isolates_keep_labels_of_excluded_values():
    opts = dict(exclude={"var1": frozenset({"C"})})
    assert network(_example(), NetworkOptions("twomode", **opts)).rows == ["A", "B"]
    net = network(_example(), NetworkOptions("twomode", isolates=True, **opts))
    assert net.rows == ["A", "B", "C"] and net.matrix[2].sum() == 0


def test_time_windows():
    stmts = [NetStatement(i, i, dt.datetime(2025, 1, 1 + i), "A", "X", 1) for i in range(10)]
    wins = time_windows(stmts, NetworkOptions("twomode"), window=4, unit="days")
    assert [w.time.day for w in wins] == [3, 4, 5, 6, 7, 8]  # A = 2: each window spans 5 days
    assert all(w.n_statements == 5 for w in wins)
    assert (wins[0].start, wins[0].stop) == (dt.datetime(2025, 1, 1), dt.datetime(2025, 1, 5))
    assert time_windows(stmts, NetworkOptions("twomode"), window=100, unit="days") == []


def test_bad_options_are_refused():
    with pytest.raises(ConfigError, match="not available"):
        _net("twomode", "congruence")
    with pytest.raises(ConfigError, match="not available"):
        _net("onemode", "ignore", "activity")
    with pytest.raises(ConfigError, match="duplicates"):
        _net("twomode", duplicates="fortnight")


def _sample():
    out = []
    with open(FIX / "sample_statements.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["statement_type"] != "DNA Statement":
                continue
            when = dt.datetime.fromtimestamp(int(r["document_date_epoch_s"]), dt.timezone.utc).replace(tzinfo=None)
            out.append(NetStatement(int(r["statement_id"]), int(r["document_id"]), when, r["organization"], r["concept"],
                                    int(r["agreement"]), int(r["start"]), int(r["stop"])))
    return out


EXPECTED = json.loads((FIX / "sample_expected_networks.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "key, kind, agg, norm, extra",
    [
        ("twomode_default", "twomode", "ignore", "no", {}),
        ("twomode_subtract", "twomode", "subtract", "no", {}),
        ("twomode_combine", "twomode", "combine", "no", {}),
        ("onemode_default", "onemode", "ignore", "no", {}),
        ("onemode_congruence_average", "onemode", "congruence", "average", {}),
        ("onemode_conflict", "onemode", "conflict", "no", {}),
        ("onemode_subtract", "onemode", "subtract", "no", {}),
        ("onemode_ignore_jaccard", "onemode", "ignore", "jaccard", {}),
        ("onemode_ignore_cosine", "onemode", "ignore", "cosine_dna", {}),
        ("onemode_congruence_average_excl", "onemode", "congruence", "average", {"exclude": {
            "var2": frozenset({"There should be legislation to regulate emissions."}),
            "var1": frozenset({"Senate", "Sierra Club"}),
        }}),
    ],
)
def test_dna_sample_matches_dna(key, kind, agg, norm, extra):
    expected = EXPECTED[key]
    net = network(_sample(), NetworkOptions(kind, agg, norm, **extra))
    assert net.rows == expected["rows"] and net.cols == expected["cols"]
    np.testing.assert_allclose(net.matrix, np.array(expected["matrix"], dtype=float), atol=1e-9)


def test_dna_sample_totals_from_dnas_own_tests():
    assert network(_sample(), NetworkOptions("twomode")).matrix.sum() == 40
    assert network(_sample(), NetworkOptions("onemode")).matrix.sum() == 276
    assert round(network(_sample(), NetworkOptions("onemode", "congruence", "average")).matrix.sum()) == 26
    assert np.count_nonzero(network(_sample(), NetworkOptions("twomode")).matrix) == 22
