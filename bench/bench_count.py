"""Speed and memory of `budget count`, each against a baseline measured in the same run.

1. Rank-file load: our hash-checked load of the bundled o200k_base vs ``tiktoken.get_encoding``
   from a warm cache (a fresh process each, best of N).
2. One core, ~17 MB of text: ``budget count FILE --model gpt-4o`` as a whole process vs a
   process that loads tiktoken's own encoding (warm cache) and encodes the same text. Both
   pinned to CPU 0. Target: ratio (baseline time / ours) >= 0.9.
3. A large JSONL of OpenAI Batch lines: ``--jobs 2`` vs ``--jobs 1`` (target >= 1.6 on a
   2-core machine), and the peak RSS of the whole process tree (target < 300 MB at 1 GB).

    python bench/bench_count.py                   # 200 MB JSONL
    python bench/bench_count.py --jsonl-mb 1024   # the 1 GB run of the issue

Nothing here touches the network: the baseline's tiktoken cache is filled from the bundled
rank file (the same bytes, checked by hash).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

# A fixed pricing day for this process and the commands it runs: figures never depend on
# the real date.
os.environ.setdefault("TOKEN_BUDGET_AT", "2026-11-25")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from budget.tokenizers.tiktoken_backend import rank_file  # noqa: E402

O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
BUDGET = [sys.executable, "-c", "from budget.cli import main; main()"]
BASELINE = (
    "import sys, tiktoken\n"
    "enc = tiktoken.get_encoding('o200k_base')\n"
    "print(len(enc.encode_ordinary(open(sys.argv[1], encoding='utf-8', newline='').read())))\n"
)
LOAD_THEIRS = (
    "import time; t = time.perf_counter(); import tiktoken\n"
    "tiktoken.get_encoding('o200k_base'); print(time.perf_counter() - t)\n"
)
LOAD_OURS = (
    "import time; t = time.perf_counter()\n"
    "from budget.tokenizers.tiktoken_backend import load_encoding\n"
    "load_encoding('o200k_base'); print(time.perf_counter() - t)\n"
)


def warm_tiktoken_cache(directory: Path) -> dict[str, str]:
    """tiktoken's cache layout: the file named by the SHA-1 of its URL."""
    directory.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha1(O200K_URL.encode()).hexdigest()
    shutil.copyfile(rank_file("o200k_base"), directory / key)
    return {**os.environ, "TIKTOKEN_CACHE_DIR": str(directory), "PYTHONPATH": str(ROOT)}


