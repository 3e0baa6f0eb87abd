"""Start-up of the price and limit commands against a bare ``python -c pass``, in the same run.

    python bench/bench_startup.py [--runs 21] [--copies N] [--target 2.5]

Target (issue 21, DESIGN.md "Fast where people wait"): ``budget cost -m gpt-5.2 --input 1000
--output 200``, ``budget limits gpt-5.2`` and ``budget models`` each take at most 2.5x the
CPU time of ``python -c pass`` run by the same interpreter.

Each round runs the baseline and then a command, for every command, so that each command is
paired with a baseline run next to it (what else the machine is doing weighs on both alike).
A run's CPU time is the user + system time the child used (``resource.getrusage``); wall
time is printed beside it. The figures are medians over ``--runs`` rounds; the ratio is the
median CPU of the command over the median CPU of its paired baselines (the verdict), and
"min ratio" the same with the fastest run of each (what is left with the least interference
from other jobs).

The catalog cache lives in a temporary directory (``TOKEN_BUDGET_CACHE``), built by an
untimed first run of each command; the "cold" column is one more run of each with an empty
cache directory of its own (the YAML read, checked and compiled), not in the medians.
``--copies N`` adds N renamed copies of every bundled model through an override file
(``TOKEN_BUDGET_CATALOG``), to see how start-up grows with the catalog (N=1: twice as
large). Every run prices on 2026-11-25 (``TOKEN_BUDGET_AT``) unless that variable is set.
The commands run with bytecode caching on, as an installed package runs
(``PYTHONDONTWRITEBYTECODE`` is dropped: with it, every run compiles the package's source
again, a cost no installed copy pays).

For reference (no target), ``python -c "import click"`` is timed the same way: the command
line library alone, which every other ``budget`` command imports; these three, in the forms
timed here, are answered without it (budget/cli/quick.py).

Exit code 1 when a command misses the target.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# A fixed pricing day for the commands this runs: figures never depend on the real date.
os.environ.setdefault("TOKEN_BUDGET_AT", "2026-11-25")
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

BASELINE = "python -c pass"
COMMANDS = {
    "budget cost -m gpt-5.2 --input 1000 --output 200": [
        "cost",
        "-m",
        "gpt-5.2",
        "--input",
        "1000",
        "--output",
        "200",
    ],
    "budget limits gpt-5.2": ["limits", "gpt-5.2"],
    "budget models": ["models"],
}
REFERENCE = 'python -c "import click" (reference)'
DATA_DIR = Path(__file__).resolve().parents[1] / "pricing" / "data"


def timed(argv: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of ``argv``; a failed run stops the bench."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)}: exit {done.returncode}: {done.stderr.decode()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def write_copies(copies: int, folder: Path) -> list[str]:
    """Override files adding ``copies`` renamed copies of every bundled model (hosts left out:
    their name prefixes would clash)."""
    import yaml

    paths = []
    for number in range(1, copies + 1):
        for source in sorted(DATA_DIR.glob("*.yaml")):
            document = yaml.safe_load(source.read_text())
            document.pop("hosts", None)
            for model in document["models"]:
                model["id"] = f"copy{number}-{model['id']}"
                model["aliases"] = [f"copy{number}-{a}" for a in model.get("aliases") or []]
                for key in ("replacement", "routed_to"):
                    if model.get(key):
                        model[key] = f"copy{number}-{model[key]}"
                if isinstance(model.get("fine_tuned"), dict):
                    model["fine_tuned"].pop("bases", None)
            path = folder / f"copy{number}-{source.name}"
            path.write_text(yaml.safe_dump(document, sort_keys=False))
            paths.append(str(path))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--copies", type=int, default=0, help="renamed copies of the catalog")
    parser.add_argument("--target", type=float, default=2.5, help="ratio to python -c pass")
    args = parser.parse_args()
    budget = Path(sys.executable).with_name("budget")
    if not budget.exists():
        sys.exit(f"{budget} not found: pip install -e . into this interpreter's environment")
    baseline = [sys.executable, "-c", "pass"]
    argvs = {label: [str(budget), *argv] for label, argv in COMMANDS.items()}
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as folder:
        if args.copies:
            extra = write_copies(args.copies, Path(folder))
            os.environ["TOKEN_BUDGET_CATALOG"] = os.pathsep.join(extra)
        cold = {}
        for label, argv in argvs.items():
            os.environ["TOKEN_BUDGET_CACHE"] = str(Path(folder) / f"cold-{len(cold)}")
            timed(argv)  # bytecode written, files in the page cache
            os.environ["TOKEN_BUDGET_CACHE"] = str(Path(folder) / f"cold-{len(cold)}-again")
            cold[label] = timed(argv)
        os.environ["TOKEN_BUDGET_CACHE"] = str(Path(folder) / "cold-0")  # built above
        argvs[REFERENCE] = [sys.executable, "-c", "import click"]
        timed(baseline)
        base: dict[str, list[tuple[float, float]]] = {label: [] for label in argvs}
        runs: dict[str, list[tuple[float, float]]] = {label: [] for label in argvs}
        for _ in range(args.runs):
            for label, argv in argvs.items():
                base[label].append(timed(baseline))
                runs[label].append(timed(argv))

    def ms(samples: list[tuple[float, float]], which: int) -> float:
        return statistics.median(s[which] for s in samples) * 1000

    def fastest(samples: list[tuple[float, float]]) -> float:
        return min(s[0] for s in samples) * 1000

    load = os.getloadavg()[0]
    print(f"{args.runs} paired runs, catalog x{args.copies + 1}, load average {load:.2f}")
    print(f"{'command':52s} {'CPU ms':>7s} {'wall ms':>8s} {'ratio':>6s}  cold CPU ms  min ratio")
    missed = False
    for label in argvs:
        ratio = ms(runs[label], 0) / ms(base[label], 0)
        least = fastest(runs[label]) / fastest(base[label])
        if label == REFERENCE:
            verdict, cold_ms = "", "       -"
        else:
            verdict = "OK" if ratio <= args.target else "MISSED"
            verdict += f" (target {args.target}x)"
            missed |= verdict.startswith("MISSED")
            cold_ms = f"{cold[label][0] * 1000:8.1f}"
        print(f"{BASELINE + ' (paired)':52s} {ms(base[label], 0):7.1f} {ms(base[label], 1):8.1f}")
        print(
            f"{label:52s} {ms(runs[label], 0):7.1f} {ms(runs[label], 1):8.1f} {ratio:5.2f}x"
            f" {cold_ms}   {least:5.2f}x  {verdict}"
        )
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
