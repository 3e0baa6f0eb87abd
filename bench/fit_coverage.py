"""How well `budget fit` recovers known traffic, and how often its backtest band holds.

Not a speed bench: for N pairs of generated weeks (tests/test_fit.py's `chat_log`, seeds
100, 101, ... ), fit a scenario on week 1 and print, per fitted quantity, its mean and
largest error against the parameters the logs were drawn with; the backtest error of the
scenario on its own week; and how many times week 2's bill fell inside the band the backtest
of week 2 printed (a 95% band should hold about 95% of the time).

    python bench/fit_coverage.py 30      # about 3 minutes on one free core
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
os.environ.setdefault("TOKEN_BUDGET_AT", "2026-11-25")

import test_fit  # noqa: E402

from budget.cli import cli  # noqa: E402
from budget.workload.scenario import load_scenario  # noqa: E402


def run(*args: str) -> dict:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return json.loads(result.stdout)


def main(pairs: int) -> None:
    known = test_fit.KNOWN
    errors: dict[str, list[float]] = {}
    inside, misses, halves = 0, [], []
    with tempfile.TemporaryDirectory() as folder:
        d = Path(folder)
        for k in range(pairs):
            test_fit.chat_log(d / "w1.jsonl", days=7, seed=100 + 2 * k)
            test_fit.chat_log(d / "w2.jsonl", days=7, first_day=7, seed=101 + 2 * k)
            values = run("fit", str(d / "w1.jsonl"), "-o", str(d / "w1.yaml"), "--json")
            values = values["scenarios"][0]["values"]
            s = load_scenario(d / "w1.yaml")
            found = {
                "calls_per_day (rel)": s.traffic.calls_per_day / known["calls_per_day"] - 1,
                "input p50 (rel)": s.input_tokens.p50 / known["input_p50"] - 1,
                "input p95 (rel)": s.input_tokens.p95 / known["input_p95"] - 1,
                "output p50 (rel)": s.output_tokens.p50 / known["output_p50"] - 1,
                "output p95 (rel)": s.output_tokens.p95 / known["output_p95"] - 1,
                "cache read share (abs)": s.cache_read_share - known["cache_share"],
                "truncation rate (abs)": values["truncation_rate"] - known["truncation_rate"],
            }
            own = run("report", str(d / "w1.yaml"), "--against", str(d / "w1.jsonl"), "--json")
            found["backtest on its own week (%)"] = own["total"]["error_pct"]
            for name, value in found.items():
                errors.setdefault(name, []).append(value)
            total = run("report", str(d / "w1.yaml"), "--against", str(d / "w2.jsonl"), "--json")
            total = total["total"]
            inside += bool(total["within_band"])
            misses.append(total["error_pct"])
            halves.append(
                (total["band_high_usd"] - total["band_low_usd"]) / 2 / total["projected_usd"] * 100
            )
            print(f"pair {k}: week 2 error {total['error_pct']:+.2f}%, band +-{halves[-1]:.2f}%")
    print(f"\n{'fitted quantity':32}  mean error  largest |error|")
    for name, values in errors.items():
        array = np.array(values)
        print(f"{name:32}  {array.mean():+10.4f}  {np.abs(array).max():15.4f}")
    print(
        f"\nweek 2 inside the band printed: {inside} of {pairs}; |error| mean "
        f"{np.mean(np.abs(misses)):.2f}%, largest {np.max(np.abs(misses)):.2f}%; half-band "
        f"{np.mean(halves):.2f}% on average"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
