"""The examples on every page are run here, so the docs cannot drift from what the tool prints.

The pages are README.md and every docs/**/*.md (a page added under docs/ is picked up with
nothing to register here). Every ```console block holds `$ budget ...` lines, each followed by
the output it prints. The test runs each command in a scratch copy of `reports/` and
`tests/fixtures/` and compares what it prints with what the page shows. Every ```python block
runs in such a scratch copy too, and a `print(...)  # text` line must print that text (a block
that is not meant to run is written ```text, or ```py where it shows a fragment). After a
deliberate change of output, rewrite every console block (or the pages named):

    python tests/test_readme.py --update [PAGE.md ...]
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
DOCS = ROOT / "docs"
BLOCK = re.compile(r"```console\n(.*?)```", re.S)
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def pages() -> list[Path]:
    """README.md, then every page of the manual in path order."""
    return [README, *sorted(DOCS.glob("**/*.md"))]


def page_name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


def examples(text: str) -> list[tuple[str, str]]:
    """(command, expected output) pairs, in page order."""
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
    """Run a page's command; what it printed (stdout and stderr, as a terminal shows them)."""
    from budget.cli import cli

    argv = shlex.split(command)
    assert argv[0] == "budget", f"example is not a budget command: {command}"
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


def _read(page: Path) -> str:
    return page.read_text(encoding="utf-8")


CASES = [
    (page_name(page), command, expected)
    for page in pages()
    for command, expected in examples(_read(page))
]
PYTHON_CASES = [
    (page_name(page), number, block)
    for page in pages()
    for number, block in enumerate(PYTHON_BLOCK.findall(_read(page)), 1)
]


def test_readme_has_examples():
    shown = examples(_read(README))
    assert len(shown) >= 5, "the README's front door shows real commands with their output"
    # pinned, so a reader gets the printed figures on any day
    assert all("--at 2026-11-25" in command for command, _ in shown)
    # the 29 the README showed before it became a front door, now on the manual's pages
    manual = [case for case in CASES if case[0] != "README.md"]
    assert len(manual) >= 29, "the manual shows real commands with their output"


@pytest.mark.parametrize("page, command, expected", CASES, ids=[f"{p}: {c}" for p, c, _ in CASES])
def test_readme_example(page, command, expected, tmp_path, monkeypatch):
    monkeypatch.chdir(scratch(tmp_path))
    monkeypatch.delenv("TOKEN_BUDGET_CATALOG", raising=False)
    code, printed = run_example(command)
    # 2 (bad input) only where the page shows the error on purpose
    assert code in (0, 1) or (code == 2 and expected.startswith("Error:")), f"{command}: {code}"
    assert printed == expected.rstrip("\n"), f"{page}: output of `{command}` has drifted"


def test_readme_python_examples_are_found():
    assert any(page == "docs/library.md" for page, _, _ in PYTHON_CASES), "the library shown"


@pytest.mark.parametrize(
    "page, number, block", PYTHON_CASES, ids=[f"{p}: python block {n}" for p, n, _ in PYTHON_CASES]
)
def test_readme_python_examples_print_what_their_comments_say(
    page, number, block, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(scratch(tmp_path))
    monkeypatch.delenv("TOKEN_BUDGET_AT")  # the examples pin their own day
    monkeypatch.delenv("TOKEN_BUDGET_CATALOG", raising=False)
    expected = [
        line.split("# ", 1)[1].strip()
        for line in block.splitlines()
        if line.startswith("print(") and "# " in line
    ]
    exec(compile(block, f"{page} (python block {number})", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed == expected


def test_readme_user_catalog_listing_is_the_file_it_names():
    listing = re.compile(r"`(reports/data/[\w-]+\.yaml)`:\n\n```yaml\n(.*?)```", re.S)
    listings = [found.groups() for page in pages() for found in listing.finditer(_read(page))]
    assert listings, "the manual lists the example user catalog"
    from pricing.catalog import load_catalog

    for path, shown in listings:
        lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
        assert shown.splitlines() == [line for line in lines if not line.startswith("#")]
    assert load_catalog([str(ROOT / path)]).resolve("support-llm-ft").provider == "acme"


def update(named: list[str] | None = None) -> None:
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

    chosen = [Path(name).resolve() for name in named] if named else pages()
    for page in chosen:
        page.write_text(BLOCK.sub(fill, _read(page)), encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--update"]:
        update(sys.argv[2:])
    else:
        sys.exit(__doc__)
