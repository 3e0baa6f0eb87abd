"""The sample reports under reports/ are what the code generates from their scenarios today."""

from __future__ import annotations

from budget.workload.report import REPORTS_DIR, regenerate_samples
from pricing.catalog import load_catalog


def test_sample_reports_have_not_drifted(tmp_path):
    written = regenerate_samples(load_catalog(()), target=tmp_path)
    names = sorted(path.name for path in written)
    assert names == [
        "nightly-batch.csv",
        "nightly-batch.md",
        "nightly-batch.periods.csv",
        "rag-service.csv",
        "rag-service.md",
        "rag-service.periods.csv",
        "research-agent.csv",
        "research-agent.md",
        "research-agent.periods.csv",
        "support-bot.csv",
        "support-bot.md",
        "support-bot.periods.csv",
        "support-chat.csv",
        "support-chat.md",
        "support-chat.periods.csv",
    ]
    for path in written:
        committed = REPORTS_DIR / path.name
        assert committed.exists(), f"{committed} is missing: run python reports/regenerate.py"
        assert path.read_text() == committed.read_text(), (
            f"{committed.name} drifted from its scenario: run python reports/regenerate.py"
        )
