"""Bench: project conversations (turns built one position at a time over all conversations)
against the same number of independent calls, measured in the same run.

    python bench/bench_conversation.py [--calls 2000000]

Both scenarios draw about ``--calls`` calls on claude-sonnet-4-5 with prompt caching; the
conversation one has turns {p50: 6, p95: 30} with a full history (the prompt-cache rules and
context limits applied per turn). Prints both times, their ratio and the peak memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

# A fixed pricing day for this process and the commands it runs: figures never depend on
# the real date.
os.environ.setdefault("TOKEN_BUDGET_AT", "2026-11-25")

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from budget.workload.projection import project  # noqa: E402
from budget.workload.scenario import load_scenario  # noqa: E402
from pricing.catalog import load_catalog  # noqa: E402

CALLS = """\
model: claude-sonnet-4-5
traffic: {calls_per_day: 100000}
input_tokens: {p50: 6000, p95: 30000}
output_tokens: {p50: 300, p95: 1200}
cache: {read_share: 0.8, write_share: 0.1}
max_tokens: 4000
simulated_calls: %d
"""
CONVERSATIONS = """\
model: claude-sonnet-4-5
traffic: {conversations_per_day: 15000}
conversation:
  turns: {p50: 6, p95: 30}
  system_tokens: 4000
  user_tokens: {p50: 300, p95: 3000}
output_tokens: {p50: 300, p95: 1200}
max_tokens: 4000
simulated_calls: %d
"""


def timed(text: str, folder: str, name: str) -> tuple[float, int]:
    path = Path(folder) / name
    path.write_text(text)
    scenario = load_scenario(path)
    start = time.perf_counter()
    item = project(scenario, load_catalog(())).models[0]
    return time.perf_counter() - start, item.calls_simulated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base, base_calls = timed(CALLS % args.calls, folder, "calls.yaml")
        conv, conv_calls = timed(CONVERSATIONS % args.calls, folder, "conversations.yaml")
    print(f"independent calls: {base:6.2f} s for {base_calls:,} calls")
    print(f"conversations:     {conv:6.2f} s for {conv_calls:,} calls (turns and summaries)")
    print(
        f"ratio (conversations / independent calls, per call): "
        f"{(conv / conv_calls) / (base / base_calls):.2f}"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
