"""The one YAML reader behind catalogs and scenarios: positions, duplicates, bounds."""

from __future__ import annotations

import datetime

import pytest
from click.testing import CliRunner

from budget.cli import cli
from pricing.errors import InputError
from pricing.yamlfile import MAX_VALUES, read_document

CATALOG_HEAD = """\
provider: acme
source: https://example.com/prices
as_of: 2026-11-25
models:
  - id: acme-large
    name: Acme Large
    context_window: 100000
    max_input_tokens: 100000
    max_output_tokens: 8000
    reasoning: false
    supports_stop: true
    tokenizer: estimate:generic
"""


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_values_keep_their_positions():
    doc = read_document("a:\n  b: 1\n  c: [x, y]\n", "f.yaml")
    assert doc.data == {"a": {"b": 1, "c": ["x", "y"]}}
    assert doc.where(("a", "c", "1")) == "f.yaml:3:10"
    assert doc.data["a"].line == 2


def test_a_catalog_key_written_twice_is_an_error_at_the_second(tmp_path):
    # The same mistake a scenario makes: `prices:` twice used to keep the last silently.
    path = tmp_path / "acme.yaml"
    path.write_text(
        CATALOG_HEAD + "    prices: {input: 1, output: 2}\n" + "    prices: {input: 3, output: 4}\n"
    )
    result = run("--catalog", str(path), "limits", "acme-large")
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"Error: {path}:14:5: models.0.prices: key given twice (first at {path}:13:5)"
    )


def test_billion_laughs_is_refused_quickly_in_a_scenario_and_a_catalog(tmp_path):
    # Nine levels of ten aliases each would expand to 10**9 values.
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    bomb = "\n".join(lines) + "\n"
    with pytest.raises(InputError, match=f"more than {MAX_VALUES:,} values"):
        read_document(bomb, "s.yaml")
    scenario = tmp_path / "bomb.yaml"
    scenario.write_text(bomb)
    result = run("report", str(scenario))
    assert result.exit_code == 2 and "aliases expanding without bound" in result.output
    assert len(result.output) < 300
    catalog = tmp_path / "acme.yaml"
    catalog.write_text(CATALOG_HEAD + "    prices: {input: 1, output: 2}\n    notes: " + bomb)
    result = run("--catalog", str(catalog), "limits", "acme-large")
    assert result.exit_code == 2 and len(result.output) < 300


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a: " + "[" * 5000 + "]" * 5000, "s.yaml"),  # libyaml's own bound
        ("a: " + "[" * 100 + "]" * 100, "nested more than 64 deep"),
        (
            "a: !!python/name:os.system\n",
            "s.yaml:1:4: tag 'tag:yaml.org,2002:python/name:os.system' is not allowed",
        ),
        ("a: !!python/object/apply:os.system [ls]\n", "is not allowed"),
        ("start: 2026-13-45\n", "s.yaml:1:8: '2026-13-45': not a valid value"),
        ("a: 1\nb: [\n", "s.yaml:3:1: invalid YAML"),
        ("", "s.yaml: the file is empty"),
    ],
)
def test_hostile_yaml_is_one_line_input_error(text, expected):
    with pytest.raises(InputError) as caught:
        read_document(text, "s.yaml")
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message and len(message) < 300


def test_dates_and_numbers_are_plain_values():
    doc = read_document("start: 2026-12-01\nrate: 1.5e+3\n", "s.yaml")
    assert doc.data == {"start": datetime.date(2026, 12, 1), "rate": 1500.0}
