"""Bench: `--engine dask` on a local cluster of 2 worker processes, against the local engine
measured in the same run, on the same files.

    python bench/bench_dask.py usage [--rows 10000000] [--parquet]
    python bench/bench_dask.py count [--files 2000] [--kb 64] [--jsonl-mb 200]

usage: a mixed-provider JSONL log (bench_usage.py's shapes: OpenAI Chat Completions and
Responses, Anthropic Messages, Gemini, OpenAI Batch lines), priced by the local engine
(`cost_logs`, one process) and by `cost_logs_dask` on LocalCluster(n_workers=2,
threads_per_worker=1). Prints rows/s of both, their ratio, the peak RSS of the local
process and of each worker, and checks the two totals are identical. --parquet also writes
the log as Parquet (the token, batch, model, service tier and finish reason columns; row
groups of 1M rows) and prices that: the same total.

count: a corpus of many text files, then one large OpenAI batch JSONL file (bench_count.py's),
counted for gpt-4o with `--engine dask` (2 workers; cluster start not counted) vs `--jobs 2`
(forked pool), both as the `budget count` command would run them.

Every measurement runs in a fresh child process; peak RSS comes from ``os.wait4`` (the
child) and ``resource.getrusage`` inside each worker.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# A fixed pricing day for this process and the commands it runs: figures never depend on
# the real date.
os.environ.setdefault("TOKEN_BUDGET_AT", "2026-11-25")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

LOCAL_USAGE = """
import json, sys, time
from budget.usage.price import cost_logs
from pricing.catalog import load_catalog
catalog = load_catalog(())
start, cpu = time.perf_counter(), time.process_time()
report = cost_logs(sys.argv[1:], catalog)
print(json.dumps({"seconds": time.perf_counter() - start, "rows": report.rows,
                  "cpu": time.process_time() - cpu, "total": str(report.total_usd)}))
"""

DASK_USAGE = """
import json, resource, sys, time
from distributed import Client, LocalCluster
from budget.usage.dask_engine import cost_logs_dask
from pricing.catalog import load_catalog

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

if __name__ == "__main__":
    catalog = load_catalog(())
    started = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        up = time.perf_counter() - started
        before = sum(client.run(cpu).values())
        start = time.perf_counter()
        report = cost_logs_dask(sys.argv[1:], catalog, client)
        seconds = time.perf_counter() - start
        used = sum(client.run(cpu).values()) - before
        workers = sorted(v / 1024 for v in client.run(peak).values())
    print(json.dumps({"seconds": seconds, "startup": up, "rows": report.rows, "cpu": used,
                      "total": str(report.total_usd), "workers_mb": workers}))
"""

TO_PARQUET = """
import sys
import pyarrow as pa, pyarrow.parquet as pq
from budget.usage.price import read_rows
from budget.usage.read import FIELDS
writer = None
for rows, _ in read_rows([sys.argv[1]], chunk_lines=1_000_000):
    columns = {name: rows.column(name) for name in FIELDS[:6]}
    columns["batch"] = rows.column("batch")
    columns["model"] = pa.array(rows.models, pa.string())
    columns["service_tier"] = pa.array(rows.service_tiers, pa.string())
    columns["finish_reason"] = pa.array(rows.finish_reasons, pa.string())
    table = pa.table(columns)
    writer = writer or pq.ParquetWriter(sys.argv[2], table.schema)
    writer.write_table(table)
writer.close()
"""


def run(code: str, *args: str) -> tuple[dict, float, float]:
    """(the child's JSON line, wall seconds, peak RSS of the child in MB)."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, cwd=ROOT, text=True
    )
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    if status:
        raise SystemExit(f"child failed ({status}): {output}")
    return json.loads(output.splitlines()[-1]), time.perf_counter() - start, usage.ru_maxrss / 1024


