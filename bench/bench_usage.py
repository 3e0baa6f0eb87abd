"""Bench: cost 1M usage-log rows, against a loop that only json-loads every line.

Targets: ``cost_logs`` end to end in no more time than a plain Python loop doing
``json.loads`` on every line of the same file, measured in the same run (ratio <= 1.0 with one
job, issue 9), and <= 0.55 with two jobs (issue 20), with peak memory under 300 MB whatever
the log size. The lines are read by the C loop (budget/usage/_scan.c) where it was built;
``TOKEN_BUDGET_PYTHON_READER=1`` times the Python loop instead (the same answers).

    python bench/bench_usage.py [--rows 1000000] [--baseline-rows N] [--jobs N] [--keep DIR]

Writes a JSONL log of realistic provider responses (OpenAI Chat Completions and Responses,
Anthropic Messages, Gemini generateContent, OpenAI Batch output lines; 1M rows are ~434 MB)
to a temporary directory, then times:

* the yardstick: a Python loop that only ``json.loads`` every line;
* ``budget.usage.price.cost_logs`` (chunked, vectorized pricing), totals only, with
  ``--jobs`` processes (0: as ``budget usage`` picks) and with one;
* the same with the per-row CSV written (one process);
* the baseline: for each row, ``json.loads`` + ``pricing.usage.normalize`` +
  ``catalog.resolve`` + ``pricing.engine.cost`` (Decimal), summed in Python, over the same
  rows (or ``--baseline-rows`` of them, extrapolated).

Both totals are compared (they must agree exactly). Peak memory is printed from
``resource.getrusage`` (this process, and the largest worker). Wall-clock ratios depend on
what else runs on the machine: note the load average beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
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

from budget.usage.price import auto_jobs, cost_logs  # noqa: E402
from pricing.catalog import load_catalog  # noqa: E402
from pricing.engine import cost  # noqa: E402
from pricing.usage import normalize  # noqa: E402

TEXT = "Thanks for reaching out. Here is what I found about your order and the refund policy."


def chat(rng: random.Random) -> dict:
    prompt = rng.randint(200, 6000)
    return {
        "id": f"chatcmpl-{rng.getrandbits(40):x}",
        "object": "chat.completion",
        "created": 1760000000,
        "model": rng.choice(["gpt-4.1-mini-2025-04-14", "gpt-5-mini", "gpt-4o-mini"]),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": TEXT},
                "finish_reason": "length" if rng.random() < 0.03 else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": rng.randint(20, 900),
            "total_tokens": 0,
            "prompt_tokens_details": {"cached_tokens": rng.choice([0, prompt // 2])},
            "completion_tokens_details": {"reasoning_tokens": 0},
        },
    }


def responses(rng: random.Random) -> dict:
    prompt = rng.randint(200, 8000)
    output = rng.randint(50, 2000)
    return {
        "id": f"resp_{rng.getrandbits(40):x}",
        "object": "response",
        "model": "gpt-5.2",
        "status": "completed",
        "output": [{"type": "message", "content": [{"type": "output_text", "text": TEXT}]}],
        "usage": {
            "input_tokens": prompt,
            "input_tokens_details": {"cached_tokens": rng.choice([0, prompt // 4])},
            "output_tokens": output,
            "output_tokens_details": {"reasoning_tokens": output // 3},
            "total_tokens": prompt + output,
        },
    }


def anthropic(rng: random.Random) -> dict:
    return {
        "id": f"msg_{rng.getrandbits(40):x}",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": [{"type": "text", "text": TEXT}],
        "stop_reason": "max_tokens" if rng.random() < 0.02 else "end_turn",
        "usage": {
            "input_tokens": rng.randint(50, 3000),
            "cache_read_input_tokens": rng.choice([0, 4000]),
            "cache_creation_input_tokens": rng.choice([0, 0, 0, 4000]),
            "output_tokens": rng.randint(20, 1200),
        },
    }


def gemini(rng: random.Random) -> dict:
    return {
        "candidates": [{"content": {"parts": [{"text": TEXT}]}, "finishReason": "STOP"}],
        "usageMetadata": {
            "promptTokenCount": rng.randint(100, 5000),
            "candidatesTokenCount": rng.randint(20, 800),
            "thoughtsTokenCount": rng.randint(0, 400),
        },
        "modelVersion": "gemini-2.5-flash",
    }


def batch_line(rng: random.Random) -> dict:
    return {
        "id": f"batch_req_{rng.getrandbits(32):x}",
        "custom_id": f"request-{rng.getrandbits(20)}",
        "response": {"status_code": 200, "request_id": "req_x", "body": chat(rng)},
        "error": None,
    }


SHAPES = [(chat, 0.4), (responses, 0.2), (anthropic, 0.25), (gemini, 0.1), (batch_line, 0.05)]


def write_log(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    makers = [m for m, _ in SHAPES]
    weights = [w for _, w in SHAPES]
    with path.open("w") as handle:
        for _ in range(rows):
            handle.write(json.dumps(rng.choices(makers, weights)[0](rng)))
            handle.write("\n")


def json_loop(path: Path) -> tuple[float, float]:
    """The target's yardstick: a plain Python loop that only json-loads every line
    (wall-clock and CPU seconds)."""
    start, cpu = time.perf_counter(), time.process_time()
    with path.open("rb") as handle:
        for line in handle:
            json.loads(line)
    return time.perf_counter() - start, time.process_time() - cpu


def baseline(path: Path, limit: int | None) -> tuple[Decimal, int, float]:
    """The per-row Python loop: parse, normalize, resolve, price in Decimal, add up."""
    catalog = load_catalog(())
    total, rows = Decimal(0), 0
    start = time.perf_counter()
    with path.open() as handle:
        for line in handle:
            call = normalize(json.loads(line))
            model = catalog.resolve(call.model)
            total += cost(model, call.usage, batch=call.batch).total_usd
            rows += 1
            if limit is not None and rows >= limit:
                break
    return total, rows, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, default=None, help="write the log here and keep it")
    parser.add_argument("--jobs", type=int, default=0, help="processes (0: as budget usage picks)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        log = folder / "usage.jsonl"
        started = time.perf_counter()
        write_log(log, args.rows)
        size = log.stat().st_size / 1e6
        print(
            f"log: {args.rows:,} rows, {size:,.0f} MB, "
            f"written in {time.perf_counter() - started:.1f} s"
        )

        from budget.usage.read import c_loop

        print("reader: " + ("the C loop" if c_loop() else "the Python loop"))
        loads, loads_cpu = json_loop(log)
        print(f"json.loads loop:          {loads:6.2f} s  {args.rows / loads:12,.0f} rows/s")
        catalog = load_catalog(())
        start = time.perf_counter()
        report = cost_logs([str(log)], catalog, jobs=args.jobs)
        fast = time.perf_counter() - start
        jobs = auto_jobs((str(log),)) if args.jobs == 0 else args.jobs
        print(f"cost_logs (totals, {jobs} jobs): {fast:6.2f} s  {args.rows / fast:12,.0f} rows/s")
        start, cpu = time.perf_counter(), time.process_time()
        single = cost_logs([str(log)], catalog, jobs=1)
        one, one_cpu = time.perf_counter() - start, time.process_time() - cpu
        print(f"cost_logs (totals, 1 job):  {one:6.2f} s  {args.rows / one:12,.0f} rows/s")
        assert single.total_usd == report.total_usd, "jobs changed the total"
        target = 1.0 if jobs == 1 else 0.55
        print(
            f"ratio to the json.loads loop: {fast / loads:.2f} with {jobs} jobs (target <= "
            f"{target:.2f}: " + ("OK" if fast <= target * loads else "MISSED") + "), "
            f"{one / loads:.2f} with 1 job (target <= 1.00: "
            + ("OK" if one <= loads else "MISSED")
            + ")"
        )
        print(
            f"CPU seconds, one process (steadier on a busy machine): json.loads loop "
            f"{loads_cpu:.2f}, cost_logs {one_cpu:.2f}: ratio {one_cpu / loads_cpu:.2f}"
        )

        start = time.perf_counter()
        with (folder / "rows.csv").open("w", newline="") as out:
            cost_logs([str(log)], catalog, rows_out=out)
        with_rows = time.perf_counter() - start
        print(
            f"cost_logs (+ per-row CSV): {with_rows:6.2f} s  {args.rows / with_rows:12,.0f} rows/s"
        )

        total, counted, slow = baseline(log, args.baseline_rows)
        estimate = slow * args.rows / counted
        label = "" if counted == args.rows else f" (extrapolated from {counted:,} rows)"
        print(
            f"per-row Python loop:      {estimate:6.2f} s  "
            f"{args.rows / estimate:12,.0f} rows/s{label}"
        )
        print(f"speed-up: {estimate / fast:.1f}x (totals), {estimate / with_rows:.1f}x (with rows)")
        if counted == args.rows:
            same = "agree exactly" if total == report.total_usd else "DIFFER"
            print(f"total_usd: {report.total_usd} vs loop {total}: {same}")
        print(f"load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"peak RSS: {peak:,.0f} MB this process, {workers:,.0f} MB the largest worker "
            "(target < 300 MB each)"
        )


if __name__ == "__main__":
    main()