def make_text(path: Path, size: int) -> None:
    """Real text: the standard library's Python sources (code, comments, docstrings)."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    written = 0
    with open(path, "wb") as out:
        while written < size:
            for source in sorted(stdlib.rglob("*.py")):
                data = source.read_bytes()
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError:
                    continue
                out.write(data)
                written += len(data)
                if written >= size:
                    return


def make_jsonl(path: Path, size: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    words = (Path(sysconfig.get_paths()["stdlib"]) / "typing.py").read_text().split()
    lines = 0
    written = 0
    with open(path, "w", encoding="utf-8") as out:
        while written < size:
            question = " ".join(rng.choices(words, k=rng.randint(20, 400)))
            line = json.dumps(
                {
                    "custom_id": f"req-{lines}",
                    "method": "POST",
                    "url": "/v1/chat/completions",
                    "body": {
                        "model": "gpt-4o",
                        "messages": [
                            {"role": "system", "content": "You are a careful code reviewer."},
                            {"role": "user", "content": question},
                        ],
                        "max_tokens": 500,
                    },
                }
            )
            out.write(line + "\n")
            written += len(line) + 1
            lines += 1
    return lines


def _tree_memory(pid: int) -> tuple[int, int]:
    """(largest RSS of one process, PSS summed over the tree) in bytes, from /proc.

    Forked workers share the parent's pages (the tokenizer), so summing their RSS would
    count those pages once per process; PSS splits shared pages between their sharers.
    """
    largest = total = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Rss:"):
                        largest = max(largest, int(line.split()[1]) * 1024)
                    elif line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    stack.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return largest, total


def timed(
    command: list[str], env: dict[str, str] | None = None, memory: bool = False
) -> tuple[float, tuple, str]:
    """(seconds, (peak RSS of one process, peak PSS of the tree) in bytes, stdout).

    Memory is sampled only when asked: reading smaps costs CPU that a 2-core machine takes
    from the run being timed, so timings come from runs without sampling.
    """
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak_rss = peak_pss = 0
    while memory and process.poll() is None:
        rss, pss = _tree_memory(process.pid)
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        time.sleep(0.05)
    out, err = process.communicate()
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"{command} failed: {err.decode()}")
    return seconds, (peak_rss, peak_pss), out.decode()


def best(command: list[str], env: dict[str, str], repeat: int) -> tuple[float, str]:
    runs = [timed(command, env) for _ in range(repeat)]
    return min(seconds for seconds, _, _ in runs), runs[0][2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--text-mb", type=float, default=17)
    parser.add_argument("--jsonl-mb", type=float, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        env = warm_tiktoken_cache(work / "tiktoken-cache")

        theirs = min(float(timed([sys.executable, "-c", LOAD_THEIRS], env)[2]) for _ in range(5))
        ours = min(float(timed([sys.executable, "-c", LOAD_OURS], env)[2]) for _ in range(5))
        print(
            f"load o200k_base: tiktoken warm cache {theirs:.3f}s, bundled+hash {ours:.3f}s, "
            f"ratio {theirs / ours:.2f} (>= 1.0 wanted)"
        )

        text = work / "text.txt"
        make_text(text, int(args.text_mb * 1e6))
        size_mb = text.stat().st_size / 1e6
        base_time, base_out = best(
            [*pin, sys.executable, "-c", BASELINE, str(text)], env, args.repeat
        )
        our_time, our_out = best(
            [*pin, *BUDGET, "count", str(text), "--model", "gpt-4o", "--json"], env, args.repeat
        )
        assert json.loads(our_out)["tokens"] == int(base_out), "counts differ"
        print(
            f"text {size_mb:.1f} MB on one core: tiktoken process {base_time:.2f}s, "
            f"budget count {our_time:.2f}s, speed ratio {base_time / our_time:.2f} "
            f"(>= 0.9 wanted); {int(base_out):,} tokens, equal"
        )

        jsonl = work / "batch.jsonl"
        lines = make_jsonl(jsonl, int(args.jsonl_mb * 1e6))
        size_mb = jsonl.stat().st_size / 1e6
        command = [*BUDGET, "count", str(jsonl), "--model", "gpt-4o", "--json"]
        one_time, one_out = best([*command, "--jobs", "1"], env, args.repeat)
        two_time, two_out = best([*command, "--jobs", "2"], env, args.repeat)
        _, one_rss, _ = timed([*command, "--jobs", "1"], env, memory=True)
        _, two_rss, _ = timed([*command, "--jobs", "2"], env, memory=True)
        assert json.loads(one_out)["tokens"] == json.loads(two_out)["tokens"], "jobs disagree"
        print(
            f"jsonl {size_mb:.0f} MB, {lines:,} requests: --jobs 1 {one_time:.2f}s "
            f"({size_mb / one_time:.0f} MB/s), --jobs 2 {two_time:.2f}s, "
            f"speed-up {one_time / two_time:.2f} (>= 1.6 wanted on 2 cores)"
        )
        print(
            f"peak memory (< 300 MB wanted): --jobs 1 RSS {one_rss[0] / 1e6:.0f} MB; "
            f"--jobs 2 largest process RSS {two_rss[0] / 1e6:.0f} MB, "
            f"whole tree PSS {two_rss[1] / 1e6:.0f} MB"
        )


if __name__ == "__main__":
    main()
