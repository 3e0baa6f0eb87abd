"""Model catalog (limits and prices, data under ``pricing/data``) and the pricing engine.

Names load on first use: ``pricing.errors`` (which every command imports) must not pay for
the catalog's YAML reader, and a price query for nothing it does not use.
"""

from __future__ import annotations

import importlib

# public name -> module that defines it
_EXPORTS = {
    "Catalog": "pricing.catalog",
    "Model": "pricing.catalog",
    "Prices": "pricing.catalog",
    "Tier": "pricing.catalog",
    "load_catalog": "pricing.catalog",
    "CostBreakdown": "pricing.engine",
    "Usage": "pricing.engine",
    "cost": "pricing.engine",
    "InputError": "pricing.errors",
    "UnknownModelError": "pricing.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'pricing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value
