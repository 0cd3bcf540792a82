"""The fuzz run (tests/reliability/fuzz.py) with a fixed seed, and the replay of every input that once
failed (tests/fixtures/regressions/)."""

from __future__ import annotations

import pytest

from tests.reliability import fuzz

CASES = 3000
SEED = 20261123


@pytest.mark.timeout(300)
def test_fuzz_mutated_samples(figures):
    outcomes = fuzz.fuzz(CASES, SEED, keep=True)  # a new failure is saved as a regression fixture
    for target, outcome in outcomes.items():
        fig = figures(f"fuzz: {target} (mutated samples)")
        fig.cases, fig.failures, fig.seconds = outcome.cases, len(outcome.failures), outcome.seconds
    failures = [f"{target}: {name}: {problem}" for target, o in outcomes.items() for name, problem in o.failures]
    assert failures == [], "\n".join(failures)


def test_regressions(figures):
    fig = figures("fuzz: saved regressions replayed")
    outcome = fuzz.replay()
    fig.cases, fig.failures = outcome.cases, len(outcome.failures)
    assert outcome.failures == []