def usage(args: argparse.Namespace) -> None:
    from bench_usage import write_log

    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "usage.jsonl"
        started = time.perf_counter()
        write_log(log, args.rows)
        size = log.stat().st_size / 1e6
        took = time.perf_counter() - started
        print(f"log: {args.rows:,} rows, {size:,.0f} MB JSONL, written in {took:.0f} s")
        inputs = [("JSONL", str(log))]
        if args.parquet:
            parquet = Path(scratch) / "usage.parquet"
            run(TO_PARQUET + "\nprint('{}')", str(log), str(parquet))
            print(
                f"     {parquet.stat().st_size / 1e6:,.0f} MB Parquet (the token, batch, model,"
                " service tier and finish reason columns)"
            )
            inputs.append(("Parquet", str(parquet)))
        for label, path in inputs:
            local, _, local_peak = run(LOCAL_USAGE, path)
            spread, _, _ = run(DASK_USAGE, path)
            same = "identical" if local["total"] == spread["total"] else "DIFFER"
            rate_local = local["rows"] / local["seconds"]
            rate_dask = spread["rows"] / spread["seconds"]
            print(
                f"{label}: local engine   {local['seconds']:7.1f} s {rate_local:11,.0f} rows/s"
                f"  peak {local_peak:,.0f} MB"
            )
            workers = ", ".join(f"{mb:,.0f}" for mb in spread["workers_mb"])
            print(
                f"{label}: dask, 2 workers {spread['seconds']:6.1f} s {rate_dask:11,.0f} rows/s"
                f"  peak per worker {workers} MB"
                f" (cluster start {spread['startup']:.1f} s, not counted)"
            )
            print(
                f"{label}: ratio dask / local {rate_dask / rate_local:.2f}x (wall);"
                f" rows per CPU-second: local {local['rows'] / local['cpu']:,.0f},"
                f" dask workers {spread['rows'] / spread['cpu']:,.0f}; totals {same}"
                f" (${local['total']} vs ${spread['total']})"
            )
        print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


LOCAL_COUNT = """
import json, sys, time
from budget.tokenizers.count import count_paths
from pricing.catalog import load_catalog
model = load_catalog(()).resolve("gpt-4o")
start = time.perf_counter()
result = count_paths(sys.argv[1:], model, jobs=2)
print(json.dumps({"seconds": time.perf_counter() - start, "tokens": result.tokens}))
"""

DASK_COUNT = """
import json, sys, time
from distributed import Client, LocalCluster
from budget.tokenizers.dask_count import count_paths_dask
from pricing.catalog import load_catalog

if __name__ == "__main__":
    model = load_catalog(()).resolve("gpt-4o")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        start = time.perf_counter()
        result = count_paths_dask(sys.argv[1:], model, client)
        seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "tokens": result.tokens}))
"""


def count(args: argparse.Namespace) -> None:
    import random

    words = [
        "the",
        "of",
        "budget",
        "token",
        "model",
        "price",
        "cache",
        "reply",
        "prompt",
        "window",
        "batch",
        "limit",
    ]
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "corpus"
        folder.mkdir()
        for number in range(args.files):
            text = " ".join(rng.choices(words, k=args.kb * 1024 // 6))
            (folder / f"doc-{number:05d}.txt").write_text(text)
        mb = args.files * args.kb / 1024
        print(f"corpus: {args.files:,} text files, {mb:,.0f} MB")
        glob = str(folder / "*.txt")
        jobs, _, jobs_peak = run(LOCAL_COUNT, glob)
        spread, _, _ = run(DASK_COUNT, glob)
        same = "identical" if jobs["tokens"] == spread["tokens"] else "DIFFER"
        print(f"--jobs 2:         {jobs['seconds']:6.1f} s  {mb / jobs['seconds']:6.1f} MB/s")
        print(f"--engine dask x2: {spread['seconds']:6.1f} s  {mb / spread['seconds']:6.1f} MB/s")
        print(
            f"ratio (jobs time / dask time): {jobs['seconds'] / spread['seconds']:.2f};"
            f" tokens {same} ({jobs['tokens']:,})"
        )
        if args.jsonl_mb:
            from bench_count import make_jsonl

            big = Path(scratch) / "batch.jsonl"
            lines = make_jsonl(big, args.jsonl_mb << 20)
            print(f"one OpenAI batch file: {lines:,} requests, {args.jsonl_mb} MB")
            jobs, _, _ = run(LOCAL_COUNT, str(big))
            spread, _, _ = run(DASK_COUNT, str(big))
            same = "identical" if jobs["tokens"] == spread["tokens"] else "DIFFER"
            mb = args.jsonl_mb
            print(f"--jobs 2:         {jobs['seconds']:6.1f} s  {mb / jobs['seconds']:6.1f} MB/s")
            print(
                f"--engine dask x2: {spread['seconds']:6.1f} s  {mb / spread['seconds']:6.1f} MB/s"
            )
            print(
                f"ratio (jobs time / dask time): {jobs['seconds'] / spread['seconds']:.2f};"
                f" tokens {same} ({jobs['tokens']:,})"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("usage")
    one.add_argument("--rows", type=int, default=10_000_000)
    one.add_argument("--parquet", action="store_true")
    two = commands.add_parser("count")
    two.add_argument("--files", type=int, default=2000)
    two.add_argument("--kb", type=int, default=64)
    two.add_argument("--jsonl-mb", type=int, default=200, help="also one JSONL file (0: no)")
    args = parser.parse_args()
    usage(args) if args.command == "usage" else count(args)


if __name__ == "__main__":
    main()
