"""Fit an estimate's characters-per-token from the user's own logs, and keep the result.

A log is JSONL, one call per line: the text sent (``"text"``, or ``"messages"`` with optional
``"system"`` and ``"tools"``, or ``"request"``: a whole request body) and the usage the
provider reported, read as `budget usage` reads it (:func:`pricing.usage.read_call`: a
``"usage"`` object of any provider, or our flat ``"input_tokens"``): the input tokens billed,
the whole prompt (an Anthropic prompt's cache reads and writes included).

The estimate is ``tokens = characters / chars_per_token + fixed`` (fixed: the family's
per-message, image and tool costs). Writing ``k = 1 / chars_per_token``, the least-squares fit
through the origin of ``tokens - fixed`` on ``characters`` is ``k = sum(c*y) / sum(c*c)``.

Fitted factors are saved as JSON (``{"models": {MODEL_ID: {"chars_per_token": ...}}}``) in
the calibration file: ``--calibration FILE``, else ``$TOKEN_BUDGET_CALIBRATION``, else
``$XDG_CONFIG_HOME/token-budget/calibration.json``. A key may also be a tokenizer reference
(``estimate:anthropic``) to apply to every model of that family.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from budget.tokenizers.bands import COVERAGE, Band, percentile, rounded_up
from budget.tokenizers.estimate import EstimateTokenizer
from budget.tokenizers.protocol import Request
from pricing.dates import pricing_day
from pricing.engine import MAX_CALL_TOKENS
from pricing.errors import InputError, clip


def calibration_path(explicit: str | None = None) -> Path:
    if explicit:
        return Path(explicit)
    if os.environ.get("TOKEN_BUDGET_CALIBRATION"):
        return Path(os.environ["TOKEN_BUDGET_CALIBRATION"])
    config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config_home) / "token-budget" / "calibration.json"


# A fitted factor outside this range says the log's token counts do not belong to its texts:
# English runs ~4 characters a token, code ~3, CJK text 1 or less (a character can take 2-3
# tokens); 20 allows long runs of whitespace, which some tokenizers merge.
CHARS_PER_TOKEN_RANGE = (0.2, 20.0)

MIN_BAND = 0.01  # the narrowest error band a fit claims

REPAIR_HINT = "fix or delete it, or replace it with `budget calibrate LOG --model M --save`"


def load_calibration(path: Path) -> dict[str, dict[str, Any]]:
    """Entries by model id or tokenizer reference; {} when the file does not exist."""
    from budget.inputs.records import loads

    if not path.exists():  # a FIFO or <(...) is read like a file
        return {}
    low, high = CHARS_PER_TOKEN_RANGE
    try:
        data = loads(path.read_bytes(), str(path), document=True)
        models = data["models"]
        if not isinstance(models, dict):
            raise TypeError("models: expected a mapping")
        for key, entry in models.items():
            factor = entry["chars_per_token"]
            if isinstance(factor, bool) or not isinstance(factor, int | float):
                raise TypeError(f"{clip(key)}: chars_per_token: expected a number")
            if not low <= factor <= high:
                raise ValueError(
                    f"{clip(key)}: chars_per_token must be between {low:g} and {high:g}, "
                    f"got {clip(factor)}"
                )
            band = entry.get("error_band")
            if band is not None and (
                isinstance(band, bool) or not isinstance(band, int | float) or not 0 <= band <= 10
            ):
                raise ValueError(
                    f"{clip(key)}: error_band: expected a share such as 0.05, got {clip(band)}"
                )
    except InputError as exc:
        raise InputError(f"calibration file {exc}; {REPAIR_HINT}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the calibration file ({exc.strerror})") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        detail = f"missing {clip(exc.args[0])}" if isinstance(exc, KeyError) else str(exc)
        raise InputError(
            f"{path}: calibration file: expected "
            f'{{"models": {{ID: {{"chars_per_token": N}}}}}} ({detail}); {REPAIR_HINT}'
        ) from None
    return models


def calibrated_factor(
    model_id: str, tokenizer_ref: str, path: Path
) -> tuple[float, str, Band | None] | None:
    """(chars_per_token, note, the fit's own error band if saved) from the calibration file
    for this model, if any."""
    entries = load_calibration(path)
    for key in (model_id, tokenizer_ref):
        if key in entries:
            entry = entries[key]
            records = entry.get("records")
            fitted = isinstance(records, int) and not isinstance(records, bool) and records > 0
            source = f"calibrated from {records:,} calls" if fitted else "calibrated"
            band = None
            if entry.get("error_band") is not None:
                calls = f"{records:,} of your calls" if fitted else "your calls"
                band = Band(
                    float(entry["error_band"]),
                    f"{COVERAGE:.0%} of {calls} within it after calibration ({path})",
                )
            return float(entry["chars_per_token"]), f"{source}, {path}", band
    return None


@dataclass(frozen=True)
class CalibrationResult:
    model: str
    tokenizer: str
    records: int
    chars_per_token: float
    default_chars_per_token: float
    mean_abs_error_default: float  # share of the real count, e.g. 0.12 = 12 %
    mean_abs_error_fitted: float
    total_real_tokens: int
    # the error band (9 in 10 calls within): the bundled one, that of the default factor on
    # these calls, and that of the fitted factor, rounded up to the next 1%
    error_band_bundled: float
    error_band_default: float
    error_band_fitted: float


def _real_tokens(record: dict[str, Any], where: str) -> int:
    """The input tokens the provider billed for the call, as the usage reader reads them."""
    from pricing.usage import read_call

    try:
        found = read_call(record)
    except InputError as exc:  # no usage, a count that is not one, a failed request
        raise InputError(f"{where}: {exc}") from None
    if found is None:
        raise InputError(f"{where}: a streaming event without usage (not a call)")
    value = found.counts[0]
    if value > MAX_CALL_TOKENS:
        raise InputError(
            f"{where}: input_tokens: {clip(value)} is more than any model takes in one call "
            f"({MAX_CALL_TOKENS:,})"
        )
    return value


def _request(record: dict[str, Any], where: str) -> Request:
    from budget.inputs.files import record_of

    body = record.get("request") if isinstance(record.get("request"), dict) else record
    if not any(key in body for key in ("text", "messages", "contents", "body", "params")):
        raise InputError(f'{where}: text: expected "text", "messages" or "request"')
    value, _ = record_of(body, where, "jsonl")
    if isinstance(value, str | list):
        texts = [value] if isinstance(value, str) else value
        return Request(messages=[{"role": "user", "content": text} for text in texts])
    return value


def read_log(path: str) -> list[tuple[Request, int]]:
    """(request, real input tokens) per record of a JSONL (or JSON array) of calls."""
    from budget.inputs.records import file_records

    pairs = []
    for where, record in file_records(path):
        if not isinstance(record, dict):
            raise InputError(f"{where}: expected a JSON object")
        pairs.append((_request(record, where), _real_tokens(record, where)))
    if not pairs:
        raise InputError(f"{path}: no calls to calibrate from")
    return pairs


def fit(
    model_id: str, estimator: EstimateTokenizer, pairs: list[tuple[Request, int]]
) -> CalibrationResult:
    parts = [(estimator.fixed_tokens(request), real) for request, real in pairs]
    sum_cy = sum(chars * (real - fixed) for (chars, fixed), real in parts)
    sum_cc = sum(chars * chars for (chars, _), _ in parts)
    if sum_cc == 0 or sum_cy <= 0:
        raise InputError("calibrate: the log has no text beyond fixed costs to fit a factor to")
    fitted = sum_cc / sum_cy  # 1 / k
    low, high = CHARS_PER_TOKEN_RANGE
    if not low <= fitted <= high:
        raise InputError(
            f"calibrate: the fit gives {fitted:.4g} characters per token, outside "
            f"{low:g}..{high:g}: the log's input tokens do not match its texts"
        )

    def errors(chars_per_token: float) -> list[float]:
        return [
            abs(chars / chars_per_token + fixed - real) / real
            for (chars, fixed), real in parts
            if real
        ]

    def mean_error(chars_per_token: float) -> float:
        found = errors(chars_per_token)
        return sum(found) / len(found) if found else 0.0

    def band(chars_per_token: float) -> float:
        found = errors(chars_per_token)
        # never below 1%: a characters-per-token rule is never exact, however few the calls
        return max(MIN_BAND, rounded_up(percentile(found, COVERAGE), 0.01)) if found else MIN_BAND

    return CalibrationResult(
        model=model_id,
        tokenizer=estimator.name,
        records=len(pairs),
        chars_per_token=round(fitted, 4),
        default_chars_per_token=estimator.family.chars_per_token,
        mean_abs_error_default=mean_error(estimator.family.chars_per_token),
        mean_abs_error_fitted=mean_error(fitted),
        total_real_tokens=sum(real for _, real in pairs),
        error_band_bundled=estimator.band.fraction,
        error_band_default=band(estimator.family.chars_per_token),
        error_band_fitted=band(fitted),
    )


def save_calibration(
    result: CalibrationResult, path: Path, inputs: tuple[str | Path, ...] = ()
) -> str | None:
    """Merge the fitted factor into the calibration file, written atomically; ``inputs``: the
    files the fit read, never overwritten. An unreadable calibration file is replaced by one
    holding this fit: returns a warning saying so, else None."""
    warning = None
    try:
        entries = load_calibration(path)
    except InputError as exc:
        entries = {}
        warning = f"replaced the unreadable calibration file ({exc})"
    entries[result.model] = {
        "chars_per_token": result.chars_per_token,
        "records": result.records,
        "tokenizer": result.tokenizer,
        "error_band": result.error_band_fitted,
        "fitted_on": pricing_day().isoformat(),
    }
    from budget.outputs import OutputSet

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{path}: cannot write the calibration file ({exc.strerror})") from None
    with OutputSet({"--calibration": path}, inputs) as outputs, outputs.open(path) as handle:
        json.dump({"version": 1, "models": entries}, handle, indent=2, sort_keys=True)
        handle.write("\n")
    return warning
