"""Start-up time of the price and limit commands, beside a peer CLI timed in the same run.

    python bench/bench_cost.py [--runs 21]

Target (issue 2): median wall time of `budget cost ... --json` at most 150 ms on this machine.
The baseline is `genai-prices --help` (pydantic's price CLI), installed into a throwaway venv
under /tmp when it is not on PATH; it takes about 450 ms here. The ratio printed is
budget / baseline (lower is better).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

# A fixed pricing day for this process and the commands it runs: figures never depend on
# the real date.
os.environ.setdefault("TOKEN_BUDGET_AT", "2026-11-25")

COMMANDS = {
    "budget cost --json": [
        "cost",
        "--model",
        "gpt-5.2",
        "--input",
        "12000",
        "--output",
        "800",
        "--json",
    ],
    "budget limits --json": ["limits", "claude-sonnet-4-5", "--json"],
    "budget models": ["models"],
}
BASELINE_VENV = Path("/tmp/bench-genai-prices")


def median_seconds(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def baseline_command() -> list[str] | None:
    found = shutil.which("genai-prices")
    if found:
        return [found, "--help"]
    executable = BASELINE_VENV / "bin" / "genai-prices"
    if not executable.exists():
        print(f"installing genai-prices into {BASELINE_VENV} for the baseline ...", file=sys.stderr)
        try:
            subprocess.run([sys.executable, "-m", "venv", str(BASELINE_VENV)], check=True)
            subprocess.run(
                [str(BASELINE_VENV / "bin" / "pip"), "install", "-q", "genai-prices[cli]"],
                check=True,
            )
        except subprocess.CalledProcessError:
            return None
    return [str(executable), "--help"] if executable.exists() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    budget = shutil.which("budget")
    if budget is None:
        sys.exit("`budget` is not on PATH: pip install -e . first")
    baseline = baseline_command()
    base_time = median_seconds(baseline, args.runs) if baseline else None
    if base_time:
        print(f"{'genai-prices --help (baseline)':32s} {base_time * 1000:7.1f} ms")
    for label, argv in COMMANDS.items():
        seconds = median_seconds([budget, *argv], args.runs)
        ratio = f"  ratio {seconds / base_time:.2f}x baseline" if base_time else ""
        verdict = "ok" if seconds <= 0.150 else "OVER 150 ms"
        print(f"{label:32s} {seconds * 1000:7.1f} ms  [{verdict}]{ratio}")


if __name__ == "__main__":
    main()
