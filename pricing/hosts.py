"""Where a model runs: the provider's own API, or a cloud host (Amazon Bedrock, Vertex AI, Azure).

A host is declared in the provider's YAML under ``hosts:`` (names as people write them for it,
its source and date, and the premium of its regional endpoints). A name written for a host
(``bedrock/...``, ``us.anthropic.claude-...-v1:0``, ``vertex_ai/claude-...@20250929``,
``azure/gpt-5.2``) resolves to the model with the host's name, source and prices: the
provider's list prices at a global endpoint, plus ``regional_premium`` at a regional one
(Bedrock's in-region and geographic ids; ``--variant regional`` elsewhere). Models listed in
``premium_exempt`` kept their old single price on the host.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

from pricing.errors import InputError
from pricing.model import Model, Variant
from pricing.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any

REGIONAL_VARIANT = "regional"


class Host(Record):
    id: str
    provider: str
    name: str
    source: str
    as_of: str
    prefixes: tuple[str, ...]  # `bedrock/`: a LiteLLM route naming the host
    global_prefixes: tuple[str, ...] = ()  # `global.`: a cross-region global profile
    regional_prefixes: tuple[str, ...] = ()  # `us.`, `eu.`: a geographic (regional) profile
    model_prefixes: tuple[str, ...] = ()  # `anthropic.`: the host's own model ids
    dated_with_at: bool = False  # Vertex writes snapshots as `claude-...@20250929`
    default_endpoint: str = "global"
    regional_premium: Decimal | None = None  # 0.1 = regional endpoints cost 10% more
    premium_exempt: frozenset[str] = frozenset()
    # How the host names a fine-tune it serves: Azure's `gpt-4o-mini-2024-07-18.ft-JOBID`
    fine_tuned_infixes: tuple[str, ...] = ()

    def _unrouted(self, name: str) -> tuple[str, bool]:
        """(the name without this host's route prefix, whether it had one)."""
        rest = name.strip().lower()
        for prefix in self.prefixes:
            if rest.startswith(prefix):
                return rest[len(prefix) :], True
        return rest, False

    def fine_tuned_base(self, name: str) -> str | None:
        """The base model of a fine-tune named as this host names them, else None."""
        rest, _ = self._unrouted(name)
        for infix in self.fine_tuned_infixes:
            base, found, _ = rest.partition(infix)
            if found and base:
                return base
        return None

    def endpoint_of(self, name: str) -> str | None:
        """``global``/``regional`` when ``name`` is written for this host, else None."""
        rest, routed = self._unrouted(name)
        if self.fine_tuned_base(name) is not None:
            return self.default_endpoint
        for prefix in self.global_prefixes:
            if rest.startswith(prefix):
                return "global"
        for prefix in self.regional_prefixes:
            if rest.startswith(prefix):
                return "regional"
        if routed or any(rest.startswith(p) for p in self.model_prefixes):
            return self.default_endpoint
        if self.dated_with_at and re.search(r"@\d{8}$", rest):
            return self.default_endpoint
        return None

    def serve(self, model: Model, endpoint: str) -> Model:
        """``model`` as this host bills it at ``endpoint``."""
        premium = self.regional_premium if model.id not in self.premium_exempt else None
        hosted = model.replace(
            host=self.id,
            endpoint=endpoint,
            source=self.source,
            as_of=self.as_of,
            notes=(f"{self.name}, {endpoint} endpoint. " + (model.notes or "")).strip(),
        )
        if premium is None:
            return hosted
        regional = Variant(
            name=REGIONAL_VARIANT,
            description=f"{self.name} regional endpoint: {premium * 100:g}% over global",
            request_headers={},
            overrides={"price_factor": 1 + premium, "endpoint": "regional"},
        )
        hosted = hosted.replace(variant_specs=(*model.variant_specs, regional))
        return hosted.with_variant(REGIONAL_VARIANT) if endpoint == "regional" else hosted


def read_hosts(raw: Any, provider: str, where: str) -> list[Host]:
    """The ``hosts:`` list of a provider file, checked (fields and endpoints: the catalog's
    JSON Schema, ``$defs/host``)."""
    from pricing.formats import catalog_format  # the YAML path only

    if raw is None:
        return []
    schema = catalog_format()
    if not isinstance(raw, list):
        raise InputError(f"{where}: field 'hosts': expected a list of hosts")
    hosts = []
    for number, entry in enumerate(raw):
        label = f"{where}: hosts[{number}]"
        if not isinstance(entry, Mapping):
            raise InputError(f"{label}: expected a mapping")
        unknown = set(entry) - set(schema.keys("$defs/host"))
        if unknown:
            raise InputError(f"{label}: unknown field {sorted(unknown)[0]!r}")
        for key in ("id", "name", "source", "as_of"):
            if not entry.get(key):
                raise InputError(f"{label}: field {key!r}: required")
        endpoint = entry.get("default_endpoint", "global")
        if endpoint not in schema.enum("$defs/host/properties/default_endpoint"):
            raise InputError(f"{label}: field 'default_endpoint': expected global or regional")
        premium = entry.get("regional_premium")
        if premium is not None:
            try:
                premium = Decimal(str(premium))
            except ArithmeticError:
                premium = None
            if (
                premium is None
                or not 0 <= premium < 10
                or isinstance(entry["regional_premium"], bool)
            ):
                raise InputError(
                    f"{label}: field 'regional_premium': expected a share (0.1 = 10% more), "
                    f"got {entry['regional_premium']!r}"
                )

        def names(key: str, entry: Mapping = entry, label: str = label) -> tuple[str, ...]:
            value = entry.get(key) or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InputError(f"{label}: field {key!r}: expected a list of strings")
            return tuple(v.lower() for v in value)

        hosts.append(
            Host(
                id=str(entry["id"]),
                provider=provider,
                name=str(entry["name"]),
                source=str(entry["source"]),
                as_of=str(entry["as_of"]),
                prefixes=names("prefixes"),
                global_prefixes=names("global_prefixes"),
                regional_prefixes=names("regional_prefixes"),
                model_prefixes=names("model_prefixes"),
                dated_with_at=bool(entry.get("dated_with_at", False)),
                default_endpoint=endpoint,
                regional_premium=premium,
                premium_exempt=frozenset(names("premium_exempt")),
                fine_tuned_infixes=names("fine_tuned_infixes"),
            )
        )
    return hosts
