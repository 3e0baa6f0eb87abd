"""The notes a plan carries about its evidence: how many samples, whether they were cut, and
where hidden reasoning tokens go for this provider."""

from __future__ import annotations

from budget.inputs.samples import OutputSamples
from pricing.catalog import Model

FEW_SAMPLES = 20  # below this a high percentile is just the largest sample or two


def sample_notes(samples: OutputSamples, percentile: float, chosen: int) -> list[str]:
    noun = "sample" if samples.count == 1 else "samples"
    notes = [f"p{percentile:g} of {samples.count:,} {noun} is {chosen:,} tokens"]
    if samples.note:
        notes.append(samples.note)
    if samples.count < FEW_SAMPLES:
        notes.append(
            f"only {samples.count:,} {noun}: a p{percentile:g} of so few is their largest or close "
            f"to it; {FEW_SAMPLES} or more give a steadier plan"
        )
    if samples.count and all(samples.truncated):
        notes.append(
            f"every one of the {samples.count:,} logged replies was cut at its limit: their "
            "true lengths are unknown, so this plan is a floor; raise the limit and log again"
        )
    return notes


def reasoning_notes(model: Model, reasoning: int, extra: int) -> list[str]:
    notes = []
    if reasoning and not extra:
        notes.append("the samples come from a usage log, so they already include reasoning tokens")
    if reasoning and not model.reasoning:
        notes.append(f"the catalog does not list {model.id} as a reasoning model")
    elif model.reasoning and not reasoning:
        # OpenAI reasoning models always think; Anthropic and Gemini thinking is a request option.
        if model.provider == "openai":
            spends = f"{model.id} spends hidden reasoning tokens inside {model.output_param}"
        else:
            spends = (
                f"with thinking on, {model.id} counts thinking tokens inside {model.output_param}"
            )
        notes.append(f"{spends}; add --reasoning N to plan room for them")
    elif reasoning and model.provider == "openai":
        notes.append(
            f"{model.output_param} covers visible output and {reasoning:,} reasoning tokens "
            "(OpenAI takes no reasoning budget; reasoning effort steers it)"
        )
    return notes
