"""Bench: project 10M simulated calls (target: at most 5 s), against a per-call Decimal loop.

    python bench/bench_projection.py [--calls 10000000] [--baseline-calls 20000]

Times ``budget.workload.projection.project`` on a scenario with log-normal input and output, cache
reads, a batch share and a cliff tier (gemini-2.5-pro: 200K), drawing ``--calls`` calls.
The baseline prices ``--baseline-calls`` of the same drawn calls one by one with
``pricing.engine.cost`` (Decimal) and extrapolates to ``--calls``; the two means per call
are compared.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

# A fixed pricing day for this process and the commands it runs: figures never depend on
# the real date.
os.environ.setdefault("TOKEN_BUDGET_AT", "2026-11-25")

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from budget.workload.projection import project, simulate  # noqa: E402
from budget.workload.scenario import load_scenario  # noqa: E402
from pricing.catalog import load_catalog  # noqa: E402
from pricing.engine import Usage, cost  # noqa: E402

SCENARIO = """\
name: bench
model: gemini-2.5-pro
traffic: {calls_per_day: 500000, monthly_growth: 0.05, peak_factor: 3}
input_tokens: {p50: 40000, p95: 180000}
output_tokens: {p50: 800, p95: 4000}
cache: {read_share: 0.4}
batch_share: 0.3
max_tokens: 6000
rate_limits: {rpm: 10000, tpm: 20000000}
horizon_months: 12
simulated_calls: %d
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000_000)
    parser.add_argument("--baseline-calls", type=int, default=20_000)
    args = parser.parse_args()
    catalog = load_catalog(())
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.yaml"
        path.write_text(SCENARIO % args.calls)
        scenario = load_scenario(path)

        start = time.perf_counter()
        projection = project(scenario, catalog)
        table = projection.exact_table
        fast = time.perf_counter() - start
        item = projection.models[0]
        print(
            f"projection of {args.calls:,} calls: {fast:6.2f} s  {args.calls / fast:14,.0f} calls/s"
        )

        draws, _, _, _ = simulate(scenario, item.model, args.baseline_calls)
        t = draws.tokens
        start = time.perf_counter()
        total = Decimal(0)
        for i in range(len(t)):
            usage = Usage(
                input_tokens=int(t.input_tokens[i]),
                output_tokens=int(t.output_tokens[i]),
                cache_read_tokens=int(t.cache_read_tokens[i]),
            )
            total += cost(item.model, usage, batch=bool(t.batch[i])).total_usd
        slow = (time.perf_counter() - start) * args.calls / args.baseline_calls
        print(
            f"per-call Decimal loop:     {slow:6.2f} s  {args.calls / slow:14,.0f} calls/s "
            f"(extrapolated from {args.baseline_calls:,} calls)"
        )
        print(f"speed-up: {slow / fast:.0f}x")
        mean_fast = item.totals.total_usd / item.calls_simulated
        mean_slow = total / len(t)
        print(f"mean per call: projection ${mean_fast:.8f}, loop sample ${mean_slow:.8f}")
        month = table[table["period"] == "month-01"].iloc[0]
        print(f"month 1: {month['calls']:,} calls, ${month['total_usd']:,}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        verdict = "OK" if fast <= 5 * args.calls / 10_000_000 else "MISSED"
        print(f"peak RSS: {peak:,.0f} MB; target: 10M calls in <= 5 s -> {verdict}")


if __name__ == "__main__":
    main()
