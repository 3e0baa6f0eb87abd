"""Bench: counting Gemini text through `budget` vs a raw Hugging Face `tokenizers` loop, on
the same file, in the same run.

    python bench/bench_gemini.py [--mb 4] [--repeat 3]

Both sides use the bundled Gemma 3 vocabulary, loaded once before timing (the load, about a
second, is printed apart). Ours: ``count_paths([FILE], gemini-2.5-pro)``, the library call
behind ``budget count FILE --model gemini-2.5-pro`` (reads the file in blocks, decodes,
counts). Baseline: read the file and ``len(tokenizer.encode(text, add_special_tokens=False))``.
The text is the standard library's Python sources and docstrings. Best of ``--repeat`` for
each; the ratio is baseline time / ours (target about 1.0: the tokenizer's own speed).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

# A fixed pricing day for this process: figures never depend on the real date.
os.environ.setdefault("TOKEN_BUDGET_AT", "2026-11-25")

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_count import make_text  # noqa: E402  (the same real text as the count bench)

from budget.tokenizers.count import count_paths  # noqa: E402
from budget.tokenizers.gemma_backend import load_vocabulary  # noqa: E402
from pricing.catalog import load_catalog  # noqa: E402


def best(function, repeat: int) -> tuple[float, int]:
    times, result = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=4.0, help="size of the text file")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    tokenizer = load_vocabulary("gemma3")
    print(f"vocabulary load (xz, SHA-256, parse): {time.perf_counter() - start:.2f} s")
    model = load_catalog().resolve("gemini-2.5-pro")

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "text.txt"
        make_text(path, int(args.mb * (1 << 20)))
        size = path.stat().st_size

        def ours() -> int:
            return count_paths([str(path)], model).tokens

        def raw() -> int:
            text = path.read_text(encoding="utf-8")
            return len(tokenizer.encode(text, add_special_tokens=False))

        raw_time, raw_tokens = best(raw, args.repeat)
        our_time, our_tokens = best(ours, args.repeat)
    assert our_tokens == raw_tokens, (our_tokens, raw_tokens)
    print(f"text: {size / (1 << 20):.1f} MB, {raw_tokens:,} Gemma 3 tokens (both agree)")
    print(f"raw tokenizers loop: {raw_time:.2f} s ({size / raw_time / 1e6:.2f} MB/s)")
    print(f"budget count_paths:  {our_time:.2f} s ({size / our_time / 1e6:.2f} MB/s)")
    print(f"ratio (raw / ours): {raw_time / our_time:.2f}x  (target about 1.0)")


if __name__ == "__main__":
    main()
