"""The manual hangs together: every page is reachable, every link lands, the API is all there.

`mkdocs build --strict` (run by .ci/run) checks the links between pages and renders them; these
checks need no mkdocs, so they run with the rest of the suite: a page added under docs/ and
left out of the nav, a README link to a page that was renamed, a name exported from `budget`
without its entry in the API reference, or a help text naming a page that does not exist.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
LINK = re.compile(r"\]\(([^)#\s]+\.md)(#[^)\s]*)?\)")


def nav_pages(entries) -> list[str]:
    """Every page the nav lists, in order, however deeply sections nest."""
    found = []
    for entry in entries:
        values = entry.values() if isinstance(entry, dict) else [entry]
        for value in values:
            found += nav_pages(value) if isinstance(value, list) else [value]
    return found


def config() -> dict:
    # safe_load: the configuration stays plain YAML (no !!python tags), readable here
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))


def test_every_page_is_in_the_nav_once_and_every_nav_entry_is_a_page():
    listed = nav_pages(config()["nav"])
    pages = sorted(page.relative_to(DOCS).as_posix() for page in DOCS.glob("**/*.md"))
    assert sorted(set(listed)) == sorted(listed), "a page is listed twice in mkdocs.yml nav"
    missing = sorted(set(pages) - set(listed))
    assert not missing, f"add to mkdocs.yml nav: {missing}"
    assert not set(listed) - set(pages), "mkdocs.yml nav lists a page that does not exist"


def test_the_tour_and_one_page_per_command():
    from budget.cli.commands import COMMANDS

    listed = nav_pages(config()["nav"])
    assert listed[0] == "index.md"
    for command in COMMANDS:
        page = DOCS / ("catalog-compare.md" if command == "catalog" else f"{command}.md")
        assert page.exists(), f"no page for `budget {command}`"
        assert page.read_text(encoding="utf-8").startswith(f"# budget {command}")


@pytest.mark.parametrize(
    "page", [README, *sorted(DOCS.glob("**/*.md"))], ids=lambda page: page.name
)
def test_links_between_pages_land(page):
    """Relative links (README's into docs/ too, so they work on GitHub) name pages that exist,
    and a #section names a heading on that page."""
    text = page.read_text(encoding="utf-8")
    for target, anchor in LINK.findall(text):
        if "://" in target:
            continue
        linked = (page.parent / target).resolve()
        assert linked.exists(), f"{page.name} links to missing {target}"
        if anchor:
            headings = [
                slug(line.lstrip("#").strip())
                for line in linked.read_text(encoding="utf-8").splitlines()
                if line.startswith("#") and not line.startswith("#!")
            ]
            assert anchor[1:] in headings, f"{page.name}: no heading {anchor} in {target}"


def slug(heading: str) -> str:
    """The anchor Python-Markdown's toc gives a heading: lower case, punctuation dropped,
    spaces as hyphens."""
    text = re.sub(r"[^\w\s-]", "", heading.replace("`", "")).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def test_slug_matches_mkdocs_anchors():
    # anchors as mkdocs build gave them for these headings
    assert slug("`--engine dask`") == "-engine-dask"
    assert slug("Conversations, agent loops, built-in tools and embeddings") == (
        "conversations-agent-loops-built-in-tools-and-embeddings"
    )


def test_every_name_the_library_exports_is_in_the_api_reference():
    import budget

    text = (DOCS / "library.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^::: ([\w.]+)$", text, re.M))
    for name in budget.__all__:
        module = budget._EXPORTS[name]
        defined = budget._RENAMED.get(name, name)
        assert f"{module}.{defined}" in documented, f"docs/library.md: add ::: {module}.{defined}"


def test_readme_is_a_front_door():
    text = README.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert 120 <= len(lines) <= 180, len(lines)
    # the two set-up commands, exactly as CI and new users run them
    assert "```bash\npip install -e . && budget report reports/support-bot.yaml\n```" in text
    assert "```bash\npip install -e '.[test]' && python -m pytest\n```" in text
    linked = {target for target, _ in LINK.findall(text)}
    assert {"docs/index.md", "docs/scenarios.md", "docs/catalog.md", "docs/library.md"} <= linked


HELP_POINTERS = re.compile(r"docs/[\w-]+\.md")


@pytest.mark.parametrize("command", ["report", "whatif", "usage", "cost", "count", "plan"])
def test_help_texts_name_pages_that_exist(command):
    from budget.cli import cli

    result = CliRunner().invoke(cli, [command, "--help"], terminal_width=200)
    assert result.exit_code == 0
    assert "README" not in result.output, "help points to the page that documents it"
    for page in HELP_POINTERS.findall(result.output):
        assert (ROOT / page).exists(), f"`budget {command} --help` names missing {page}"
