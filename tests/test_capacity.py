"""Rate-limit capacity: numbers a reader can check on the back of an envelope."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
import pytest

from budget.workload.capacity import CallShape, capacity, peak_calls_per_minute
from budget.workload.projection import project
from budget.workload.scenario import RateLimits, load_scenario
from pricing.catalog import load_catalog

CATALOG = load_catalog([str(Path(__file__).parent / "fixtures" / "workload" / "catalog.yaml")])

# 1,000 input tokens (400 of them cache reads), 300 output on average, max_tokens 1,500.
SHAPE = CallShape(input_tokens=1000, uncached_input_tokens=600, output_tokens=300, max_tokens=1500)


def test_peak_minute_is_the_average_minute_times_the_peak_factor():
    assert peak_calls_per_minute(14_400, 1) == 10  # 14,400 calls a day = 10 a minute
    assert peak_calls_per_minute(14_400, 3) == 30


def test_openai_tpm_reserves_input_plus_max_tokens():
    # 30 calls/min x (1,000 + 1,500) = 75,000 TPM against 100,000: a quarter left
    load = capacity(14_400, 3, SHAPE, RateLimits(tpm=100_000))
    assert load.peak_tpm == 75_000
    (tpm,) = load.checks
    assert (tpm.per_call, tpm.needed, tpm.headroom) == (2500, 75_000, 0.25)
    assert tpm.sustainable_rpm == 40  # 100,000 / 2,500
    assert load.binding_limit == "tpm" and load.fits


def test_lowering_max_tokens_raises_what_tpm_carries():
    limits = RateLimits(tpm=100_000)
    lower = CallShape(1000, 600, 300, max_tokens=500)
    assert capacity(14_400, 3, lower, limits).sustainable_rpm == pytest.approx(100_000 / 1500)
    assert capacity(14_400, 3, SHAPE, limits).sustainable_rpm == 40


def test_anthropic_itpm_leaves_out_cache_reads_and_otpm_counts_output():
    load = capacity(14_400, 3, SHAPE, RateLimits(input_tpm=30_000, output_tpm=8_000))
    checks = {c.limit: c for c in load.checks}
    assert checks["input_tpm"].needed == 18_000  # 30 x 600 uncached
    assert checks["output_tpm"].needed == 9_000  # 30 x 300
    assert checks["output_tpm"].headroom == pytest.approx(-0.125)
    assert load.binding_limit == "output_tpm"
    assert load.sustainable_rpm == pytest.approx(8_000 / 300)
    assert not load.fits


def test_the_limit_carrying_fewest_calls_binds():
    load = capacity(14_400, 3, SHAPE, RateLimits(rpm=35, tpm=100_000))
    assert load.binding_limit == "rpm" and load.sustainable_rpm == 35
    assert {c.limit for c in load.checks} == {"rpm", "tpm"}


def test_no_limits_no_verdict():
    load = capacity(14_400, 3, SHAPE, RateLimits())
    assert load.binding_limit is None and load.sustainable_rpm is None and load.checks == ()


def test_report_rows_carry_capacity_per_period(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            model: acme-mini
            traffic: {calls_per_day: 14400, monthly_growth: 1.0, peak_factor: 3}
            input_tokens: 1000
            output_tokens: 300
            cache: {read_share: 0.4}
            max_tokens: 1500
            rate_limits: {tpm: 100000}
            horizon_months: 2
            """
        )
    )
    projection = project(load_scenario(path), CATALOG)
    table = (projection).exact_table.set_index("period")
    assert table.loc["month-01", "peak_rpm"] == 30
    assert table.loc["month-01", "peak_tpm"] == 75_000
    assert table.loc["month-01", "peak_input_tpm"] == 18_000
    assert table.loc["month-02", "peak_tpm"] == 150_000  # traffic doubled
    assert table.loc["month-02", "headroom"] == -0.5
    assert table.loc["total", "peak_tpm"] == 150_000  # the busiest month
    assert (table["binding_limit"] == "tpm").all()
    assert table.loc["month-01", "sustainable_rpm"] == 40
    # the planner wants 300 x 1.25 = 375 -> 400 tokens: 100,000 / 1,400 calls a minute
    assert table.loc["month-01", "planned_max_tokens"] == 400
    assert table.loc["month-01", "sustainable_rpm_at_planned"] == round(100_000 / 1400, 2)


