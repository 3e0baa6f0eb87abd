"""The catalog's and the engine's value types are frozen records (pricing.record), built
without ``dataclasses``: they behave as the frozen dataclasses they were, and a price query
imports neither dataclasses nor typing (nor click: tests/test_quick_path.py)."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import subprocess
import sys
from decimal import Decimal

import pytest

from pricing.catalog import load_catalog
from pricing.engine import Usage, cost
from pricing.model import Model, Prices
from pricing.observed import ObservedCall


@pytest.fixture(scope="module")
def gpt41() -> Model:
    return load_catalog().resolve("gpt-4.1", at="2026-11-25")


def test_built_by_position_or_name_with_defaults():
    prices = Prices(Decimal("2"), output=Decimal("8"), cache_read=Decimal("0.5"))
    assert (prices.input, prices.output, prices.cache_read) == (2, 8, Decimal("0.5"))
    assert prices.cache_write_5m is None  # a default
    with pytest.raises(TypeError, match="missing field 'output'"):
        Prices(Decimal("2"))
    with pytest.raises(TypeError, match="'outptu'"):
        Prices(Decimal("2"), outptu=Decimal("8"))


def test_frozen_equal_and_hashed_by_value():
    usage = Usage(50_000, 1_000, cache_read_tokens=40_000)
    with pytest.raises(AttributeError, match="frozen"):
        usage.input_tokens = 1  # type: ignore[misc]
    assert usage == Usage(50_000, 1_000, 40_000)
    assert usage != Usage(50_000, 1_000)
    assert len({usage, Usage(50_000, 1_000, 40_000)}) == 1
    assert Usage(1, 1) != (1, 1)  # another type is never equal


def test_checks_run_on_every_new_record():
    """Usage's own check: cached tokens are part of the prompt."""
    with pytest.raises(ValueError, match=r"cache reads and writes \(10\) exceed input_tokens"):
        Usage(5, 1, cache_read_tokens=10)
    with pytest.raises(ValueError, match="cache reads"):
        Usage(50_000, 1_000).replace(cache_read_tokens=60_000)


def test_replace_as_dataclasses_replace_does(gpt41):
    """A model without stop sequences: what tests and callers built with dataclasses.replace
    they still can, by either spelling; the original is left as it was."""
    by_method = gpt41.replace(supports_stop=False)
    by_dataclasses = dataclasses.replace(gpt41, supports_stop=False)
    assert by_method == by_dataclasses != gpt41
    assert gpt41.supports_stop and not by_method.supports_stop
    assert dataclasses.is_dataclass(gpt41)
    assert [f.name for f in dataclasses.fields(Usage)][:3] == [
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
    ]
    assert dataclasses.asdict(Usage(10, 2))["output_tokens"] == 2


def test_a_dict_default_is_each_records_own():
    """As a dataclass's default_factory=dict: one call's tool uses are not another's."""
    first, second = (ObservedCall(Usage(10, 2), None, "tokens", None, False) for _ in "12")
    assert first.tool_calls == {} == second.tool_calls
    assert first.tool_calls is not second.tool_calls


def test_repr_leaves_out_the_price_history(gpt41):
    shown = repr(gpt41)
    assert shown.startswith("Model(id='gpt-4.1', name='GPT-4.1', provider='openai'")
    assert "price_periods=" not in shown and "period=" not in shown
    assert "max_output_tokens=32768" in shown


def test_copied_and_pickled_whole(gpt41):
    usage = Usage(12_000, 800)
    assert pickle.loads(pickle.dumps(usage)) == usage
    assert copy.deepcopy(gpt41) == gpt41
    # gpt-4.1 at $2 / $8 per million: 12,000 in $0.024 + 800 out $0.0064
    assert cost(pickle.loads(pickle.dumps(gpt41)), usage).total_usd == Decimal("0.0304")


def test_a_price_query_imports_no_dataclasses_typing_or_click():
    """With the compiled catalog in the cache."""
    probe = (
        "import sys; from budget.cli.quick import answer; "
        "code = answer(['cost', '-m', 'gpt-5.2', '--input', '1000', '--output', '200']); "
        "print(code, sorted({'dataclasses', 'typing', 'click', 'inspect'} & set(sys.modules)),"
        " file=sys.stderr)"
    )
    # the first run may compile the catalog (YAML reader and schema: typing); the next is served
    # from the compiled cache, as a price query is
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert "total         $0.004550" in done.stdout
    assert done.stderr.splitlines()[-1] == "0 []"
