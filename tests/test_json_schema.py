"""The file formats' JSON Schemas are the one source: every file we ship validates against
them, a file the checkers refuse for a key, type, allowed value or bound is refused by the
schema too, and the checkers' tables are the schemas' own.

`jsonschema` (PyPI) is a test dependency only: the checkers read the schemas' tables through
pricing/formats.py and keep their own file:line:column errors.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from budget.planner.truncation import ON_TRUNCATION
from budget.workload import scenario as scenario_module
from budget.workload.scenario import load_scenario
from pricing.catalog import DATA_DIR, load_catalog
from pricing.engine import MAX_CALL_TOKENS
from pricing.errors import InputError
from pricing.formats import CATALOG_SCHEMA, catalog_format

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_SCHEMA = scenario_module.SCHEMA
FIXTURES = sorted((ROOT / "tests/fixtures").rglob("*.yaml"))


def _is_scenario(path: Path) -> bool:
    """A fixture with a `traffic:` key is a scenario (e.g. one `budget fit` wrote)."""
    return any(line.startswith("traffic:") for line in path.read_text().splitlines())


CATALOG_FILES = sorted(DATA_DIR.glob("*.yaml")) + [p for p in FIXTURES if not _is_scenario(p)]
SCENARIO_FILES = sorted((ROOT / "reports").glob("*.yaml")) + [
    p for p in FIXTURES if _is_scenario(p)
]


def plain(value):
    """YAML as an editor's language server sees it: dates are strings (YAML 1.2)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def validator(path: Path) -> jsonschema.Draft202012Validator:
    schema = json.loads(path.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def problems(schema_path: Path, text: str) -> list[str]:
    found = validator(schema_path).iter_errors(plain(yaml.safe_load(text)))
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in found]


def test_the_schemas_are_draft_2020_12_and_shipped_as_package_data():
    for path in (CATALOG_SCHEMA, SCENARIO_SCHEMA):
        schema = json.loads(path.read_text())
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        validator(path)
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"data/*.schema.json"' in pyproject and '"workload/*.schema.json"' in pyproject


