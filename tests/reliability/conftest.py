"""Marks every test here ``slow`` and ``reliability``, and collects the suite's figures.

A test asks for ``figures("scenario name")`` and counts what it tried on the record it gets:
``cases`` (inputs tried, kills survived, writes checked), ``failures`` (cases that broke a promise) and
``lost`` (documents, annotations or acknowledged writes lost or duplicated). A scenario whose test
failed counts at least one failure. The table is printed at the end of the run, and written as JSON
to ``$RELIABILITY_FIGURES`` when that is set (``python -m tests.reliability`` reads it).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@dataclass
class Figures:
    scenario: str
    cases: int = 0
    failures: int = 0
    lost: int = 0
    seconds: float = 0.0
    started: float = field(default_factory=time.perf_counter, repr=False)
    test_failed: bool = False


_RECORDED: list[Figures] = []


def pytest_collection_modifyitems(config, items):
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.reliability)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for fig in getattr(item, "_reliability_figures", []):
            fig.test_failed = True


@pytest.fixture
def figures(request):
    """figures(scenario) -> a Figures record for this test (one per scenario name)."""
    made: list[Figures] = []
    request.node._reliability_figures = made

    def _make(scenario: str) -> Figures:
        fig = Figures(scenario)
        made.append(fig)
        _RECORDED.append(fig)
        return fig

    yield _make
    for fig in made:
        fig.seconds = fig.seconds or time.perf_counter() - fig.started


def rows() -> list[dict]:
    """One row per scenario (the records of its tests and parameters summed), in the order first seen."""
    out: dict[str, dict] = {}
    for fig in _RECORDED:
        row = out.setdefault(fig.scenario, {"scenario": fig.scenario, "cases": 0, "failures": 0, "lost": 0, "seconds": 0.0})
        row["cases"] += fig.cases
        row["failures"] += max(fig.failures, 1 if fig.test_failed else 0)
        row["lost"] += fig.lost
        row["seconds"] += fig.seconds
    return list(out.values())


def table(data: list[dict]) -> str:
    head = ("scenario", "cases tried", "failures", "data lost", "seconds")
    lines = [(r["scenario"], str(r["cases"]), str(r["failures"]), str(r["lost"]), f"{r['seconds']:.1f}") for r in data]
    total = ("total", str(sum(r["cases"] for r in data)), str(sum(r["failures"] for r in data)),
             str(sum(r["lost"] for r in data)), f"{sum(r['seconds'] for r in data):.1f}")
    widths = [max(len(x[i]) for x in [head, *lines, total]) for i in range(5)]
    fmt = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))  # noqa: E731
    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(head), rule, *map(fmt, lines), rule, fmt(total)])


def pytest_terminal_summary(terminalreporter):
    data = rows()
    if not data:
        return
    target = os.environ.get("RELIABILITY_FIGURES")
    if target:  # python -m tests.reliability prints the table itself
        Path(target).write_text(json.dumps(data, indent=1), encoding="utf-8")
        return
    terminalreporter.write_sep("=", "reliability figures")
    terminalreporter.write_line(table(data))


@pytest.fixture(scope="session")
def stores(tmp_path_factory):
    """(ingested store, the same store after one clean ``onrecord analyze``) of an N_DOCS corpus; copy before use."""
    from tests.reliability.common import N_DOCS, cli, make_corpus

    root = tmp_path_factory.mktemp("reliability-stores")
    folder = make_corpus(root / "corpus", N_DOCS)
    ingested, analysed = root / "ingested.db", root / "analysed.db"
    r = cli("ingest", str(folder), "--quiet", db=ingested)
    assert r.returncode == 0, r.stderr
    import shutil

    shutil.copy(ingested, analysed)
    r = cli("analyze", "--quiet", db=analysed)
    assert r.returncode == 0, r.stderr
    return ingested, analysed
