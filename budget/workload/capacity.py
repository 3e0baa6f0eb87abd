"""Rate-limit capacity: can the limits carry the peak minute, and which limit binds first?

What counts against each limit, per request:

* ``rpm``: one request.
* ``tpm`` (OpenAI): the input tokens plus ``max_tokens``. OpenAI reserves the whole output
  allowance when the request is admitted, so a generous max_tokens costs capacity even when
  replies are short; lowering it raises the calls a TPM limit carries.
* ``input_tpm`` (Anthropic ITPM): the input tokens except cache reads (Anthropic does not
  count cache reads against ITPM on current models; cache writes count).
* ``output_tpm`` (Anthropic OTPM): the output tokens generated. Anthropic estimates OTPM from
  max_tokens when a request starts and settles it at the actual count when it ends; the
  steady-state need is the actual output, which is what is used here.

The peak minute is the average minute of a day times the scenario's peak factor.
"""

from __future__ import annotations

from dataclasses import dataclass

from budget.workload.scenario import RateLimits

MINUTES_PER_DAY = 1440
LIMIT_NAMES = ("rpm", "tpm", "input_tpm", "output_tpm")


@dataclass(frozen=True)
class CallShape:
    """The average request, as each limit counts it."""

    input_tokens: float  # whole prompt
    uncached_input_tokens: float  # prompt minus cache reads (what ITPM counts)
    output_tokens: float  # generated, after the max_tokens cap
    max_tokens: int

    def per_call(self, limit: str) -> float:
        """Units of ``limit`` one request uses."""
        if limit == "rpm":
            return 1.0
        if limit == "tpm":
            return self.input_tokens + self.max_tokens
        if limit == "input_tpm":
            return self.uncached_input_tokens
        if limit == "output_tpm":
            return self.output_tokens
        raise ValueError(f"unknown limit {limit!r}")


@dataclass(frozen=True)
class LimitCheck:
    limit: str  # rpm | tpm | input_tpm | output_tpm
    allowed: int  # the limit, per minute
    needed: float  # at the peak minute
    per_call: float  # what one request uses against it
    headroom: float  # share of the limit left at peak (negative: over the limit)
    sustainable_rpm: float  # requests per minute this limit alone carries


@dataclass(frozen=True)
class Capacity:
    peak_rpm: float
    peak_tpm: float  # input + max_tokens per request (OpenAI reservation)
    peak_input_tpm: float  # input excluding cache reads (Anthropic ITPM)
    peak_output_tpm: float  # output generated (Anthropic OTPM)
    checks: tuple[LimitCheck, ...]
    binding_limit: str | None  # the limit that carries the fewest requests per minute
    sustainable_rpm: float | None  # requests per minute all limits carry together

    @property
    def fits(self) -> bool:
        return all(check.headroom >= 0 for check in self.checks)


def peak_rpm(calls_per_day: float, peak_factor: float) -> float:
    return calls_per_day / MINUTES_PER_DAY * peak_factor


def capacity(
    calls_per_day: float, peak_factor: float, shape: CallShape, limits: RateLimits
) -> Capacity:
    """The peak minute's need against each limit that is set."""
    rpm = peak_rpm(calls_per_day, peak_factor)
    checks = []
    for name in LIMIT_NAMES:
        allowed = getattr(limits, name)
        if allowed is None:
            continue
        per_call = shape.per_call(name)
        needed = rpm * per_call
        sustainable = allowed / per_call if per_call > 0 else float("inf")
        checks.append(
            LimitCheck(name, allowed, needed, per_call, 1 - needed / allowed, sustainable)
        )
    binding = min(checks, key=lambda c: c.sustainable_rpm) if checks else None
    return Capacity(
        peak_rpm=rpm,
        peak_tpm=rpm * shape.per_call("tpm"),
        peak_input_tpm=rpm * shape.per_call("input_tpm"),
        peak_output_tpm=rpm * shape.per_call("output_tpm"),
        checks=tuple(checks),
        binding_limit=binding.limit if binding else None,
        sustainable_rpm=binding.sustainable_rpm if binding else None,
    )