def test_peak_rpm_counts_the_continuations_the_rpm_limit_counts(tmp_path):
    # Every reply wants 600 tokens and is cut at 500, so every call is continued: two
    # requests. 14,400 calls a day at a peak factor of 1 = 10 calls a minute = 20 requests,
    # the half of an rpm limit of 40 that the headroom column says is used; the limit
    # carries 40 requests a minute, 20 calls and their continuations.
    path = tmp_path / "cut.yaml"
    path.write_text(
        "name: cut\nmodel: acme-mini\ntraffic: {calls_per_day: 14400}\n"
        "input_tokens: 1000\noutput_tokens: 600\nmax_tokens: 500\n"
        "rate_limits: {rpm: 40}\nhorizon_months: 1\nsimulated_calls: 100\n"
    )
    day = project(load_scenario(path), CATALOG).exact_table.set_index("period").loc["day"]
    assert day["truncation_rate"] == 1
    assert day["peak_rpm"] == 20
    assert (day["rpm_headroom"], day["sustainable_rpm"]) == (0.5, 40)
    assert day["peak_output_tpm"] == 6_000  # 10 calls x (500 + the 100 continued)


def test_batch_calls_do_not_count_against_live_rate_limits(tmp_path):
    from budget.workload.projection import project
    from budget.workload.scenario import load_scenario
    from pricing.catalog import load_catalog

    text = (
        "name: s\nmodel: gpt-4.1-mini\ntraffic: {calls_per_day: 14400}\n"
        "input_tokens: 1000\noutput_tokens: 100\nmax_tokens: 200\n"
        "rate_limits: {rpm: 100}\nsimulated_calls: 1000\n"
    )
    live = tmp_path / "live.yaml"
    live.write_text(text)
    half = tmp_path / "half.yaml"
    half.write_text(text + "batch_share: 0.5\n")
    catalog = load_catalog(())
    for path, rpm in ((live, 10.0), (half, 5.0)):  # 14,400 a day = 10 a minute
        item = project(load_scenario(path), catalog).models[0]
        assert item.capacity(14_400, 1, load_scenario(path).rate_limits).peak_rpm == rpm


# --- each model against its own limits -------------------------------------------------------

BUNDLED = load_catalog()

