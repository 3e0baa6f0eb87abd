"""`budget init`: a commented template that reports as written, validates against the
scenario's JSON Schema, says what the schema says of every key, and never overwrites a file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from budget.cli import cli
from budget.workload import scenario as scenario_module
from budget.workload.scenario import SCHEMA, load_scenario, schema
from budget.workload.template import LINES, schema_path, template

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs/init.md"
SHOWN_AT = "/PATH/TO/site-packages/budget/workload/scenario.schema.json"  # the page's path


def run(*argv: str):
    return CliRunner().invoke(cli, list(argv), catch_exceptions=False)


def schema_errors(text: str) -> list[str]:
    document = yaml.safe_load(text)
    document["start"] = str(document["start"])  # YAML 1.2, as an editor reads it: a string
    validator = jsonschema.Draft202012Validator(
        json.loads(SCHEMA.read_text()),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    return [e.message for e in validator.iter_errors(document)]


def test_the_template_reports_as_written_with_the_output_the_page_shows(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    made = run("init", "my-feature.yaml")
    assert made.exit_code == 0
    assert made.output == "wrote my-feature.yaml: edit it, then `budget report my-feature.yaml`\n"
    reported = run("report", "my-feature.yaml")
    assert reported.exit_code == 0, reported.output
    assert "warning" not in reported.output
    # month 1 is the template's fixed start, whatever the day; 10,000 calls a day over an
    # average month of 365/12 days: 304,167 calls
    assert "month 1 starts 2026-12-01" in reported.output
    assert "gpt-5.4-mini  month-01    304,167 " in reported.output
    shown = re.search(r"```text\n(model .*?)```", PAGE.read_text(), re.S).group(1)
    assert reported.output.strip() == shown.strip()


def test_the_template_validates_against_the_schema():
    assert schema_errors(template()) == []
    # and with every optional section switched on that goes with calls (embeddings, tools)
    text = template().replace("# embeddings:", "embeddings:").replace("# tools:", "tools:")
    text = re.sub(
        r"^  # (model|corpus_tokens|corpus_batch|reindex|query)", r"  \1", text, flags=re.M
    )
    assert schema_errors(text) == []


def test_the_optional_sections_report_once_uncommented(tmp_path):
    text = template().replace("# embeddings:", "embeddings:").replace("# tools:", "tools:")
    text = re.sub(
        r"^  # (model|corpus_tokens|corpus_batch|reindex|query)", r"  \1", text, flags=re.M
    )
    path = tmp_path / "rag.yaml"
    path.write_text(text)
    scenario = load_scenario(path)
    assert scenario.embeddings.corpus_tokens == 400_000_000
    assert scenario.tools[0].tool == "web_search" and scenario.tools[0].share == 0.1


def test_every_key_is_there_with_the_schemas_description():
    text = template()
    written = {key for key, _, _ in LINES}
    # every key of the file and of its sections (the forms of a token count aside)
    for section in ("", "traffic", "cache", "rate_limits", "conversation", "embeddings"):
        path = f"properties/{section}" if section else ""
        for key in schema().keys(path):
            assert (f"{section}.{key}" if section else key) in written
    for key, _value, active in LINES:
        comment = schema().description(schema_path(key))
        assert comment, key
        line = next(
            ln
            for ln in text.splitlines()
            if re.match(rf"\s*(# )?{key.split('.')[-1]}:", ln)
            and ln.rstrip().endswith(f"# {comment}")
        )
        assert line.lstrip().startswith("#") != active
    assert set(scenario_module.TOP_KEYS) <= written


def test_the_first_line_points_editors_at_the_installed_schema(tmp_path):
    first = template().splitlines()[0]
    assert first == f"# yaml-language-server: $schema={SCHEMA}"
    assert Path(first.split("$schema=", 1)[1]).is_file()
    out = run("init", "-")
    assert out.exit_code == 0
    written = Path(out.output.splitlines()[0].split("$schema=", 1)[1])
    assert written.is_absolute() and written.samefile(SCHEMA)


def test_the_page_shows_the_template():
    shown = re.search(r"```yaml\n(.*?)```", PAGE.read_text(), re.S).group(1)
    assert shown == template(SHOWN_AT)


def test_dash_writes_to_standard_output_and_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = run("init", "-")
    assert out.exit_code == 0
    assert out.output == template(SCHEMA.resolve())
    assert list(tmp_path.iterdir()) == []


def test_default_file_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("init").exit_code == 0
    assert (tmp_path / "scenario.yaml").read_text() == template(SCHEMA.resolve())


def test_an_existing_file_is_never_overwritten(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "mine.yaml"
    mine.write_text("model: gpt-5.2\n")
    out = run("init", "mine.yaml")
    assert out.exit_code == 2
    assert out.output == (
        "Error: mine.yaml: already exists; budget init never overwrites a file (give a new "
        "name, or - for standard output)\n"
    )
    assert mine.read_text() == "model: gpt-5.2\n"
    # an empty file too: it may be one the user just created to fill in
    (tmp_path / "empty.yaml").write_text("")
    assert run("init", "empty.yaml").exit_code == 2
    assert (tmp_path / "empty.yaml").read_text() == ""


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("no-such-folder/s.yaml", "does not exist"),
        ("sub/", "names a directory"),
    ],
)
def test_a_place_that_cannot_take_the_file(tmp_path, monkeypatch, name, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    out = run("init", name)
    assert out.exit_code == 2 and message in out.output
    assert out.output.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sub"]
