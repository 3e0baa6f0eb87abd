"""Regenerate the sample reports (CSV, Markdown, PNG) from the scenarios in this folder.

    python reports/regenerate.py

tests/test_reports_drift.py fails when the committed CSV or Markdown differ from what the
code generates (PNG bytes vary with the matplotlib version, so they are not compared).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from budget.workload.report import regenerate_samples  # noqa: E402
from pricing.catalog import load_catalog  # noqa: E402

if __name__ == "__main__":
    for path in regenerate_samples(load_catalog(()), charts=True):
        print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
