"""Rate-limit capacity: can the limits carry the peak minute, and which limit binds first?

Each model is judged against its own limits (:meth:`Scenario.limits_for`) and by its own
provider's rules: which limits the provider sets, and what its ``tpm`` counts
(:data:`PROVIDER_LIMITS`, :data:`TPM_COUNTS`). What counts against each limit, per request:

* ``rpm``: one request.
* ``tpm`` (OpenAI): the input tokens plus ``max_tokens``. OpenAI reserves the whole output
  allowance when the request is admitted ("calculated as the maximum of max_tokens and the
  estimated number of tokens based on the character count of your request",
  https://platform.openai.com/docs/guides/rate-limits, checked 2026-11-30), so a generous
  max_tokens costs capacity even when replies are short; lowering it raises the calls a TPM
  limit carries.
* ``tpm`` (Gemini): the input tokens ("Tokens per minute (input) (TPM)",
  https://ai.google.dev/gemini-api/docs/rate-limits, checked 2026-11-30).
* ``input_tpm`` (Anthropic ITPM): the input tokens except cache reads (Anthropic does not
  count cache reads against ITPM on current models; cache writes count).
* ``output_tpm`` (Anthropic OTPM): the output tokens generated. Anthropic estimates OTPM from
  max_tokens when a request starts and settles it at the actual count when it ends; the
  steady-state need is the actual output, which is what is used here.

A cut reply's continuation (or retry) is one more request with its own tokens: the shape of
the average call adds them, weighted by the share of calls cut. Requests per minute count
them too, wherever they are said: ``peak_rpm`` is the calls at the peak minute x
:meth:`CallShape.requests`, what the ``rpm`` limit is checked against, and
``sustainable_rpm`` counts requests the same way (so peak_rpm / sustainable_rpm is the share
of the binding limit used).

The peak minute is the average minute of a day times the scenario's peak factor.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from budget.workload.scenario import LIMIT_KEYS, RateLimits

MINUTES_PER_DAY = 1440

# The limits each provider sets (sources above; Anthropic:
# https://docs.claude.com/en/api/rate-limits, checked 2026-11-30). A provider not listed is
# judged against whatever limits are given, with the meanings of the first list.
PROVIDER_LIMITS = MappingProxyType(
    {
        "openai": ("rpm", "tpm"),
        "anthropic": ("rpm", "input_tpm", "output_tpm"),
        "google": ("rpm", "tpm"),
    }
)
# What a request counts against ``tpm``: "reserved" (input + max_tokens) unless listed here.
TPM_COUNTS = MappingProxyType({"google": "input"})


def limits_of(provider: str) -> tuple[str, ...]:
    """The limits ``provider`` sets (every kind for a provider without rules here)."""
    return PROVIDER_LIMITS.get(provider, LIMIT_KEYS)


def unused_limits(limits: RateLimits, provider: str) -> list[str]:
    """Limits given that ``provider`` does not set (Anthropic has no single ``tpm``)."""
    return [name for name in limits.given() if name not in limits_of(provider)]


@dataclass(frozen=True)
class CallShape:
    """The average request, as each limit counts it."""

    input_tokens: float  # whole prompt
    uncached_input_tokens: float  # prompt minus cache reads (what ITPM counts)
    output_tokens: float  # generated, after the max_tokens cap
    max_tokens: int
    # The follow-ups of cut replies, averaged over all calls (zero for calls not cut).
    follow_up_share: float = 0.0
    follow_up_input_tokens: float = 0.0
    follow_up_uncached_input_tokens: float = 0.0
    follow_up_output_tokens: float = 0.0

    @property
    def requests(self) -> float:
        """Requests one call makes: itself, and its continuation or retry if cut."""
        return 1.0 + self.follow_up_share

    def per_call(self, limit: str, provider: str = "") -> float:
        """Units of ``limit`` one call uses, its follow-up (if cut) included, as
        ``provider`` counts them."""
        if limit == "rpm":
            return self.requests
        if limit == "tpm" and TPM_COUNTS.get(provider) == "input":
            return self.input_tokens + self.follow_up_input_tokens
        if limit == "tpm":
            reserved = self.max_tokens * (1 + self.follow_up_share)
            return self.input_tokens + self.follow_up_input_tokens + reserved
        if limit == "input_tpm":
            return self.uncached_input_tokens + self.follow_up_uncached_input_tokens
        if limit == "output_tpm":
            return self.output_tokens + self.follow_up_output_tokens
        raise ValueError(f"unknown limit {limit!r}")


@dataclass(frozen=True)
class LimitCheck:
    limit: str  # rpm | tpm | input_tpm | output_tpm
    allowed: int  # the limit, per minute
    needed: float  # at the peak minute
    per_call: float  # what one call (its follow-up included) uses against it
    headroom: float  # share of the limit left at peak (negative: over the limit)
    sustainable_rpm: float  # requests per minute this limit alone carries (follow-ups counted)


@dataclass(frozen=True)
class Capacity:
    peak_rpm: float  # requests: the calls and the continuations or retries of cut ones
    peak_tpm: float  # input + max_tokens per request (OpenAI reservation; Gemini: input)
    peak_input_tpm: float  # input excluding cache reads (Anthropic ITPM)
    peak_output_tpm: float  # output generated (Anthropic OTPM)
    checks: tuple[LimitCheck, ...]
    binding_limit: str | None  # the limit that carries the fewest requests per minute
    sustainable_rpm: float | None  # requests per minute all limits carry together
    limits: RateLimits = RateLimits()  # what was judged against (with its scope)
    unused: tuple[str, ...] = ()  # limits given that the model's provider does not set

    @property
    def fits(self) -> bool:
        return all(check.headroom >= 0 for check in self.checks)

    def headroom(self, limit: str) -> float | None:
        """Share of ``limit`` left at peak (None: not set, or not the provider's)."""
        for check in self.checks:
            if check.limit == limit:
                return check.headroom
        return None


def peak_calls_per_minute(calls_per_day: float, peak_factor: float) -> float:
    """Calls (first requests) at the peak minute."""
    return calls_per_day / MINUTES_PER_DAY * peak_factor


def capacity(
    calls_per_day: float,
    peak_factor: float,
    shape: CallShape,
    limits: RateLimits,
    provider: str = "",
) -> Capacity:
    """The peak minute's need against each limit that is set and that ``provider`` sets."""
    calls = peak_calls_per_minute(calls_per_day, peak_factor)
    checks = []
    for name in limits_of(provider):
        allowed = getattr(limits, name)
        if allowed is None:
            continue
        per_call = shape.per_call(name, provider)
        needed = calls * per_call
        # the calls this limit carries, as requests (a cut call makes two)
        sustainable = allowed / per_call * shape.requests if per_call > 0 else float("inf")
        checks.append(
            LimitCheck(name, allowed, needed, per_call, 1 - needed / allowed, sustainable)
        )
    binding = min(checks, key=lambda c: c.sustainable_rpm) if checks else None
    return Capacity(
        peak_rpm=calls * shape.requests,
        peak_tpm=calls * shape.per_call("tpm", provider),
        peak_input_tpm=calls * shape.per_call("input_tpm"),
        peak_output_tpm=calls * shape.per_call("output_tpm"),
        checks=tuple(checks),
        binding_limit=binding.limit if binding else None,
        sustainable_rpm=binding.sustainable_rpm if binding else None,
        limits=limits,
        unused=tuple(unused_limits(limits, provider)),
    )
