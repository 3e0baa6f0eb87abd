"""Issue 25's fault classes, run against a checkout: a matrix of cases, each the CLI in a
subprocess with a timeout and an address-space limit, and what came of it: exit code, a
traceback or "this is a bug" line, an input destroyed or an output left where the input is
read, a hang, peak memory, bytes of stdout.

    python bench/fault_matrix.py                 # this checkout
    python bench/fault_matrix.py --code /work/main   # another one, for a before/after

No network: servers are on loopback, URLs point at them.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import io
import json
import os
import random
import resource
import signal
import socket
import struct
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
from pathlib import Path

LINE = '{"model": "%s", "usage": {"prompt_tokens": 10, "completion_tokens": 2}}\n'
CATALOG = (
    "provider: acme\nsource: https://acme.example\nas_of: 2026-11-01\nmodels:\n"
    '  - {id: "=cmd", name: "=cmd", context_window: 128000, max_output_tokens: 8192,\n'
    '     tokenizer: "estimate:generic", prices: {input: 1.0, output: 2.0}}\n'
)
SCENARIO = (
    "name: tiny\nmodels: [MODEL]\ntraffic: {calls_per_day: 1000}\ninput_tokens: 500\n"
    "output_tokens: {p50: 100, p95: 300}\nhorizon_months: 12\nsimulated_calls: 500\nseed: 3\n"
)
RUNNER = (
    "import atexit, os, sys\n"
    "def peak():\n"
    "    kb = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
    "    open(os.environ['PEAK_FILE'], 'w').write(kb)\n"
    "atexit.register(peak)\n"
    "from budget.cli import main; main()"
)


@contextlib.contextmanager
def server(answer: bytes = b"", hang_up: bool = False):
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list = []

    def serve():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(connection)
            with contextlib.suppress(OSError):
                if answer:
                    connection.sendall(answer)
                if hang_up:
                    connection.close()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        for connection in accepted:
            connection.close()


INPUTS = [
    "logs/a.jsonl",
    "l.txt",
    "p.txt",
    "m.json",
    "c.json",
    "acme.yaml",
    "s.yaml",
    "g.yaml",
    "b.jsonl",
    "big.jsonl",
    "many.jsonl",
    "bad.jsonl",
]


def digest(folder: Path) -> dict[str, str]:
    """The inputs' bytes (hashed), and every file in logs/ (where usage reads)."""
    names = {*INPUTS, *(str(p.relative_to(folder)) for p in (folder / "logs").iterdir())}
    return {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest()[:12]
        for name in sorted(names)
        if (folder / name).is_file()
    }


def run(
    code: str, folder: Path, args: list[str], stdin=None, stdout=None, timeout=60, sigint=False
):
    peak = folder / ".peak"
    peak.unlink(missing_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": code,
        "PEAK_FILE": str(peak),
        "TOKEN_BUDGET_AT": "2026-11-25",
    }

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-c", RUNNER, *args],
        cwd=folder,
        stdin=stdin,
        stdout=stdout or subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        preexec_fn=limit,
        start_new_session=True,
    )
    if sigint:  # Ctrl-C at a terminal: the whole process group, once the run is under way
        while not list(folder.glob(".out.csv.parts.*")) and process.poll() is None:
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return {"exit": "hang", "seconds": timeout, "stdout": 0, "stderr": "", "peak_mb": None}
    text = err.decode(errors="replace")
    return {
        "exit": process.returncode,
        "seconds": round(time.monotonic() - started, 1),
        "stdout": len(out or b""),
        "stderr": text,
        "peak_mb": round(int(peak.read_text()) / 1024) if peak.exists() else None,
    }


