"""The prediction ledger: status, verdicts kept through re-analysis, scorecard arithmetic."""

import pytest

from onrecord.errors import ConfigError, NotFoundError
from onrecord.ledger import scorecard

TEXT = (" date 2025-12-04 Radio, Show Host: What next?\n\nAnna Lee: There will be neither truce nor peace anytime soon. "
        "Kiev may collapse by spring. The talks will certainly resume next month.")


@pytest.fixture
def ledger(corpus, write):
    corpus.ingest(write("p.txt", TEXT))
    corpus.analyze(workers=0, stages=["onrecord.sentences.v1", "onrecord.actors.v1", "onrecord.predictions.v1"])
    return corpus


def test_status_open_and_overdue(ledger):
    rows = ledger.predictions(today="2026-02-15")
    assert [r["status"] for r in rows] == ["open", "open", "overdue"]  # 'soon' never ends; spring ends 31 May
    assert rows[2]["horizon"] == "next month" and rows[2]["horizon_end"] == "2026-01-31"
    assert [r["status"] for r in ledger.predictions(today="2026-01-31")] == ["open", "open", "open"]
    assert [r["id"] for r in ledger.predictions(today="2026-02-15", status="overdue")] == [rows[2]["id"]]


def test_resolve_keeps_verdicts_through_reanalysis(ledger):
    first = ledger.predictions()[1]
    ledger.resolve(first["id"], "false", evidence="https://example.org/kiev", note="it did not", by="fact-checker")
    ledger.resolve(first["id"], "partly", by="editor")
    ledger.analyze(workers=0, force=True, stages=["onrecord.sentences.v1", "onrecord.actors.v1", "onrecord.predictions.v1"])
    rows = ledger.predictions(today="2026-06-01")
    resolved = [r for r in rows if r["verdicts"]]
    assert len(resolved) == 1 and resolved[0]["id"] == first["id"] and resolved[0]["status"] == "partly"
    assert [v["decided_by"] for v in resolved[0]["verdicts"]] == ["fact-checker", "editor"]
    assert resolved[0]["verdicts"][0]["evidence"] == "https://example.org/kiev"
    assert len(rows) == 3  # the re-analysis did not duplicate the verified prediction
    assert ledger.predictions(status="resolved")[0]["id"] == first["id"]


def test_bad_verdicts_are_refused(ledger):
    with pytest.raises(ConfigError, match="outcome"):
        ledger.resolve(ledger.predictions()[0]["id"], "maybe")
    with pytest.raises(NotFoundError):
        ledger.resolve(999999, "true")


def test_scorecard_arithmetic():
    def p(status, confidence, verdicts=True):
        return {"speaker": "A", "status": status, "confidence": confidence, "verdicts": [1] if verdicts else []}

    rows = [p("true", "certain"), p("false", "likely"), p("partly", None), p("void", "possible"), p("open", "certain", False),
            p("overdue", "likely", False)]
    (card,) = scorecard(rows)
    assert (card["predictions"], card["open"], card["overdue"], card["resolved"]) == (6, 1, 1, 4)
    assert card["hit_rate"] == pytest.approx((1 + 0 + 0.5) / 3)
    assert card["brier"] == pytest.approx(((0.9 - 1) ** 2 + (0.7 - 0) ** 2) / 2) and card["brier_n"] == 2
