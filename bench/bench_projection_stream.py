"""Bench: a 100M-call projection in bounded memory, against one draw of all the calls.

    python bench/bench_projection_stream.py [--calls 100000000] [--baseline-calls 10000000]
    python bench/bench_projection_stream.py --conversations [--calls 20000000] \
        [--baseline-calls 2000000]

The scenario of bench_projection.py (log-normal input and output, cache reads, a batch share,
gemini-2.5-pro's 200K cliff tier). Each run is a fresh child process; its wall time and peak
RSS (``os.wait4``) are printed:

* baseline: ``--baseline-calls`` drawn and priced in one chunk (as the projection was before
  chunking: memory grows with the calls);
* the same calls in chunks of ``CHUNK_CALLS`` (``CONVERSATION_CHUNK_CALLS``): must give the
  same totals, p50, p95 (of the start day's prices and of every report period at its days'
  prices: gemini-2.5-pro meets two price changes from 2026-11-25) and truncation rate
  (checked here);
* ``--calls`` in chunks: wall time and peak memory (target: under 300 MB).

``--conversations``: the conversation scenario of bench_conversation.py instead (turns
{p50: 6, p95: 30}, full history, prompt caching), whole conversations a chunk at a time; the
per-conversation p50 and p95 are checked too.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

# A fixed pricing day for this process and the commands it runs: figures never depend on
# the real date.
os.environ.setdefault("TOKEN_BUDGET_AT", "2026-11-25")

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, "bench")
from bench_conversation import CONVERSATIONS
from bench_projection import SCENARIO
from budget.workload.projection import CHUNK_CALLS, CONVERSATION_CHUNK_CALLS, project
from budget.workload.scenario import load_scenario
from pricing.catalog import load_catalog

talk = sys.argv[3] == "conversations"
calls = int(sys.argv[1])
chunk = int(sys.argv[2]) or (CONVERSATION_CHUNK_CALLS if talk else CHUNK_CALLS)
text = CONVERSATIONS if talk else SCENARIO
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "bench.yaml"
    path.write_text(text % calls)
    scenario = load_scenario(path)
catalog = load_catalog(())
start = time.perf_counter()
item = project(scenario, catalog, chunk_calls=chunk).models[0]
print(json.dumps({
    "seconds": time.perf_counter() - start, "chunk": chunk,
    "total": str(item.totals.total_usd), "p50": str(item.p50_per_call_usd),
    "p95": str(item.p95_per_call_usd), "truncation": item.truncation_rate,
    "rows": {name: [str(v) for v in pair] for name, pair in item.row_percentiles.items()},
    "calls": item.calls_simulated,
    "conversation": None if item.conversation is None else [
        str(item.conversation.p50_per_conversation_usd),
        str(item.conversation.p95_per_conversation_usd),
    ],
}))
"""


def run(calls: int, chunk: int, kind: str) -> tuple[dict, float]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(calls), str(chunk), kind],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        text=True,
    )
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    if status:
        raise SystemExit(f"child failed ({status}): {output}")
    return json.loads(output.splitlines()[-1]), usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", action="store_true")
    parser.add_argument("--calls", type=int)
    parser.add_argument("--baseline-calls", type=int)
    args = parser.parse_args()
    kind = "conversations" if args.conversations else "calls"
    calls = args.calls or (20_000_000 if args.conversations else 100_000_000)
    n = args.baseline_calls or (2_000_000 if args.conversations else 10_000_000)
    whole, whole_peak = run(n, n, kind)
    chunked, chunked_peak = run(n, 0, kind)
    keys = ("p50", "p95", "truncation", "calls", "conversation", "rows")
    same = all(whole[k] == chunked[k] for k in keys)
    same &= Decimal(whole["total"]) == Decimal(chunked["total"])  # 1.50 is 1.5
    n = whole["calls"]  # whole conversations: about the calls asked for
    print(
        f"{kind}: {n:,} calls, one chunk (before): {whole['seconds']:6.1f} s"
        f"  peak {whole_peak:6,.0f} MB"
    )
    print(
        f"{n:,} calls, chunks of {chunked['chunk']:,}: {chunked['seconds']:6.1f} s"
        f"  peak {chunked_peak:6,.0f} MB; same numbers: {'yes' if same else 'NO'}"
        f" (total ${chunked['total']}, p50 {chunked['p50']}, p95 {chunked['p95']})"
    )
    if chunked["conversation"]:
        print(f"  per conversation p50, p95: {', '.join(chunked['conversation'])}")
    started = time.perf_counter()
    big, big_peak = run(calls, 0, kind)
    wall = time.perf_counter() - started
    print(
        f"{big['calls']:,} calls, chunks of {big['chunk']:,}: {big['seconds']:6.1f} s"
        f" ({wall:.1f} s with start-up)  peak {big_peak:6,.0f} MB -> "
        + ("OK (< 300 MB)" if big_peak < 300 else "MISSED (>= 300 MB)")
    )
    print(
        f"memory ratio: {big['calls'] / n:.1f}x the calls in {big_peak / whole_peak:.2f}x the"
        f" memory; time per million calls {big['seconds'] / big['calls'] * 1e6:.2f} s chunked vs"
        f" {whole['seconds'] / n * 1e6:.2f} s in one chunk"
    )
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
