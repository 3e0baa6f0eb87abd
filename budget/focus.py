"""The bill in finance's own format: FinOps FOCUS rows (columns of FOCUS 1.3, which keeps the
1.2 names it deprecates) that a cost tool or a warehouse already ingests.

One row per day, model and token type (FOCUS ``SkuMeter``: input, cached input, cache write,
output, built-in tools), from a usage log (what was paid: ``budget usage --format focus``) or
a projection (what will be: ``budget report --format focus``, the scenario's first model and
its embedding lines, every row marked ``x_Projected`` and its ``ChargeDescription`` starting
``Projection``). ``BilledCost`` keeps ten decimal places, so a file's rows add up to the
command's own total to the cent. Every column: docs/csv-columns.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

from pricing.dates import add_months

FOCUS_VERSION = "1.3"
COLUMNS = (
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ContractedCost",
    "BillingCurrency",
    "PricingCurrency",
    "BillingAccountId",
    "BillingAccountName",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ChargeCategory",
    "ChargeClass",
    "ChargeFrequency",
    "ChargeDescription",
    "ConsumedQuantity",
    "ConsumedUnit",
    "PricingQuantity",
    "PricingUnit",
    "PricingCategory",
    "ListUnitPrice",
    "ContractedUnitPrice",
    "ServiceCategory",
    "ServiceSubcategory",
    "ServiceName",
    "ServiceProviderName",
    "HostProviderName",
    "InvoiceIssuerName",
    "ProviderName",  # FOCUS 1.2's name for ServiceProviderName (deprecated in 1.3)
    "PublisherName",  # FOCUS 1.2 (deprecated in 1.3)
    "SkuId",
    "SkuPriceId",
    "SkuMeter",
    "SkuPriceDetails",
    "x_Projected",
    "x_Service",
    "x_Model",
    "x_Variant",
    "x_Line",
    "x_PricePeriod",
    "x_TokensExact",
)
TEXT_COLUMNS = ("ChargeDescription", "SkuId", "SkuPriceId", "SkuPriceDetails", "x_Model")
PER_MILLION = Decimal(1_000_000)
PRICING_UNIT = "1000000 Tokens"
PLACES = Decimal("0.0000000001")  # BilledCost to 1e-10 USD: rows add up to the cent
PROVIDERS = {
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "google": "Google",
    "xai": "xAI",
    "deepseek": "DeepSeek",
    "mistral": "Mistral AI",
    "cohere": "Cohere",
    "together": "Together AI",
    "voyage": "Voyage AI",
}
# a cloud that hosts a provider's models invoices them (Bedrock, Vertex AI, Azure OpenAI)
HOSTS = {"bedrock": "Amazon Web Services", "vertex_ai": "Google Cloud", "azure": "Microsoft"}


@dataclass
class Charge:
    """One day of one SKU (model x token type x price), exact."""

    day: dt.date
    provider: str
    model: str
    meter: str  # input | cached input | cache write | output | built-in tools
    variant: str = ""
    host: str = ""
    service: str = ""  # the scenario (projections); empty for logged calls
    line: str = "generation"
    price_period: str = ""
    details: dict = field(default_factory=dict)  # more of the price: batch, service tier
    tokens: Decimal = Decimal(0)
    usd: Decimal = Decimal(0)
    projected: bool = False
    exact: bool = True


def provider_name(provider: str) -> str:
    return PROVIDERS.get(provider, provider)


def focus_row(charge: Charge) -> dict:
    provider = provider_name(charge.provider)
    issuer = HOSTS.get(charge.host, provider) if charge.host else provider
    start = dt.datetime.combine(charge.day, dt.time(), tzinfo=dt.UTC)
    month = charge.day.replace(day=1)
    cost = charge.usd.quantize(PLACES)
    tool = charge.meter == "built-in tools"
    quantity = None if tool else charge.tokens
    pricing_quantity = None if tool else charge.tokens / PER_MILLION
    unit_price = (charge.usd / pricing_quantity).quantize(PLACES) if pricing_quantity else None
    details = {"Model": charge.model, "TokenType": charge.meter}
    if charge.variant:
        details["Variant"] = charge.variant
    details.update(charge.details)
    sku = "/".join(filter(None, (charge.provider, charge.host, charge.model, charge.variant)))
    priced = ",".join(f"{k}={v}" for k, v in charge.details.items())
    what = f"{charge.model} {charge.meter} tokens" if not tool else f"{charge.model} tool fees"
    if charge.line != "generation":
        what = f"{charge.model} {charge.line}"
    description = f"Projection of {charge.service}: {what}" if charge.projected else what
    return {
        "BilledCost": cost,
        "EffectiveCost": cost,
        "ListCost": cost,  # list prices: the catalog knows no negotiated discount
        "ContractedCost": cost,
        "BillingCurrency": "USD",
        "PricingCurrency": "USD",
        # the logs and the scenario do not name your account: the provider stands in for it
        "BillingAccountId": charge.host or charge.provider,
        "BillingAccountName": issuer,
        "BillingPeriodStart": _stamp(month),
        "BillingPeriodEnd": _stamp(add_months(month, 1)),
        "ChargePeriodStart": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "ChargePeriodEnd": _stamp(charge.day + dt.timedelta(days=1)),
        "ChargeCategory": "Usage",
        "ChargeClass": "",
        "ChargeFrequency": "Usage-Based",
        "ChargeDescription": description,
        "ConsumedQuantity": _plain(quantity),
        "ConsumedUnit": "" if tool else "Tokens",
        "PricingQuantity": _plain(pricing_quantity),
        "PricingUnit": "" if tool else PRICING_UNIT,
        "PricingCategory": "Standard",
        "ListUnitPrice": _plain(unit_price),
        "ContractedUnitPrice": _plain(unit_price),
        "ServiceCategory": "AI and Machine Learning",
        "ServiceSubcategory": "Generative AI",
        "ServiceName": f"{provider} API",
        "ServiceProviderName": provider,
        "HostProviderName": HOSTS.get(charge.host, provider) if charge.host else provider,
        "InvoiceIssuerName": issuer,
        "ProviderName": provider,
        "PublisherName": provider,
        "SkuId": f"{sku}/{charge.meter}",
        "SkuPriceId": f"{sku}/{charge.meter}"
        + (f"/{priced}" if priced else "")
        + (f"@{charge.price_period}" if charge.price_period else ""),
        "SkuMeter": charge.meter,
        "SkuPriceDetails": json.dumps(details, sort_keys=True),
        "x_Projected": "true" if charge.projected else "false",
        "x_Service": charge.service,
        "x_Model": charge.model,
        "x_Variant": charge.variant,
        "x_Line": charge.line,
        "x_PricePeriod": charge.price_period,
        "x_TokensExact": "true" if charge.exact else "false",
    }


def _stamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _plain(value: Decimal | None) -> str:
    """A quantity as plain digits (no exponent), at most ten places; empty for none."""
    if value is None:
        return ""
    text = format(value.quantize(PLACES), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def write_focus(charges: Iterable[Charge], handle: IO[str]) -> None:
    from budget.outputs import spreadsheet_safe_column

    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(COLUMNS)
    for charge in charges:
        row = focus_row(charge)
        for name in TEXT_COLUMNS:  # a log's model names: safe to open in a spreadsheet
            row[name] = spreadsheet_safe_column([row[name]])[0]
        writer.writerow([_cell(row[k]) for k in COLUMNS])


def _cell(value) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


# --- a projection ---------------------------------------------------------------------


def projection_charges(projection) -> list[Charge]:
    """The projected bill of the scenario's first model and its embedding lines, per day and
    token type (budget.workload.finance.day_slices)."""
    from budget.workload.finance import BASELINE, day_slices

    charges = []
    host = {m.model.id: m.model.host or "" for m in projection.models}
    # the scenario's share of calls sent through the batch API (at the batch price)
    share = projection.scenario.batch_share
    batch = {"BatchShare": share} if share else {}
    for piece in day_slices(projection):
        if piece.role != BASELINE:
            continue
        meters = [(kind, piece.tokens[kind], piece.usd[kind]) for kind in piece.tokens]
        meters.append(("built-in tools", Decimal(0), piece.usd["tool"]))
        for meter, tokens, usd in meters:
            if not tokens and not usd:
                continue
            charges.append(
                Charge(
                    day=piece.day,
                    provider=piece.provider,
                    model=piece.model,
                    meter=meter,
                    variant=piece.variant,
                    host=host.get(piece.model, ""),
                    service=piece.service,
                    line=piece.line,
                    price_period=piece.price_period,
                    details=batch
                    | ({"PricedAs": piece.priced_as} if piece.priced_as != piece.model else {}),
                    tokens=tokens,
                    usd=usd,
                    projected=True,
                    exact=piece.input_exact and piece.output_exact,
                )
            )
    return charges


# --- a usage log ----------------------------------------------------------------------

# per-row money columns of budget.usage.rows, by meter
USAGE_METERS = (
    ("input", "input_usd"),
    ("cached input", "cache_read_usd"),
    ("cache write", "cache_write_usd"),
    ("output", "output_usd"),
    ("built-in tools", "tool_usd"),
)


class FocusUsage:
    """A row sink for ``cost_logs`` (budget.usage.price.RowSink): the priced calls summed per
    day, model, price and token type. Bounded by days x models, not by the log's rows."""

    def __init__(self, catalog):
        self.catalog = catalog
        self.sums: dict[tuple, list[float]] = {}
        self.hosts: dict[str, tuple[str, str]] = {}  # logged name -> (provider, host)

    def _where(self, logged: str, model_id: str) -> tuple[str, str]:
        key = f"{logged}\0{model_id}"
        if key not in self.hosts:
            try:
                model = self.catalog.resolve(logged)
                found = (model.provider, model.host or "")
            except (ValueError, KeyError):
                try:
                    found = (self.catalog.resolve(model_id).provider, "")
                except (ValueError, KeyError):
                    found = ("", "")
            self.hosts[key] = found
        return self.hosts[key]

    def write(self, chunk, model_ids, usd, priced) -> None:
        from budget.usage.rows import MONEY_COLUMNS

        money = {name: usd[:, MONEY_COLUMNS.index(name)] for _, name in USAGE_METERS}
        inputs = chunk.column("input_tokens")
        reads = chunk.column("cache_read_tokens")
        writes = chunk.column("cache_write_tokens") + chunk.column("cache_write_1h_tokens")
        outputs = chunk.column("output_tokens")
        batch = chunk.column("batch")
        tokens = {
            "input": inputs - reads - writes,
            "cached input": reads,
            "cache write": writes,
            "output": outputs,
            "built-in tools": inputs * 0,
        }
        for row in range(len(chunk)):
            if money["input_usd"][row] != money["input_usd"][row]:  # NaN: not priced
                continue
            provider, host = self._where(chunk.models[row], model_ids[row])
            base = (
                priced.days[row],
                provider,
                host,
                model_ids[row],
                priced.periods[row],
                bool(batch[row]),
                priced.tiers[row] or "",
            )
            for meter, name in USAGE_METERS:
                amount, count = float(money[name][row]), int(tokens[meter][row])
                if not amount and not count:
                    continue
                sums = self.sums.setdefault((*base, meter), [[], 0])
                sums[0].append(amount)
                sums[1] += count
            # keep memory bounded: fold each key's amounts into one exact partial sum
        for sums in self.sums.values():
            if len(sums[0]) > 1:
                sums[0] = [math.fsum(sums[0])]

    def close(self) -> None:
        pass

    def charges(self) -> list[Charge]:
        out = []
        for key in sorted(self.sums, key=lambda k: tuple(str(x) for x in k)):
            day, provider, host, model, period, batch, tier, meter = key
            amounts, count = self.sums[key]
            details = {}
            if batch:
                details["Batch"] = True
            if tier:
                details["ServiceTier"] = tier
            out.append(
                Charge(
                    day=day,
                    provider=provider,
                    model=model,
                    meter=meter,
                    host=host,
                    price_period=period,
                    details=details,
                    tokens=Decimal(count),
                    usd=Decimal(repr(math.fsum(amounts))),
                )
            )
        return out