THREE_PROVIDERS = """\
name: launch
models:
  - gpt-5.2
  - {name: claude-sonnet-4-5, rate_limits: {rpm: 40, input_tpm: 150000, output_tpm: 10000}}
  - gemini-2.5-pro
traffic: {calls_per_day: 14400, peak_factor: 3}
input_tokens: {fixed: 8000}
output_tokens: {fixed: 500}
cache: {read_share: 0.25}
max_tokens: 1000
rate_limits:
  tpm: 100000
  openai: {rpm: 500, tpm: 300000}
  anthropic: {rpm: 50, input_tpm: 200000, output_tpm: 20000}
horizon_months: 1
simulated_calls: 100
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "launch.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_each_provider_is_judged_against_its_own_limits(tmp_path):
    projection = project(load_scenario(write(tmp_path, THREE_PROVIDERS)), BUNDLED)
    table = (projection).exact_table
    day = table[table["period"] == "day"].set_index("model")
    # 14,400 calls a day = 10 a minute, x 3 at peak = 30 calls/min; every reply fits (500 of
    # 1,000), so there are no continuations. Inputs 8,000 tokens, 2,000 of them cache reads.
    gpt = day.loc["gpt-5.2"]  # the openai block: tpm counts 8,000 + max_tokens 1,000 = 9,000
    assert gpt["rate_limits_from"] == "provider openai"
    assert gpt["rpm_headroom"] == 0.94  # 1 - 30 / 500
    assert gpt["tpm_headroom"] == 0.1  # 1 - 30 x 9,000 / 300,000
    assert gpt["binding_limit"] == "tpm" and gpt["sustainable_rpm"] == 33.33  # 300,000 / 9,000
    assert pd.isna(gpt["input_tpm_headroom"])  # OpenAI sets no input_tpm
    # Claude's own block wins whole over the anthropic block and the flat tpm (which Anthropic
    # does not set): ITPM counts 8,000 - 2,000 cached = 6,000; OTPM the 500 generated.
    claude = day.loc["claude-sonnet-4-5"]
    assert claude["rate_limits_from"] == "models.1"
    assert claude["rpm_headroom"] == 0.25  # 1 - 30 / 40
    assert claude["input_tpm_headroom"] == -0.2  # 1 - 30 x 6,000 / 150,000
    assert claude["output_tpm_headroom"] == -0.5  # 1 - 30 x 500 / 10,000
    assert pd.isna(claude["tpm_headroom"])
    assert claude["binding_limit"] == "output_tpm" and claude["sustainable_rpm"] == 20  # 10,000/500
    # Gemini has no block of its own: the flat tpm, which Gemini counts as input tokens only.
    gemini = day.loc["gemini-2.5-pro"]
    assert gemini["rate_limits_from"] == "scenario"
    assert gemini["tpm_headroom"] == -1.4  # 1 - 30 x 8,000 / 100,000
    assert gemini["sustainable_rpm"] == 12.5  # 100,000 / 8,000
    assert gemini["peak_tpm"] == 240_000


def test_markdown_names_each_models_limits(tmp_path):
    from budget.workload.report import markdown_summary

    text = markdown_summary(project(load_scenario(write(tmp_path, THREE_PROVIDERS)), BUNDLED))
    assert "- gpt-5.2 (openai limits): at peak 30.0 calls/min need rpm 30.0 of 500" in text
    assert "- claude-sonnet-4-5 (its own limits (models.1)): at peak" in text
    assert "output_tpm 15,000 of 10,000 (-50% headroom)" in text
    assert "- gemini-2.5-pro (scenario limits)" in text


@pytest.mark.parametrize(
    "change, message",
    [
        (
            (
                "  anthropic: {rpm: 50, input_tpm: 200000, output_tpm: 20000}",
                "  anthropic: {rpm: 50, tpm: 200000}",
            ),
            "launch.yaml:14:29: rate_limits.anthropic.tpm: anthropic sets rpm, input_tpm, "
            "output_tpm, not tpm",
        ),
        (
            ("  anthropic:", "  anthropc:"),
            "launch.yaml:14:13: rate_limits.anthropc: unknown provider; did you mean 'anthropic'?",
        ),
        (
            ("rate_limits: {rpm: 40,", "rate_limits: {rpm: 40, tpm: 5,"),
            "launch.yaml:4:59: models.1.rate_limits.tpm: anthropic sets rpm, input_tpm, "
            "output_tpm, not tpm",
        ),
        (
            ("  openai: {rpm: 500, tpm: 300000}", "  openai: 300000"),
            "launch.yaml:13:3: rate_limits.openai: unknown key (expected one of: rpm, tpm, "
            "input_tpm, output_tpm, or a provider name with a mapping of limits)",
        ),
    ],
)
def test_limit_blocks_that_cannot_apply_are_errors(tmp_path, change, message):
    from click.testing import CliRunner

    from budget.cli import cli

    path = write(tmp_path, THREE_PROVIDERS.replace(*change))
    result = CliRunner().invoke(cli, ["report", str(path)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"Error: {path.parent}/{message}"]


def test_whatif_varies_a_providers_limit(tmp_path):
    from budget.workload.whatif import parse_vary, what_if

    path = write(tmp_path, THREE_PROVIDERS)
    grid = what_if(path, [parse_vary("rate_limits.google.tpm=300000")], BUNDLED).exact_table
    # the baseline row (the file as written, its first model) shows the block as unset
    base = grid[grid["baseline"]].iloc[0]
    assert (base["model"], base["rate_limits.google.tpm"]) == ("gpt-5.2", "none")
    # Gemini was over the flat tpm 100,000 (it counts input: 30 x 8,000 = 240,000 at peak,
    # test above); its own google block of 300,000 carries it: 300,000 / 8,000 = 37.5 a minute
    gemini = grid[grid["model"] == "gemini-2.5-pro"].iloc[0]
    assert bool(gemini["fits_rate_limits"]) and gemini["sustainable_rpm"] == 37.5
    assert gemini["binding_limit"] == "tpm"


def test_a_variant_has_its_own_limits(tmp_path):
    text = """\
    name: variants
    models:
      - {name: claude-sonnet-4-5, rate_limits: {rpm: 60}}
      - {name: claude-sonnet-4-5, variant: 1m-context, rate_limits: {rpm: 20}}
    traffic: {calls_per_day: 14400, peak_factor: 3}
    input_tokens: 8000
    output_tokens: 500
    max_tokens: 1000
    horizon_months: 1
    simulated_calls: 10
    """
    table = (project(load_scenario(write(tmp_path, text)), BUNDLED)).exact_table
    day = table[table["period"] == "day"].set_index("variant")
    # 30 calls/min at peak: 1 - 30/60 = 0.5 for the base model, 1 - 30/20 = -0.5 for 1m-context
    assert day.loc["", "rpm_headroom"] == 0.5 and day.loc["", "rate_limits_from"] == "models.0"
    assert day.loc["1m-context", "rpm_headroom"] == -0.5
    assert day.loc["1m-context", "rate_limits_from"] == "models.1"