@pytest.mark.parametrize("path", CATALOG_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_catalog_file_validates(path):
    assert problems(CATALOG_SCHEMA, path.read_text()) == []


def docs_scenarios() -> list[str]:
    """The ```yaml blocks of docs/scenarios.md that are scenarios (they have traffic)."""
    text = (ROOT / "docs/scenarios.md").read_text()
    return [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "traffic:" in b]


def scenario_texts() -> dict[str, str]:
    texts = {str(p.relative_to(ROOT)): p.read_text() for p in SCENARIO_FILES}
    for number, block in enumerate(docs_scenarios()):
        texts[f"docs/scenarios.md yaml {number}"] = block
    return texts


@pytest.mark.parametrize("name", scenario_texts())
def test_every_scenario_we_ship_validates(name):
    assert len(SCENARIO_FILES) >= 5 and len(docs_scenarios()) >= 2
    document = plain(yaml.safe_load(scenario_texts()[name]))
    if name.startswith("docs/"):  # the page's fragments show a few keys: the rest as required
        document.setdefault("model", "gpt-5.4-mini")
        if "conversation" not in document:
            document.setdefault("input_tokens", 1000)
    assert list(validator(SCENARIO_SCHEMA).iter_errors(document)) == []


# --- files the checker refuses for a key, type, allowed value or bound ------------------------

SCENARIO = """\
name: support-bot
model: acme-chat
start: 2026-11-25
traffic:
  calls_per_day: 14400
  monthly_growth: 0.05
  peak_factor: 2
input_tokens: {p50: 1000, p95: 3000}
output_tokens: {fixed: 400}
cache: {read_share: 0.5, write_share: 0.1, write_ttl: 1h}
batch_share: 0.25
max_tokens: 800
on_truncation: continue
rate_limits: {rpm: 500, tpm: 200000}
horizon_months: 6
seed: 3
simulated_calls: 5000
tools: {web_search: {share: 0.3, per_call: 2}}
embeddings: {model: text-embedding-3-small, corpus_tokens: 1000, corpus_batch: true}
"""
CONVERSATION = """\
model: acme-chat
traffic: {conversations_per_day: 800}
conversation:
  turns: {p50: 4, p95: 12}
  system_tokens: 3000
  user_tokens: 80
  history: last 4
  cache: auto
output_tokens: 200
"""
BAD_SCENARIOS = [
    # (base, (old, new), the checker's message starts with)
    (SCENARIO, ("seed: 3", "horizon: 3"), "s.yaml:16:1: horizon: unknown key"),
    (SCENARIO, ("monthly_growth", "monthly_grwth"), "s.yaml:6:3: traffic.monthly_grwth: unknown"),
    (SCENARIO, ("{fixed: 400}", "{median: 4}"), "s.yaml:9:17: output_tokens.median: unknown key"),
    (SCENARIO, ("{fixed: 400}", "{prompt_files: [a.txt]}"), "s.yaml:9:17: output_tokens.prompt"),
    (SCENARIO, ("write_ttl: 1h", "write_ttl: 2h"), "s.yaml:10:55: cache.write_ttl: expected 5m"),
    (SCENARIO, ("read_share: 0.5,", "ttl: 1h, read_share: 0.5,"), "s.yaml:10:14: cache.ttl: goes"),
    (SCENARIO, ("on_truncation: continue", "on_truncation: twice"), "s.yaml:13:16: on_truncation"),
    (SCENARIO, ("max_tokens: 800", "max_tokens: lots"), "s.yaml:12:13: max_tokens: expected a"),
    (SCENARIO, ("max_tokens: 800", "max_tokens: 0"), "s.yaml:12:13: max_tokens: must be >= 1"),
    (SCENARIO, ("horizon_months: 6", "horizon_months: 2.5"), "s.yaml:15:17: horizon_months"),
    (SCENARIO, ("horizon_months: 6", "horizon_months: 121"), "s.yaml:15:17: horizon_months"),
    (SCENARIO, ("seed: 3", "seed: -1"), "s.yaml:16:7: seed: must be >= 0"),
    (SCENARIO, ("simulated_calls: 5000", "simulated_calls: 0"), "s.yaml:17:18: simulated_calls"),
    (SCENARIO, ("batch_share: 0.25", "batch_share: 1.5"), "s.yaml:11:14: batch_share: must be"),
    (SCENARIO, ("peak_factor: 2", "peak_factor: 0.5"), "s.yaml:7:16: traffic.peak_factor"),
    (SCENARIO, ("growth: 0.05", "growth: -1"), "s.yaml:6:19: traffic.monthly_growth: must be >"),
    (SCENARIO, ("calls_per_day: 14400", "calls_per_day: -5"), "s.yaml:5:18: traffic.calls_per"),
    (SCENARIO, ("14400", "14400\n  calls_per_month: 9"), "s.yaml:5:3: traffic: give exactly one"),
    (
        SCENARIO,
        ("{p50: 1000, p95: 3000}", "{p50: 0, p95: 3000}"),
        "s.yaml:8:21: input_tokens.p50: must be > 0",
    ),
    (SCENARIO, ("{p50: 1000, p95: 3000}", "{p50: 1000}"), "s.yaml:8:15: input_tokens: a distr"),
    (SCENARIO, ("{p50: 1000, p95: 3000}", "-3"), "s.yaml:8:15: input_tokens: must be >= 0"),
    (SCENARIO, ("{p50: 1000, p95: 3000}", "1.5"), "s.yaml:8:15: input_tokens: expected a whole"),
    (SCENARIO, ("tpm: 200000", "tpm: -1"), "s.yaml:14:30: rate_limits.tpm: must be > 0"),
    (SCENARIO, ("tpm: 200000", "tmp: 2"), "s.yaml:14:25: rate_limits.tmp: unknown key"),
    (SCENARIO, ("tpm: 200000", "openai: {rpn: 2}"), "s.yaml:14:34: rate_limits.openai.rpn: unkn"),
    (SCENARIO, ("model: acme-chat", "models: []"), "s.yaml:2:9: models: expected a non-empty"),
    (SCENARIO, ("model: acme-chat", "models: [{name: a, size: 2}]"), "s.yaml:2:20: models.0.size"),
    (SCENARIO, ("model: acme-chat", "models: [{variant: x}]"), "s.yaml:2:10: models.0: name: req"),
    (SCENARIO, ("start: 2026-11-25", "start: tomorrow"), "s.yaml:3:8: start: expected a date"),
    (SCENARIO, ("share: 0.3, per_call: 2", "share: 0.3, uses: 2"), "s.yaml:18:34: tools.web_sea"),
    (SCENARIO, ("per_call: 2", "per_call: 0"), "s.yaml:18:44: tools.web_search.per_call: must"),
    (SCENARIO, ("corpus_batch: true", "corpus_batch: maybe"), "s.yaml:19:80: embeddings.corpus"),
    (SCENARIO, ("corpus_tokens: 1000", "corpus_tokens: -1"), "s.yaml:19:60: embeddings.corpus_t"),
    (SCENARIO, ("corpus_tokens: 1000", "corpus_tokns: 1"), "s.yaml:19:45: embeddings.corpus_tok"),
    (SCENARIO, ("embeddings: {model: text-embedding-3-small,", "embeddings: {"), "s.yaml:19:13:"),
    (SCENARIO, ("14400", "{low: 1, expected: 2}"), "s.yaml:5:18: traffic.calls_per_day: a range"),
    (SCENARIO, ("14400", "{low: 1, expected: 2, hi: 3}"), "s.yaml:5:40: traffic.calls_per_day.hi"),
    (
        SCENARIO,
        ("corpus_tokens: 1000", "corpus_size: lots"),
        "s.yaml:19:58: embeddings.corpus_size: expected a size",
    ),
    (SCENARIO, ("corpus_tokens: 1000", "corpus_size: 2 GB, bytes_per_token: 100"), "s.yaml:19:"),
    (
        SCENARIO,
        ("corpus_tokens: 1000", "bytes_per_token: 3"),
        "s.yaml:19:62: embeddings.bytes_per_token: goes with",
    ),
    (CONVERSATION, ("system_tokens: 3000", "system_tokens: {prompt: a.txt}"), "s.yaml:5:19:"),
    (SCENARIO, ("model: acme-chat", "model: a\nmodels: [b]"), "s.yaml:3:9: models: give either"),
    (SCENARIO, ("model: acme-chat\n", ""), "s.yaml:1:1: model: required (or models: [a, b])"),
    (SCENARIO, ("model: acme-chat", "models: [a]\nvariant: x"), "s.yaml:3:10: variant: goes with"),
    (
        SCENARIO,
        ("input_tokens: {p50: 1000, p95: 3000}\n", ""),
        "s.yaml:1:1: input_tokens: required",
    ),
    (CONVERSATION, ("output_tokens: 200", "output_tokens: 200\ninput_tokens: 9"), "s.yaml:10:15:"),
    (CONVERSATION, ("cache: auto", "cache: sometimes"), "s.yaml:8:10: conversation.cache: expec"),
    (CONVERSATION, ("history: last 4", "history: most"), "s.yaml:7:12: conversation.history:"),
    (CONVERSATION, ("history: last 4", "history: {last: 0}"), "s.yaml:7:19: conversation.hist"),
    (CONVERSATION, ("history: last 4", "history: {first: 2}"), "s.yaml:7:13: conversation.hist"),
    (CONVERSATION, ("  cache: auto\n", "  gap_seconds: -1\n"), "s.yaml:8:16: conversation.gap_s"),
    (CONVERSATION, ("  cache: auto\n", "  tone: warm\n"), "s.yaml:8:3: conversation.tone: unknown"),
    (CONVERSATION, ("  user_tokens: 80\n", ""), "s.yaml:4:3: conversation: user_tokens: required"),
    (
        CONVERSATION,
        ("user_tokens: 80", "user_tokens: {samples: x.txt}"),
        "s.yaml:6:17: conversation.user_tokens.samples",
    ),
]


@pytest.mark.parametrize(("base", "change", "expected"), BAD_SCENARIOS)
def test_a_scenario_the_checker_refuses_the_schema_refuses(tmp_path, base, change, expected):
    assert base.count(change[0]) == 1, change
    text = base.replace(*change)
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        load_scenario(path, name="s.yaml")
    assert str(caught.value).startswith(expected), str(caught.value)
    assert problems(SCENARIO_SCHEMA, text), f"the schema accepts what the checker refused: {text}"


def test_the_scenarios_bad_cases_start_from_files_both_accept(tmp_path):
    for text in (SCENARIO, CONVERSATION):
        path = tmp_path / "s.yaml"
        path.write_text(text)
        load_scenario(path)
        assert problems(SCENARIO_SCHEMA, text) == []


HEADER = "provider: acme\nsource: https://example.invalid/prices\nas_of: 2026-11-01\nmodels:\n"
MODEL = """\
  - id: m1
    name: M1
    context_window: 1000
    max_output_tokens: 100
    tokenizer: estimate:generic
    reasoning: false
    kind: chat
    output_param: max_tokens
    prices: {input: 1, output: 2}
    service_tiers:
      flex: {input: 0.5, output: 1, when_utc: [{days: [sat, sun]}]}
    variants:
      - {name: big, context_window: 2000}
    price_periods:
      - {until: 2026-01-01, prices: {input: 2, output: 4}, source: https://example.invalid/old}
    fine_tuned: {prices: {input: 3, output: 6}}
    text_rate_modalities: [image]
    batch_full_price: [cache_read]
"""
BAD_CATALOGS = [
    # ((old, new), the checker's message contains)
    (("context_window: 1000", "context_window: -5"), "field 'context_window': expected a positive"),
    (("context_window: 1000", "context_window: lots"), "field 'context_window'"),
    (("context_window: 1000", "context_window: 2000000000"), "'context_window': expected at most"),
    (("{input: 1, output: 2}", "{input: 1}"), "field 'prices.output'"),
    (("{input: 1, output: 2}", "{input: -1, output: 2}"), "'prices.input': expected a price >= 0"),
    (("{input: 1, output: 2}", "{input: 200000, output: 2}"), "'prices.input': expected at most"),
    (("{input: 1, output: 2}", "{input: 1, output: 2, cache_reed: 1}"), "prices.cache_reed"),
    (("estimate:generic", "sentencepiece"), "field 'tokenizer'"),
    (("name: M1", "name: M1\n    contxt: 5"), "field 'contxt'"),
    (("[cache_read]", "[cache_reed]"), "field 'batch_full_price'"),
    (("kind: chat", "kind: image"), "field 'kind': expected chat | embedding"),
    (("output_param: max_tokens", "output_param: max_tokenz"), "field 'output_param'"),
    (("reasoning: false", "reasoning: maybe"), "field 'reasoning': expected true or false"),
    (("[image]", "[smell]"), "field 'text_rate_modalities'"),
    (("[sat, sun]", "[sat, funday]"), "field 'service_tiers.flex.when_utc.days'"),
    (("{days: [sat, sun]}", "{days: [sat], hours: [noon]}"), "'service_tiers.flex.when_utc.hours'"),
    (("{name: big, context_window: 2000}", "{name: big, colour: red}"), "field 'variants[0].colo"),
    (("source: https://example.invalid/old}", "source: x, cost: 1}"), "'price_periods[0].cost'"),
    (
        ("{prices: {input: 3, output: 6}}", "{prices: {input: 3, output: 6}, x: 1}"),
        "'fine_tuned.x'",
    ),
    (("batch_full_price: [cache_read]\n", "batch_discount: 1\n"), "field 'batch_discount'"),
    (("as_of: 2026-11-01\n", "as_of: 2026-11-01\ncurrency: EUR\n"), "unknown top-level field"),
]


@pytest.mark.parametrize(("change", "expected"), BAD_CATALOGS)
def test_a_catalog_the_checker_refuses_the_schema_refuses(tmp_path, change, expected):
    text = HEADER + MODEL
    assert text.count(change[0]) == 1, change
    text = text.replace(*change)
    path = tmp_path / "user.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=re.escape(expected)):
        load_catalog([str(path)])
    assert problems(CATALOG_SCHEMA, text), f"the schema accepts what the checker refused: {text}"


def test_the_catalogs_bad_cases_start_from_a_file_both_accept(tmp_path):
    path = tmp_path / "user.yaml"
    path.write_text(HEADER + MODEL)
    assert load_catalog([str(path)]).resolve("m1").variant_specs[0].name == "big"
    assert problems(CATALOG_SCHEMA, HEADER + MODEL) == []


# --- the checkers' tables are the schemas' ----------------------------------------------------


def test_the_scenario_checker_reads_its_tables_from_the_schema():
    schema = json.loads(SCENARIO_SCHEMA.read_text())
    assert tuple(schema["properties"]) == scenario_module.TOP_KEYS
    assert scenario_module.LIMIT_KEYS == ("rpm", "tpm", "input_tpm", "output_tpm")
    assert scenario_module.INPUT_FORMS == ("fixed", "p50", "p95", "prompt_files")
    assert scenario_module.MAX_SIMULATED_CALLS == 1_000_000_000
    # the planner's own list and the engine's bound agree with the schema
    assert tuple(schema["properties"]["on_truncation"]["enum"]) == ON_TRUNCATION
    assert schema["$defs"]["token_count"]["maximum"] == MAX_CALL_TOKENS


def test_the_catalog_checker_reads_its_tables_from_the_schema():
    from pricing.schema import tables

    schema = json.loads(CATALOG_SCHEMA.read_text())
    assert tables().price_fields == tuple(schema["$defs"]["price_fields"]["properties"])
    assert tables().price_fields[:3] == ("input", "output", "cache_read")
    assert tables().model_fields == set(schema["$defs"]["model"]["properties"])
    assert tables().max_tokens == 1_000_000_000
    assert catalog_format().bounds("properties/batch_discount") == {"minimum": 0, "whole": False}


def test_a_warm_catalog_cache_never_reads_the_schema(tmp_path):
    """`budget cost` from the compiled catalog: no schema read, no jsonschema."""
    driver = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('loaded:', 'pricing.formats' in sys.modules,"
        " 'jsonschema' in sys.modules, file=sys.stderr))\n"
        "sys.argv = ['budget', 'cost', '-m', 'gpt-5.2', '--input', '1000', '--output', '200']\n"
        "from budget.cli import main\nmain()\n"
    )
    env = {**os.environ, "TOKEN_BUDGET_CACHE": str(tmp_path), "TOKEN_BUDGET_AT": "2026-11-25"}
    cold = subprocess.run([sys.executable, "-c", driver], capture_output=True, text=True, env=env)
    assert cold.returncode == 0 and "loaded: True False" in cold.stderr  # the YAML was checked
    warm = subprocess.run([sys.executable, "-c", driver], capture_output=True, text=True, env=env)
    assert warm.returncode == 0, warm.stderr
    assert warm.stderr.strip() == "loaded: False False"
    assert warm.stdout == cold.stdout


# --- the reference pages are the schemas' ----------------------------------------------------


def test_the_reference_tables_are_generated_from_the_schemas():
    """docs/gen_reference.py's output is what the pages hold (run it after editing a schema)."""
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import gen_reference
    finally:
        sys.path.remove(str(ROOT / "docs"))
    for page in gen_reference.PAGES:
        assert gen_reference.generated(page) == page.read_text(), "run python docs/gen_reference.py"
    scenarios = (ROOT / "docs/scenarios.md").read_text()
    # every key of the schema has its row, with the schema's own words
    assert "| `traffic.peak_factor` | number >= 1, or range `{low, expected, high}` |" in scenarios
    assert "| `on_truncation` | `continue` or `retry` |" in scenarios
    catalog = (ROOT / "docs/catalog.md").read_text()
    assert "| `kind` | `chat` or `embedding` | chat (default) or embedding" in catalog
