"""The library face: every command's logic is importable from `budget`, lazily."""

import doctest
import subprocess
import sys

import budget


def test_every_public_name_resolves():
    for name in budget.__all__:
        assert getattr(budget, name) is not None, name


def test_module_docstring_example_runs():
    failures, tried = doctest.testmod(budget)
    assert tried >= 3 and failures == 0


def test_plan_and_check_from_the_library():
    from budget import check, load_catalog, plan

    model = load_catalog().resolve("gpt-5.2")
    assert plan(model, 12_000, expected_output=800).max_tokens == 1000
    result = check(model, 250_000, 128_000)
    assert result.fits and result.available_output == 128_000


def test_importing_budget_loads_no_heavy_library():
    heavy = "('pandas', 'tiktoken', 'tokenizers')"
    code = f"import sys, budget; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
