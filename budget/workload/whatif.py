"""What-if grids: the scenario with some settings varied, each variant against the baseline.

``--vary KEY=V1,V2`` (repeatable) names a scenario key (dotted, as in the YAML, or a short
alias such as ``cache_share`` or ``calls_per_day``) and the values to try; the grid is every
combination. The scenario is read once; each variant is a copy of its values with those put
in before checking, so a bad value fails the same way a bad file does, naming
``--vary KEY=VALUE``. Variants are
compared on the horizon total against the baseline (the file as written, its first model).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd
import yaml

from budget.gate import GATE_COLUMNS, Budget, chosen_budget, gate_columns, judge
from budget.workload.draws import PoolReader
from budget.workload.portfolio import model_bill
from budget.workload.projection import Projection, project
from budget.workload.results import ModelProjection
from budget.workload.scenario import (
    CACHE_KEYS,
    CONVERSATION_KEYS,
    LIMIT_KEYS,
    TOOL_KEYS,
    TRAFFIC_KEYS,
    Scenario,
    check_scenario,
    moved_start,
    scenario_document,
)
from budget.workload.table import MONEY, PER_CALL, exact, period_usd, periods, with_float_money
from budget.workload.warnings import (
    capped_input_note,
    cut_replies_note,
    estimated_counts_note,
    lifecycle_note,
    over_limits_note,
    price_change_notes,
)
from pricing.catalog import Catalog, load_catalog
from pricing.errors import InputError
from pricing.yamlfile import Document, did_you_mean, read_value

# Short names accepted by --vary, mapped to their place in the YAML.
VARY_ALIASES = {
    "cache_share": "cache.read_share",
    "cache_read_share": "cache.read_share",
    "cache_write_share": "cache.write_share",
    "calls_per_day": "traffic.calls_per_day",
    "calls_per_month": "traffic.calls_per_month",
    "traffic": "traffic.calls_per_day",
    "monthly_growth": "traffic.monthly_growth",
    "growth": "traffic.monthly_growth",
    "peak_factor": "traffic.peak_factor",
    "input": "input_tokens",
    "output": "output_tokens",
    "rpm": "rate_limits.rpm",
    "tpm": "rate_limits.tpm",
    "input_tpm": "rate_limits.input_tpm",
    "output_tpm": "rate_limits.output_tpm",
    "conversations_per_day": "traffic.conversations_per_day",
    "conversations_per_month": "traffic.conversations_per_month",
    "turns": "conversation.turns",
    "history": "conversation.history",
    "web_search": "tools.web_search",
    "file_search": "tools.file_search",
}
TOOLS = ("web_search", "file_search")  # tools with published fees (tool_fees.yaml)
VARY_KEYS = tuple(
    sorted(
        set(VARY_ALIASES)
        | {"model", "variant", "batch_share", "max_tokens", "on_truncation", "horizon_months"}
        | {"seed", "start"}
        | {"input_tokens", "output_tokens", "simulated_calls"}
        | {f"cache.{k}" for k in CACHE_KEYS}
        | {f"traffic.{k}" for k in TRAFFIC_KEYS}
        | {f"rate_limits.{k}" for k in LIMIT_KEYS}
        | {f"conversation.{k}" for k in CONVERSATION_KEYS}
        | {f"tools.{tool}" for tool in TOOLS}
        | {f"tools.{tool}.{k}" for tool in TOOLS for k in TOOL_KEYS}
    )
)
# A provider block's limit (rate_limits.anthropic.output_tpm); the provider is checked with
# the scenario, against the catalog.
PROVIDER_LIMIT = re.compile(r"rate_limits\.[a-z0-9_-]+\.(" + "|".join(LIMIT_KEYS) + ")")


@dataclass(frozen=True)
class Vary:
    key: str  # canonical dotted key
    given: str  # as the user wrote it
    values: tuple[str, ...]


@dataclass(frozen=True)
class WhatIf:
    scenario: str
    keys: tuple[str, ...]
    exact_table: pd.DataFrame  # cheapest first, money as exact Decimals; see COLUMNS
    baseline_usd: Decimal
    warnings: tuple[str, ...] = ()  # capped inputs, peaks over the rate limits, cut log replies
    input_files: tuple[Path, ...] = ()  # read by the scenario and its variations
    start: dt.date | None = None  # month 1 of every projection: the scenario's start, or at
    budget: Budget | None = None  # the gate: each row says whether a month goes over it

    @property
    def table(self) -> pd.DataFrame:
        """The grid with money as float USD and ``total_usd_exact`` (Decimal) alongside; as
        :attr:`budget.workload.projection.Projection.table`."""
        return with_float_money(self.exact_table)

    def records(self) -> list[dict]:
        """The rows for JSON, varied values typed (``0.5`` a number, ``{fixed: 50}`` text)."""
        rows = self.exact_table.to_dict(orient="records")
        return [{k: typed(v) if k in self.keys else v for k, v in row.items()} for row in rows]


COLUMNS = (
    "scenario",
    "model",
    "variant",
    "max_tokens",
    "horizon_months",
    "calls",
    "month_1_usd",
    "total_usd",
    "continuation_usd",
    "per_call_usd",
    "p95_per_call_usd",
    "truncation_rate",
    "peak_tpm",
    "binding_limit",
    "sustainable_rpm",
    "fits_rate_limits",
    "diff_usd",
    "diff_pct",
    "baseline",
    "per_conversation_usd",  # conversation scenarios (issue #14); appended: positions hold
    "input_tokens_exact",
    "output_tokens_exact",
    "tokenizer",
    "max_tokens_source",  # which number `max_tokens: plan` chose is said, not guessed
)


def parse_vary(option: str) -> Vary:
    """``KEY=V1,V2,...``; commas inside ``{...}`` or ``[...]`` do not split values."""
    if "=" not in option:
        raise InputError(f"--vary {option}: expected KEY=VALUE1,VALUE2,...")
    given, _, text = option.partition("=")
    given = given.strip()
    if given not in VARY_KEYS and not PROVIDER_LIMIT.fullmatch(given):
        raise InputError(f"--vary {given}: unknown key{did_you_mean(given, VARY_KEYS)}")
    values, depth, current = [], 0, ""
    for char in text:
        depth += (char in "[{") - (char in "]}")
        if char == "," and depth == 0:
            values.append(current.strip())
            current = ""
        else:
            current += char
    values.append(current.strip())
    if any(not v for v in values):
        raise InputError(f"--vary {option}: empty value in the list")
    return Vary(VARY_ALIASES.get(given, given), given, tuple(values))


RATES = ("calls_per_day", "calls_per_month", "conversations_per_day", "conversations_per_month")


def _editor(assignments: list[tuple[Vary, str]]):
    keys = {vary.key for vary, _ in assignments}

    def edit(doc: Document) -> None:
        if "model" in keys:
            doc.data.pop("models", None)
            if "variant" not in keys:
                doc.data.pop("variant", None)
        for vary, text in assignments:
            label = f"--vary {vary.given}={text}"
            parts = tuple(vary.key.split("."))
            factor = relative(text, label)
            if factor is not None:
                parts, value = _scaled(doc, parts, factor, label)
            else:
                value = read_value(text, label)
            if parts == ("variant",) and "models" in doc.data:
                raise InputError(f"{label}: vary variant with a single `model:`, not `models:`")
            if parts[0] == "traffic" and parts[1] in RATES:
                traffic = doc.data.get("traffic")
                if isinstance(traffic, dict):
                    for rate in RATES:
                        traffic.pop(rate, None)
            doc.set(parts, value, label)

    return edit


_RELATIVE = re.compile(r"[x×*]\s*(?P<factor>\d+(?:\.\d+)?|\.\d+)", re.IGNORECASE)
MAX_FACTOR = 10**6  # x1000000: past any what-if a plan asks; bounds the scaled numbers


def relative(text: str, label: str) -> float | None:
    """The factor of a relative value (`x2`, `x0.5`, `*1.5`), or None for a plain value."""
    match = _RELATIVE.fullmatch(text.strip())
    if match is None:
        return None
    factor = float(match["factor"])
    if factor > MAX_FACTOR:
        raise InputError(f"{label}: expected a factor from 0 to {MAX_FACTOR:,}")
    return factor


def _scaled(
    doc: Document, parts: tuple[str, ...], factor: float, label: str
) -> tuple[tuple[str, ...], object]:
    """The file's value at ``parts`` times ``factor`` (each number of a distribution;
    counts stay whole). A traffic rate scales the rate the file gives, in its own unit
    (`calls_per_day=x2` doubles a file's `calls_per_month`)."""
    if parts[0] == "traffic" and parts[1] in RATES:
        traffic = doc.data.get("traffic")
        given = [r for r in RATES if isinstance(traffic, dict) and r in traffic]
        if given:
            parts = ("traffic", given[0])
    current = _lookup(doc.data, ".".join(parts))
    if current is _MISSING:
        raise InputError(f"{label}: the scenario sets no {'.'.join(parts)} to scale")

    def scale(value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, (int, float, dict)):
            raise InputError(f"{label}: {'.'.join(parts)} is not a number to scale: {value!r}")
        if isinstance(value, dict):
            return {k: scale(v) if isinstance(v, (int, float)) else v for k, v in value.items()}
        scaled = value * factor
        return round(scaled) if isinstance(value, int) else scaled

    return parts, scale(current)


def what_if(
    path: str | Path,
    varies: Iterable[Vary | str],
    catalog: Catalog | None = None,
    at: dt.date | None = None,
    start: dt.date | None = None,
    fail_above: Budget | None = None,
) -> WhatIf:
    """Project the baseline and every combination of the varied values. Month 1 is
    ``start`` if given (over the file's `start:`, under a varied start), else the file's,
    else ``at``. ``varies`` may be written as on the command line (``"calls_per_day=1000,2000"``);
    ``catalog`` defaults to the bundled one. With ``fail_above`` (else the file's
    ``budget: {monthly_usd}``) each row says whether a month of its bill goes over
    (:data:`budget.gate.GATE_COLUMNS`)."""
    varies = [parse_vary(v) if isinstance(v, str) else v for v in varies]
    catalog = catalog or load_catalog()
    document = scenario_document(path)  # read once: the grid varies values, not files
    baseline = check_scenario(document, path)
    budget = chosen_budget(
        fail_above, baseline.monthly_budget_usd, baseline.locate("budget.monthly_usd")
    )
    if any(vary.key == "start" for vary in varies):
        start = None  # the grid's own starts decide
    notes: dict[str, None] = {}  # warnings in order, each once
    moved = moved_start(start, baseline.start)
    if moved:
        notes[moved] = None
    if start is not None:
        baseline = dataclasses.replace(baseline, start=start)
    reader = PoolReader()  # prompt files, samples and logs: read once for the whole grid
    base_projection = project(baseline, catalog, reader=reader, bands=False, at=at)
    base = base_projection.models[0]
    base_total = _summary(baseline, base)["total_usd"]
    rows, baseline_index = [], None
    files = dict.fromkeys(baseline.input_files())
    for combination in itertools.product(*(vary.values for vary in varies)):
        assignments = list(zip(varies, combination, strict=True))
        scenario = check_scenario(document, path, edit=_editor(assignments))
        if start is not None:
            scenario = dataclasses.replace(scenario, start=start)
        files.update(dict.fromkeys(scenario.input_files()))
        projection = project(scenario, catalog, reader=reader, bands=False, at=at)
        where = ", ".join(f"{vary.given}={value}" for vary, value in assignments)
        _collect(notes, projection, projection.models, where)
        for item in projection.models:
            row = {vary.given: value for vary, value in assignments}
            row.update(_summary(scenario, item))
            row.update(_gate(budget, scenario, item, projection.start))
            # A combination that reproduces the file as written is the baseline itself.
            same_settings = dataclasses.replace(scenario, models=baseline.models) == baseline
            if baseline_index is None and same_settings and item.model == base.model:
                baseline_index = len(rows)
            rows.append(row)
    keys = tuple(dict.fromkeys(vary.given for vary in varies))
    base_cells = {
        _cell_key(item): _result(_summary(baseline, item)) for item in base_projection.models
    }
    for vary in _inert(varies, rows, base_cells):
        notes[_inert_note(vary, document)] = None
    if baseline_index is None:
        _collect(notes, base_projection, (base,), "baseline")
        base_row = {vary.given: _baseline_value(document, baseline, vary) for vary in varies}
        base_row.update(_summary(baseline, base))
        base_row.update(_gate(budget, baseline, base, base_projection.start))
        baseline_index = len(rows)
        rows.append(base_row)
    table = pd.DataFrame(rows)
    table["baseline"] = [i == baseline_index for i in range(len(rows))]
    table["diff_usd"] = [(r["total_usd"] - base_total).quantize(MONEY) for r in rows]
    table["diff_pct"] = [
        round(float((r["total_usd"] - base_total) / base_total * 100), 2) if base_total else None
        for r in rows
    ]
    order = sorted(range(len(rows)), key=lambda i: (rows[i]["total_usd"], not table["baseline"][i]))
    table = table.iloc[order].reset_index(drop=True)
    columns = ["scenario", *[k for k in keys if k not in COLUMNS]]
    columns += [c for c in COLUMNS if c != "scenario"]
    columns += list(GATE_COLUMNS) if budget else []
    return WhatIf(
        baseline.name,
        keys,
        table[columns],
        base_total,
        tuple(notes),
        tuple(files),
        base_projection.start,
        budget,
    )


def _gate(
    budget: Budget | None, scenario: Scenario, item: ModelProjection, start: dt.date | None
) -> dict:
    """A cell's bill month by month against the budget (nothing without one)."""
    if budget is None:
        return {}
    return gate_columns(judge(item.model.id, model_bill(scenario, item, start), budget))


_CHANGES_MODELS = {"model", "variant"}  # rows of other models: never compared as one cell


def _cell_key(item: ModelProjection) -> tuple[str, str]:
    return item.model.id, item.model.variant or ""


def _result(row: dict) -> tuple:
    """What a row says, without the settings that name it."""
    return tuple(row[c] for c in COLUMNS if c in row and c != "scenario")


def _inert(varies: list[Vary], rows: list[dict], base_cells: dict) -> list[Vary]:
    """The varied keys that changed no figure of any row: each model's rows that differ only
    in that key say the same. With one key varied, the baseline's row is compared too; a key
    given one value beside other varied keys has nothing to be compared with."""
    inert = []
    for vary in varies:
        others = [v.given for v in varies if v is not vary]
        if vary.key in _CHANGES_MODELS or vary.key == "seed" or (others and len(vary.values) < 2):
            continue
        seen: dict[tuple, set] = {}
        for row in rows:
            cell = (row["model"], row["variant"])
            results = seen.setdefault((cell, *(row[k] for k in others)), set())
            results.add(_result(row))
            if not others and cell in base_cells:
                results.add(base_cells[cell])
        if seen and all(len(results) == 1 for results in seen.values()):
            inert.append(vary)
    return inert


def _inert_note(vary: Vary, document: Document) -> str:
    values = ",".join(vary.values)
    note = f"--vary {vary.given}={values} changed no figure of any row"
    limits = document.data.get("rate_limits") if isinstance(document.data, dict) else None
    blocks = (
        [k for k, v in limits.items() if isinstance(v, dict)] if isinstance(limits, dict) else []
    )
    flat = vary.key.removeprefix("rate_limits.")
    if blocks and flat in LIMIT_KEYS:
        example = f"rate_limits.{blocks[0]}.{flat}"
        note += (
            f": the scenario sets rate limits per provider ({', '.join(blocks)}), which take "
            f"precedence over a flat {flat}; vary {example}=... instead"
        )
    else:
        note += ": does this scenario use it?"
    return note


def _collect(
    notes: dict[str, None], projection: Projection, items: Iterable[ModelProjection], where: str
) -> None:
    """Warnings for the rows of one combination (``where``: its varied values)."""
    cut = cut_replies_note(projection)
    if cut:
        notes[cut] = None
    for item in items:
        estimated = estimated_counts_note(item)
        if estimated:
            notes[estimated] = None
        capped = capped_input_note(item)
        if capped:
            notes[capped] = None
        over = over_limits_note(projection.scenario, item)
        if over:
            notes[f"{where}: {over}"] = None
        # the same model and dates give the same note in every combination: said once
        for note in (lifecycle_note(projection, item), *price_change_notes(projection, item)):
            if note:
                notes[note] = None


_MISSING = object()
# What an unset key means, as the scenario checker fills it in (text for the grid).
_DEFAULTS = {
    "max_tokens": "model maximum",
    "variant": "none",
    "start": "--at (default today)",
    **{f"rate_limits.{key}": "none" for key in LIMIT_KEYS},
    "conversation.history": "full",
    "conversation.cache": "auto",
    "conversation.gap_seconds": "60",
    **{f"tools.{tool}": "0" for tool in TOOLS},
    **{f"tools.{tool}.share": "0" for tool in TOOLS},
    **{f"tools.{tool}.per_call": "1" for tool in TOOLS},
}


def _baseline_value(document: Document, scenario: Scenario, vary: Vary) -> str:
    """The baseline's setting for a varied key, written as in the YAML: the file's value, the
    other way the file gives the traffic (``calls_per_day 40000``), or the default in effect."""
    value = _lookup(document.data, vary.key)
    if value is not _MISSING:
        return yaml_text(value)
    traffic = ("traffic.calls_per_day", "traffic.calls_per_month")
    if vary.key in traffic:
        other = traffic[1 - traffic.index(vary.key)]
        given = _lookup(document.data, other)
        if given is not _MISSING:
            return f"{other.split('.')[1]} {yaml_text(given)}"
    if vary.key == "model":
        return scenario.models[0].name
    if vary.key in _DEFAULTS or PROVIDER_LIMIT.fullmatch(vary.key):
        return _DEFAULTS.get(vary.key, "none")
    effective = scenario
    for part in vary.key.replace("cache.", "cache_").split("."):
        effective = getattr(effective, part, _MISSING)  # cache.read_share: cache_read_share
    return "(default)" if effective is _MISSING else yaml_text(effective)


def _lookup(data: object, key: str) -> object:
    for part in key.split("."):
        if not isinstance(data, dict) or part not in data:
            return _MISSING
        data = data[part]
    return data


def yaml_text(value: object) -> str:
    """A value as a user writes it in YAML: ``{p50: 220, p95: 700}``, ``0.7``, ``0``."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = yaml.safe_dump(_plain(value), default_flow_style=True, sort_keys=False, width=10**6)
    return text.strip().removesuffix("...").strip()


def _plain(value: object) -> object:
    """Mappings read with positions (:class:`pricing.yamlfile.LineDict`) as plain dicts."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def typed(text: object) -> object:
    """A varied value for JSON: a number where the text is one, else the text."""
    if not isinstance(text, str):
        return text
    for kind in (int, float):
        try:
            number = kind(text)
        except ValueError:
            continue
        return number if math.isfinite(number) else text
    return text


def _summary(scenario: Scenario, item: ModelProjection) -> dict:
    spans = periods(scenario, item.calls_per_unit)
    first, total = spans[1], spans[-1]  # month 1 and the horizon
    # month 1 at its prices; continuations of cut replies included
    month_1 = period_usd(item, first) + period_usd(item, first, continuation=True)
    horizon = period_usd(item, total) + period_usd(item, total, continuation=True)
    # the horizon's mean, on the same calls as total_usd and p95_per_call_usd (month 1's
    # differs where prices change inside the horizon)
    mean = horizon / exact(total.exact_calls)
    load = item.capacity(total.calls_per_day, scenario.traffic.peak_factor)
    return {
        "scenario": scenario.name,
        "model": item.model.id,
        "variant": item.model.variant or "",
        "max_tokens": item.max_tokens,
        "max_tokens_source": item.max_tokens_source,  # scenario | plan | model maximum
        "horizon_months": scenario.horizon_months,
        "calls": total.calls,
        "month_1_usd": month_1.quantize(MONEY),
        "total_usd": horizon.quantize(MONEY),
        "continuation_usd": period_usd(item, total, continuation=True).quantize(MONEY),
        "per_call_usd": mean.quantize(PER_CALL),
        # the horizon's calls, each at the prices of its day (as the report's total row)
        "p95_per_call_usd": item.per_call_percentiles(total.name)[1].quantize(PER_CALL),
        "truncation_rate": round(item.truncation_rate, 6),
        "peak_tpm": round(load.peak_tpm),
        "binding_limit": load.binding_limit or "",
        "sustainable_rpm": None if load.sustainable_rpm is None else round(load.sustainable_rpm, 2),
        "fits_rate_limits": load.fits if load.checks else None,
        "per_conversation_usd": None
        if item.conversation is None
        else item.conversation.per_conversation_usd.quantize(PER_CALL),
        "input_tokens_exact": item.counting.input_exact,
        "output_tokens_exact": item.counting.output_exact,
        "tokenizer": item.counting.tokenizer,
    }