def cases(folder: Path):
    """(class, name, args, setup) for every case; setup runs in ``folder`` before the run and
    returns the files that are inputs (their bytes must not change) and kwargs for run()."""
    (folder / "logs").mkdir()
    (folder / "logs" / "a.jsonl").write_text(LINE % "gpt-4o-mini" * 40)
    (folder / "l.txt").write_text("120\n340\n")
    (folder / "p.txt").write_text("hello there\n")
    (folder / "m.json").write_text('[{"role": "user", "content": "hi"}]')
    (folder / "c.json").write_text('{"version": 1, "models": {}}\n')
    (folder / "acme.yaml").write_text(CATALOG)
    (folder / "s.yaml").write_text(SCENARIO.replace("MODEL", '"=cmd"'))
    (folder / "g.yaml").write_text(SCENARIO.replace("MODEL", "gpt-4o"))
    (folder / "b.jsonl").write_text(
        '{"custom_id": " =1+2", "body": {"messages": [{"role": "user", "content": "hi"}]}}\n'
        '{"custom_id": "|calc", "body": {"messages": [{"role": "user", "content": "hi"}]}}\n'
    )
    (folder / "big.jsonl").write_text(LINE % ("x" * 20_000_000) + LINE % "gpt-4o-mini")
    (folder / "many.jsonl").write_text("".join(LINE % f"m{i:06d}" for i in range(100_000)))
    (folder / "bad.jsonl").write_text("_tokens}}\n" + LINE % "gpt-4o-mini")
    letters = random.Random(2).choices("abcdefghijklmnopqrstuvwxyz", k=20_000_000)
    (folder / "word.txt").write_text("".join(letters))  # 20 MB without whitespace
    message = {"role": "user", "content": "hello " * 1_000}
    (folder / "chat.json").write_text(json.dumps({"messages": [message] * 12_000}))
    (folder / "k.jsonl").write_text(LINE % "gpt-4o-mini" * 400_000)
    with zipfile.ZipFile(folder / "l.zip", "w") as archive:
        archive.write(folder / "logs" / "a.jsonl", "a.jsonl")
    with tarfile.open(folder / "l.tar", "w") as archive:
        archive.add(folder / "logs" / "a.jsonl", "a.jsonl")
    plan = ["plan", "-m", "gpt-4o"]
    return [
        ("1 read back", "usage logs -o logs/rows.csv", ["usage", "logs", "-o", "logs/rows.csv"]),
        ("1 read back", "usage 'logs/*' -o logs/rows.csv", ["usage", "logs/*", "-o", "logs/r.csv"]),
        ("1 destroy", "usage logs -o logs/a.jsonl", ["usage", "logs", "-o", "logs/a.jsonl"]),
        (
            "1 destroy",
            "plan --samples l.txt --request-out l.txt",
            [*plan, "--input", "9", "--samples", "l.txt", "--request-out", "l.txt"],
        ),
        (
            "1 destroy",
            "plan --prompt p.txt --request-out p.txt",
            [*plan, "--prompt", "p.txt", "--task", "qa", "--request-out", "p.txt"],
        ),
        (
            "1 destroy",
            "plan --messages m.json --request-out m.json",
            [*plan, "--messages", "m.json", "--task", "qa", "--request-out", "m.json"],
        ),
        (
            "1 destroy",
            "plan --calibration c.json --request-out c.json",
            [
                *plan,
                "--input",
                "9",
                "--task",
                "qa",
                "--calibration",
                "c.json",
                "--request-out",
                "c.json",
            ],
        ),
        (
            "1 destroy",
            "count - --per-record p.txt < p.txt",
            ["count", "-", "-m", "gpt-4o", "--per-record", "p.txt"],
            "stdin:p.txt",
        ),
        (
            "2 formula",
            "report -o (catalog id =cmd)",
            ["--catalog", "acme.yaml", "report", "s.yaml", "-o", "r.csv"],
            "csv:r.csv",
        ),
        (
            "2 formula",
            "whatif -o (catalog id =cmd)",
            [
                "--catalog",
                "acme.yaml",
                "whatif",
                "s.yaml",
                "--vary",
                "max_tokens=100,200",
                "-o",
                "w.csv",
            ],
            "csv:w.csv",
        ),
        (
            "2 formula",
            "count --per-record (custom_id ' =1+2', '|calc')",
            ["count", "b.jsonl", "-m", "gpt-4o", "--per-record", "pr.csv"],
            "csv:pr.csv",
        ),
        ("3 bounded", "usage: a 20 MB model name", ["usage", "big.jsonl"]),
        ("3 bounded", "usage: 100,000 unknown models", ["usage", "many.jsonl"]),
        ("3 bounded", "usage --json: 100,000 unknown models", ["usage", "many.jsonl", "--json"]),
        (
            "4 deadline",
            "--scheduler: accepts, never answers",
            ["usage", "logs/a.jsonl", "--scheduler", "tcp://127.0.0.1:{silent}"],
        ),
        (
            "4 deadline",
            "--scheduler: speaks garbage",
            ["usage", "logs/a.jsonl", "--scheduler", "tcp://127.0.0.1:{garbage}"],
        ),
        (
            "4 deadline",
            "--scheduler tls://127.0.0.1:1",
            ["usage", "logs/a.jsonl", "--scheduler", "tls://127.0.0.1:1"],
        ),
        (
            "4 deadline",
            "count --engine dask -j 16",
            ["count", "p.txt", "-m", "gpt-4o", "--engine", "dask", "-j", "16"],
        ),
        ("5 traceback", "report --at 9999-03-01", ["report", "g.yaml", "--at", "9999-03-01"]),
        ("5 traceback", "usage nosuchproto://x", ["usage", "nosuchproto://x"]),
        (
            "5 traceback",
            "usage zip://a.jsonl::file://l.zip",
            ["usage", f"zip://a.jsonl::file://{folder}/l.zip"],
        ),
        (
            "5 traceback",
            "usage tar://a.jsonl::file://l.tar",
            ["usage", f"tar://a.jsonl::file://{folder}/l.tar"],
        ),
        ("5 traceback", "models > /dev/full", ["models"], "full"),
        (
            "5 network",
            "usage ftp://127.0.0.1 (connections made)",
            ["usage", "ftp://127.0.0.1:{ftp}/x.jsonl"],
        ),
        (
            "5 network",
            "stops --sample ftp://127.0.0.1",
            ["stops", "-m", "gpt-4o", "END", "--sample", "ftp://127.0.0.1:{ftp}/x.txt"],
        ),
        (
            "5 network",
            "check --messages ftp://127.0.0.1",
            [
                "check",
                "-m",
                "gpt-4o",
                "--messages",
                "ftp://127.0.0.1:{ftp}/x.json",
                "--max-tokens",
                "9",
            ],
        ),
        (
            "6 skip",
            "usage --skip-invalid, bad first line",
            ["usage", "bad.jsonl", "--skip-invalid"],
        ),
        ("3 bounded", "count: 20 MB without whitespace", ["count", "word.txt", "-m", "gpt-4o"]),
        ("3 bounded", "count: a 72 MB chat.json", ["count", "chat.json", "-m", "gpt-4o"]),
        *[
            (
                "4 deadline",
                f"count -j 2 --per-record (run {n})",
                ["count", "p.txt", "-m"] + ["gpt-4o", "-j", "2", "--per-record", "pr.csv"],
            )
            for n in (1, 2, 3)
        ],
        (
            "5 traceback",
            "usage --engine dask -o out.csv, Ctrl-C",
            ["usage", "k.jsonl", "--engine", "dask", "-o", "out.csv"],
            "sigint",
        ),
        ("8 url glob", "usage file://.../logs/*.jsonl", ["usage", f"file://{folder}/logs/*.jsonl"]),
        (
            "7 leftovers",
            "usage --engine dask -o out.csv after a kill -9",
            ["usage", "logs/a.jsonl", "--engine", "dask", "-o", "out.csv"],
            "leftover",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", default=str(Path(__file__).resolve().parents[1]))
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    rows = []
    garbage = struct.pack("<QQ", 1, 1 << 50)
    with (
        tempfile.TemporaryDirectory() as tmp,
        server() as (silent, _),
        server(garbage) as (garbled, _),
        server(hang_up=True) as (ftp, ftp_calls),
    ):
        folder = Path(tmp)
        for case in cases(folder):
            kind, name, args, *extra = case
            special = extra[0] if extra else ""
            args = [a.format(silent=silent, garbage=garbled, ftp=ftp) for a in args]
            if special == "leftover":
                dead = subprocess.run(
                    [sys.executable, "-c", "import os; print(os.getpid())"],
                    capture_output=True,
                    text=True,
                ).stdout.strip()
                parts = folder / f".out.csv.parts.budget-tmp-{dead}-k1ll3d"
                parts.mkdir()
                (parts / "part-00000.csv").write_text("x\n" * 1000)
            before, calls_before = digest(folder), len(ftp_calls)
            stdin = stdout = None
            if special.startswith("stdin:"):
                stdin = open(folder / special.split(":")[1], "rb")  # noqa: SIM115
            if special == "full":
                stdout = open("/dev/full", "wb")  # noqa: SIM115
            result = run(
                options.code,
                folder,
                args,
                stdin=stdin,
                stdout=stdout,
                timeout=60 if kind != "3 bounded" else 300,
                sigint=special == "sigint",
            )
            for handle in (stdin, stdout):
                if handle:
                    handle.close()
            after = digest(folder)
            destroyed = [f for f in before if f in after and after[f] != before[f]]
            added_in_inputs = [f for f in after if f not in before and f.startswith("logs/")]
            formula = ""
            if special.startswith("csv:") and (folder / special[4:]).exists():
                text = (folder / special[4:]).read_text()
                formula = (
                    "unquoted"
                    if any(
                        cell.lstrip()[:1] in ("=", "|")
                        for row in csv.reader(io.StringIO(text))
                        for cell in row
                    )
                    else "quoted"
                )
            if special in ("leftover", "sigint"):
                formula = "left" if any(folder.glob(".out.csv.parts.*")) else "removed"
            stderr = result.pop("stderr")
            lines = [x for x in stderr.strip().splitlines() if not x.startswith("warning")]
            rows.append(
                {
                    "class": kind,
                    "case": name,
                    **result,
                    "bug_or_traceback": "this is a bug" in stderr or "Traceback" in stderr,
                    "error_lines": len([x for x in lines if x.startswith("Error")]),
                    "stderr_lines": len(lines),
                    "destroyed": destroyed,
                    "written_where_read": added_in_inputs,
                    "connections": len(ftp_calls) - calls_before,
                    "note": formula,
                    "first_error": next((x for x in lines if x.startswith("Error")), "")[:110],
                }
            )
            for f in added_in_inputs:
                (folder / f).unlink()
            if destroyed or special == "leftover":
                for extra_file in folder.glob(".out.csv.parts.*"):
                    subprocess.run(["rm", "-rf", str(extra_file)], check=False)
                (folder / "logs" / "a.jsonl").write_text(LINE % "gpt-4o-mini" * 40)
                (folder / "l.txt").write_text("120\n340\n")
                (folder / "p.txt").write_text("hello there\n")
                (folder / "m.json").write_text('[{"role": "user", "content": "hi"}]')
                (folder / "c.json").write_text('{"version": 1, "models": {}}\n')
    if options.json:
        print(json.dumps(rows, indent=1))
        return
    print(
        "| class | case | exit | s | peak MB | stdout B | traceback | destroyed | "
        "written where read | conns | note |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['class']} | {r['case']} | {r['exit']} | {r['seconds']} | {r['peak_mb']} | "
            f"{r['stdout']:,} | {'yes' if r['bug_or_traceback'] else ''} | "
            f"{len(r['destroyed']) or ''} | {len(r['written_where_read']) or ''} | "
            f"{r['connections'] or ''} | {r['note']} |"
        )
    totals = {
        "cases": len(rows),
        "tracebacks": sum(r["bug_or_traceback"] for r in rows),
        "files destroyed": sum(len(r["destroyed"]) for r in rows),
        "outputs written where read": sum(len(r["written_where_read"]) for r in rows),
        "hangs": sum(r["exit"] == "hang" for r in rows),
        "network connections": sum(r["connections"] for r in rows),
    }
    print("\n" + ", ".join(f"{k}: {v}" for k, v in totals.items()))


if __name__ == "__main__":
    main()
