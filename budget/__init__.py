"""token-budget: token counts, limits, costs and max_tokens plans for LLM calls.

The library behind the ``budget`` command. Names load on first use, so importing
``budget`` costs nothing until you reach for the tokenizers or pandas-backed parts.

>>> from budget import load_catalog, cost, Usage
>>> model = load_catalog().resolve("gpt-5.2")
>>> cost(model, Usage(input_tokens=12_000, output_tokens=800)).total_usd
Decimal('0.0322')
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "load_catalog": "pricing.catalog",
    "Catalog": "pricing.catalog",
    "Model": "pricing.catalog",
    "cost": "pricing.engine",
    "Usage": "pricing.engine",
    "CostBreakdown": "pricing.engine",
    "normalize_usage": "pricing.usage",
    "InputError": "pricing.errors",
    "UnknownModelError": "pricing.errors",
    "tokenizer_for": "budget.tokenizers",
    "count_paths": "budget.tokenizers.count",
    "check": "budget.planner.max_tokens",
    "plan": "budget.planner.max_tokens",
    "lint_stops": "budget.planner.stops",
    "load_scenario": "budget.workload.scenario",
    "project": "budget.workload.projection",
    "cost_logs": "budget.usage.price",
    "what_if": "budget.workload.whatif",
    "Vary": "budget.workload.whatif",
    "parse_vary": "budget.workload.whatif",
    "Scenario": "budget.workload.scenario",
    "finance_table": "budget.workload.finance",
    "read_samples": "budget.tokenizers.samples",
}
_RENAMED = {"normalize_usage": "normalize"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'budget' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), _RENAMED.get(name, name))
    globals()[name] = value
    return value
