"""Model catalog (limits and prices, data under ``pricing/data``) and the pricing engine."""

from pricing.catalog import Catalog, Model, Prices, Tier, load_catalog
from pricing.engine import CostBreakdown, Usage, cost
from pricing.errors import InputError, UnknownModelError

__all__ = [
    "Catalog",
    "CostBreakdown",
    "InputError",
    "Model",
    "Prices",
    "Tier",
    "UnknownModelError",
    "Usage",
    "cost",
    "load_catalog",
]
