"""Scenario YAML: what is accepted, and one-line errors that point at file:line:col."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from budget.cli import cli
from budget.workload.scenario import (
    DAYS_PER_MONTH,
    Fixed,
    LogNormal,
    ModelChoice,
    Observed,
    PromptFiles,
    load_scenario,
)
from pricing.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures" / "workload"
CATALOG = str(FIXTURES / "catalog.yaml")

GOOD = """\
name: support-bot
model: acme-chat
traffic:
  calls_per_day: 14400
  monthly_growth: 0.05
  peak_factor: 2
input_tokens: {p50: 1000, p95: 3000}
output_tokens: {fixed: 400}
cache: {read_share: 0.5, write_share: 0.1, write_ttl: 1h}
batch_share: 0.25
max_tokens: 800
rate_limits: {rpm: 500, tpm: 200000}
horizon_months: 6
seed: 3
simulated_calls: 5000
"""


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def error_of(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_scenario(path, name="s.yaml")
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_full_scenario_reads_into_typed_settings(tmp_path):
    s = load_scenario(write(tmp_path, GOOD))
    assert s.name == "support-bot"
    assert s.models == (ModelChoice("acme-chat"),)
    assert (s.traffic.calls_per_day, s.traffic.monthly_growth, s.traffic.peak_factor) == (
        14400,
        0.05,
        2,
    )
    assert s.input_tokens == LogNormal(1000, 3000)
    assert s.output_tokens == Fixed(400)
    assert (s.cache_read_share, s.cache_write_share, s.cache_write_ttl) == (0.5, 0.1, "1h")
    assert s.batch_share == 0.25 and s.max_tokens == 800
    assert (s.rate_limits.rpm, s.rate_limits.tpm, s.rate_limits.input_tpm) == (500, 200000, None)
    assert (s.horizon_months, s.seed, s.simulated_calls) == (6, 3, 5000)


def test_defaults_and_shorthands(tmp_path):
    s = load_scenario(
        write(
            tmp_path,
            """\
            models: [acme-chat, {name: acme-mini, variant: fast}]
            traffic: {calls_per_month: 30000}
            input_tokens: 1200
            output_tokens: {p50: 200, p95: 200}
            max_tokens: plan
            """,
            name="rag.yaml",
        )
    )
    assert s.name == "rag"  # the file's stem when no name is given
    assert s.models == (ModelChoice("acme-chat"), ModelChoice("acme-mini", "fast"))
    assert s.traffic.calls_per_day == pytest.approx(30000 / DAYS_PER_MONTH)
    assert s.input_tokens == Fixed(1200)
    assert s.max_tokens == "plan"
    assert (s.horizon_months, s.batch_share, s.cache_read_share) == (12, 0, 0)
    assert not s.rate_limits.any()


def test_files_are_relative_to_the_scenario(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "prompt.txt").write_text("You are a helpful assistant.")
    (tmp_path / "data" / "lengths.txt").write_text("100\n200\n")
    s = load_scenario(
        write(
            tmp_path,
            """\
            model: acme-chat
            traffic: {calls_per_day: 10}
            input_tokens: {prompt_files: [data/prompt.txt]}
            output_tokens: {samples: data/lengths.txt}
            """,
        )
    )
    assert s.input_tokens == PromptFiles((tmp_path / "data" / "prompt.txt",))
    assert s.output_tokens == Observed(tmp_path / "data" / "lengths.txt", "samples")


def test_negative_traffic_names_line_column_and_key(tmp_path):
    message = error_of(tmp_path, GOOD.replace("calls_per_day: 14400", "calls_per_day: -5"))
    assert message == "s.yaml:4:18: traffic.calls_per_day: must be >= 0, got -5"


def test_unknown_key_suggests_the_close_one(tmp_path):
    message = error_of(tmp_path, GOOD.replace("monthly_growth", "monthly_grwth"))
    assert message.startswith("s.yaml:5:3: traffic.monthly_grwth: unknown key")
    assert "did you mean 'monthly_growth'?" in message


def test_unknown_top_level_key(tmp_path):
    message = error_of(tmp_path, GOOD + "horizon: 3\n")
    assert message.startswith("s.yaml:16:1: horizon: unknown key; did you mean")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("batch_share: 0.25", "batch_share: 1.5"), "s.yaml:10:14: batch_share: must be a share"),
        (
            ("read_share: 0.5", "read_share: -0.1"),
            "s.yaml:9:21: cache.read_share: must be a share between 0 and 1, got -0.1",
        ),
        (
            ("{p50: 1000, p95: 3000}", "{p50: 1000, p95: 900}"),
            "s.yaml:7:32: input_tokens.p95: must be >= p50 (1000), got 900",
        ),
        (("max_tokens: 800", "max_tokens: lots"), "s.yaml:11:13: max_tokens: expected a number"),
        (("max_tokens: 800", "max_tokens: 0"), "s.yaml:11:13: max_tokens: must be >= 1, got 0"),
        (("peak_factor: 2", "peak_factor: 0.5"), "s.yaml:6:16: traffic.peak_factor: must be >= 1"),
        (("tpm: 200000", "tpm: -1"), "s.yaml:12:30: rate_limits.tpm: must be > 0, got -1"),
        (
            ("horizon_months: 6", "horizon_months: 2.5"),
            "s.yaml:13:17: horizon_months: expected a whole",
        ),
        (("write_ttl: 1h", "write_ttl: 2h"), "s.yaml:9:55: cache.write_ttl: expected 5m or 1h"),
        (
            ("write_share: 0.1", "write_share: 0.6"),
            "s.yaml:9:8: cache: read_share + write_share must be <= 1, got 1.1",
        ),
        (
            ("output_tokens: {fixed: 400}", "output_tokens: {median: 4}"),
            "s.yaml:8:17: output_tokens.median: unknown key",
        ),
    ],
)
def test_impossible_values(tmp_path, change, expected):
    assert error_of(tmp_path, GOOD.replace(*change)).startswith(expected)


def test_malformed_yaml_gives_line_and_column(tmp_path):
    message = error_of(tmp_path, "name: x\ntraffic: {calls_per_day: 5\nmodel: a\n")
    assert message.startswith("s.yaml:3:")
    assert "invalid YAML" in message


def test_a_key_given_twice_is_an_error(tmp_path):
    message = error_of(tmp_path, GOOD + "seed: 4\n")
    assert message == "s.yaml:16:1: seed: key given twice (first at s.yaml:14:1)"


def test_required_parts(tmp_path):
    assert "traffic: required" in error_of(
        tmp_path, "model: a\ninput_tokens: 1\noutput_tokens: 1\n"
    )
    both = GOOD.replace("model: acme-chat", "model: acme-chat\nmodels: [acme-mini]")
    assert "give either `model` or `models`" in error_of(tmp_path, both)
    missing = GOOD.replace("{fixed: 400}", "{samples: nowhere.txt}")
    assert "output_tokens.samples: file not found: nowhere.txt" in error_of(tmp_path, missing)
    per = GOOD.replace("calls_per_day: 14400", "calls_per_day: 1\n  calls_per_month: 30")
    assert "exactly one of calls_per_day or calls_per_month" in error_of(tmp_path, per)


def test_cli_bad_scenario_exits_2_and_writes_nothing(tmp_path):
    path = write(tmp_path, GOOD.replace("calls_per_day: 14400", "calls_per_day: -5"))
    out = tmp_path / "report.csv"
    result = CliRunner().invoke(cli, ["--catalog", CATALOG, "report", str(path), "-o", str(out)])
    assert result.exit_code == 2
    assert "traffic.calls_per_day: must be >= 0, got -5" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [path]


def test_unknown_model_points_at_its_line(tmp_path):
    path = write(tmp_path, GOOD.replace("model: acme-chat", "model: acme-chta"))
    result = CliRunner().invoke(cli, ["--catalog", CATALOG, "report", str(path)])
    assert result.exit_code == 2
    assert f"{path}:2:8: model: unknown model 'acme-chta'" in result.output
    assert "did you mean" in result.output
