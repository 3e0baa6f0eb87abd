"""The README's examples are run here, so the docs cannot drift from what the tool prints.

Every ```console block in README.md holds `$ budget ...` lines, each followed by the output it
prints. The test runs each command in a scratch copy of `reports/` and `tests/fixtures/` and
compares what it prints with what the README shows. After a deliberate change of output:

    python tests/test_readme.py --update
"""

from __future__ import annotations

import re
import shlex
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def examples(text: str) -> list[tuple[str, str]]:
    """(command, expected output) pairs, in README order."""
    found = []
    for block in BLOCK.findall(text):
        command, output = None, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command is not None:
                    found.append((command, "\n".join(output)))
                command, output = line[2:], []
            elif command is not None:
                output.append(line)
        if command is not None:
            found.append((command, "\n".join(output)))
    return found


def run_example(command: str) -> tuple[int, str]:
    """Run a README command; what it printed (stdout and stderr, as a terminal shows them)."""
    from budget.cli import cli

    argv = shlex.split(command)
    assert argv[0] == "budget", f"README example is not a budget command: {command}"
    # No pinned day: an example whose figures depend on the day says so itself (`--at`, or the
    # scenario's `start:`), so a reader gets the printed numbers on any day; CI runs this
    # with the clock moved years ahead to prove it.
    result = CliRunner().invoke(
        cli, argv[1:], catch_exceptions=False, env={"TOKEN_BUDGET_AT": None}
    )
    printed = "\n".join(line.rstrip() for line in result.output.rstrip("\n").splitlines())
    return result.exit_code, printed


def scratch(tmp: Path) -> Path:
    for folder in ("reports", "tests/fixtures"):
        if (ROOT / folder).exists():
            shutil.copytree(ROOT / folder, tmp / folder)
    return tmp


CASES = examples(README.read_text(encoding="utf-8")) if README.exists() else []


def test_readme_has_examples():
    assert len(CASES) >= 8, "the README's tour should show real commands with their output"


@pytest.mark.parametrize("command, expected", CASES, ids=[c for c, _ in CASES])
def test_readme_example(command, expected, tmp_path, monkeypatch):
    monkeypatch.chdir(scratch(tmp_path))
    monkeypatch.delenv("TOKEN_BUDGET_CATALOG", raising=False)
    code, printed = run_example(command)
    # 2 (bad input) only where the README shows the error on purpose
    assert code in (0, 1) or (code == 2 and expected.startswith("Error:")), f"{command}: {code}"
    assert printed == expected.rstrip("\n"), f"README output of `{command}` has drifted"


PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def test_readme_python_examples_print_what_their_comments_say(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("TOKEN_BUDGET_AT")  # the examples pin their own day
    blocks = PYTHON_BLOCK.findall(README.read_text(encoding="utf-8"))
    assert blocks, "the README shows the library"
    for block in blocks:
        expected = [
            line.split("# ", 1)[1].strip()
            for line in block.splitlines()
            if line.startswith("print(") and "# " in line
        ]
        exec(compile(block, "README.md", "exec"), {})
        printed = capsys.readouterr().out.splitlines()
        assert printed == expected


def test_readme_user_catalog_listing_is_the_file_it_names():
    text = README.read_text(encoding="utf-8")
    listing = re.search(r"`(reports/data/[\w-]+\.yaml)`:\n\n```yaml\n(.*?)```", text, re.S)
    assert listing, "the README lists the example user catalog"
    path, shown = listing.groups()
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
    assert shown.splitlines() == [line for line in lines if not line.startswith("#")]
    from pricing.catalog import load_catalog

    assert load_catalog([str(ROOT / path)]).resolve("support-llm-ft").provider == "acme"


def update() -> None:
    """Rewrite every console block's output with what the commands print now."""
    import os
    import tempfile

    def fill(block: re.Match) -> str:
        lines = []
        for command, _ in examples(block.group(0)):
            here = Path.cwd()
            with tempfile.TemporaryDirectory() as tmp:
                try:
                    os.chdir(scratch(Path(tmp)))
                    _, printed = run_example(command)
                finally:
                    os.chdir(here)
            lines += [f"$ {command}"] + ([printed] if printed else [])
        return "```console\n" + "\n".join(lines) + "\n```"

    README.write_text(BLOCK.sub(fill, README.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--update"]:
        update()
    else:
        sys.exit(__doc__)
