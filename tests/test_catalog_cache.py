"""The compiled catalog (pricing.catalog_cache): a second load is served from it without the
YAML reader; a stale, corrupt, truncated or altered cache is never trusted but rebuilt from
the YAML (right prices, and a good cache again); a cache folder that cannot be written only
costs the speed. Each test keeps its cache in its own tmp_path."""

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import pricing.catalog
import pricing.yamlfile
from pricing import catalog_cache
from pricing.engine import Usage, cost

# gpt-5.2, hand-checked: 1,000 input tokens at $1.75/M + 200 output tokens at $14/M
#   = $0.00175 + $0.0028 = $0.00455
GPT_52_CALL = Decimal("0.00455")
OVERRIDE = """provider: openai
source: https://example.invalid/our-contract
as_of: 2026-11-01
models:
  - id: gpt-5.2
    prices: {input: PRICE, output: 14}
"""


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """This test's own cache folder; no catalog kept in memory before or after it."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("TOKEN_BUDGET_CACHE", str(folder))
    pricing.catalog._load.cache_clear()
    yield folder
    pricing.catalog._load.cache_clear()


def load(files=()):
    """A load as a new process makes it: nothing kept in memory from an earlier one."""
    pricing.catalog._load.cache_clear()
    return pricing.catalog.load_catalog(list(files))


def call_usd(catalog, name="gpt-5.2"):
    return cost(catalog.resolve(name, at="2026-11-25"), Usage(1000, 200)).total_usd


def refuse_yaml(monkeypatch):
    """Any read of a catalog file from here on fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("the YAML reader was called: the cache was not used")

    monkeypatch.setattr(pricing.yamlfile, "read_yaml", refuse)


def _digits(model):
    """Every price of a model as written ($2.50 and $2.5 are equal but not the same digits);
    not its repr, whose frozensets print in an order that varies with the hash seed."""
    prices = [model.prices, *(period.prices for period in model.price_periods)]
    return [str(value) for p in prices for value in p.as_dict().values() if value is not None]


def test_a_second_load_is_served_from_the_cache_without_the_yaml_reader(cache, monkeypatch):
    first = load()
    assert (cache / catalog_cache.FILE_NAME).is_file()
    assert call_usd(first) == GPT_52_CALL
    refuse_yaml(monkeypatch)
    second = load()
    assert call_usd(second) == GPT_52_CALL
    # the same catalog in every field (a field the cache forgot would differ here), with the
    # same Decimal digits ($2.50 stays 2.50) and a model's period still one of its periods
    assert second.models == first.models
    assert [_digits(m) for m in second.models] == [_digits(m) for m in first.models]
    assert second.hosts == first.hosts and second.summaries == first.summaries
    assert all(any(p is m.period for p in m.price_periods) for m in second.models)


def test_names_hosts_and_fine_tunes_resolve_alike_from_the_cache():
    names = [
        "openai/gpt-5.2",
        "claude-sonnet-4-5-20250929",
        "bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "ft:gpt-4o-mini-2024-07-18:acme::abc123",
    ]
    fresh = load()
    cached = load()
    for name in names:
        assert cached.resolve(name, at="2026-11-25") == fresh.resolve(name, at="2026-11-25")
    assert cached.as_of == fresh.as_of
    assert cached.search("sonnet") == fresh.search("sonnet")


def test_an_edited_override_file_is_read_again(tmp_path, cache):
    override = tmp_path / "contract.yaml"
    override.write_text(OVERRIDE.replace("PRICE", "1.5"))
    # 1,000 x $1.50/M + 200 x $14/M = $0.0015 + $0.0028
    assert call_usd(load([override])) == Decimal("0.0043")
    key = json.loads((cache / catalog_cache.FILE_NAME).read_bytes().partition(b"\n")[0])["key"]
    override.write_text(OVERRIDE.replace("PRICE", "1.0"))  # same size, new price
    # 1,000 x $1.00/M + 200 x $14/M = $0.001 + $0.0028
    assert call_usd(load([override])) == Decimal("0.0038")
    rewritten = (cache / catalog_cache.FILE_NAME).read_bytes().partition(b"\n")[0]
    assert json.loads(rewritten)["key"] != key


def test_an_edited_bundled_file_is_read_again(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(pricing.catalog.DATA_DIR, data)
    monkeypatch.setattr(pricing.catalog, "DATA_DIR", data)
    assert call_usd(load()) == GPT_52_CALL
    openai = data / "openai.yaml"
    text = openai.read_text()
    at = text.index("  - id: gpt-5.2\n")
    line = "prices: {input: 1.75, output: 14, cache_read: 0.175}"
    assert text.index(line, at) < text.index("  - id:", at + 1)  # gpt-5.2's own prices
    openai.write_text(text[:at] + text[at:].replace(line, line.replace("1.75", "2.75"), 1))
    # 1,000 x $2.75/M + 200 x $14/M = $0.00275 + $0.0028
    assert call_usd(load()) == Decimal("0.00555")


def damage_truncate(data: bytes) -> bytes:
    return data[: len(data) // 2]


def damage_corrupt(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]


def damage_alter_prices(data: bytes) -> bytes:
    # gpt-5.2's $1.75/M made $0.01/M in the payload, the header (key, digest) left as it was
    assert b"[175E-2,14E0," in data
    return data.replace(b"[175E-2,14E0,", b"[1E-2,14E0,")


def damage_garbage(data: bytes) -> bytes:
    return b"not a compiled catalog\n\x00\xff"


def damage_empty(data: bytes) -> bytes:
    return b""


@pytest.mark.parametrize(
    "damage",
    [damage_truncate, damage_corrupt, damage_alter_prices, damage_garbage, damage_empty],
)
def test_a_damaged_cache_is_rebuilt_from_the_yaml(cache, damage):
    load()
    path = cache / catalog_cache.FILE_NAME
    path.write_bytes(damage(path.read_bytes()))
    assert call_usd(load()) == GPT_52_CALL  # from the YAML, not from the damaged file
    assert b"[175E-2,14E0," in path.read_bytes()  # and the cache is whole again


def test_a_forged_file_with_a_matching_digest_still_holds_only_catalog_values(cache):
    """Whoever can write the cache can recompute its digest: what it names is still checked,
    and nothing but the catalog's own classes is ever built from it."""
    load()
    path = cache / catalog_cache.FILE_NAME
    header = json.loads(path.read_bytes().partition(b"\n")[0])
    payload = b'[[{"Path":["/etc"]}],[],[]]\n'
    forged = {**header, "sha256": catalog_cache._digest(header["key"], payload)}
    path.write_bytes(json.dumps(forged).encode() + b"\n" + payload)
    assert call_usd(load()) == GPT_52_CALL
    assert b"Path" not in path.read_bytes()


def test_a_cache_folder_that_cannot_be_written_costs_only_the_speed(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("a file where the cache folder's parent should be")
    monkeypatch.setenv("TOKEN_BUDGET_CACHE", str(blocker / "cache"))
    assert call_usd(load()) == GPT_52_CALL
    assert call_usd(load()) == GPT_52_CALL  # read from the YAML again, no error
    assert blocker.read_text().startswith("a file")


def test_a_failed_write_leaves_no_temporary_file(cache, monkeypatch):
    def refuse(source, target):
        raise PermissionError(13, "Permission denied", str(target))

    monkeypatch.setattr(catalog_cache.os, "replace", refuse)
    assert call_usd(load()) == GPT_52_CALL
    assert list(cache.iterdir()) == []


def test_the_cache_folder_defaults_to_the_users_cache_home(tmp_path, monkeypatch):
    monkeypatch.delenv("TOKEN_BUDGET_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert catalog_cache.cache_dir() == tmp_path / "xdg" / "token-budget"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # ignored, as the XDG spec says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert catalog_cache.cache_dir() == tmp_path / "home" / ".cache" / "token-budget"


def test_a_fifo_override_is_read_once_and_not_cached(tmp_path, cache):
    import threading

    fifo = tmp_path / "contract.yaml"
    os.mkfifo(fifo)

    def feed():
        with open(fifo, "w") as handle:
            handle.write(OVERRIDE.replace("PRICE", "1.5"))

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    assert call_usd(load([fifo])) == Decimal("0.0043")  # hashing it would have drained it
    writer.join(10)
    assert not (cache / catalog_cache.FILE_NAME).exists()


# The CLI from a warm cache: the same output as from the YAML, and none of the heavy modules.
DRIVER = """
import atexit, sys
HEAVY = ("yaml", "pricing.yamlfile", "pricing.schema", "difflib", "pandas", "numpy",
         "tiktoken", "tokenizers")
atexit.register(lambda: print("imported:", [m for m in HEAVY if m in sys.modules],
                              file=sys.stderr))
sys.argv = ["budget", *sys.argv[1:]]
from budget.cli import main
main()
"""
COMMANDS = {
    "cost": ["cost", "--model", "gpt-5.2", "--input", "1000", "--output", "200"],
    "limits": ["limits", "gpt-5.2"],
    "models": ["models"],
    "limits variant": ["limits", "claude-sonnet-4-5-20250929", "--variant", "1m-context", "--json"],
    # a query that is no model's name: close names are looked for (difflib), and found none
    "models query": ["models", "gemini", "--json", "--all"],
}


@pytest.mark.parametrize("label", COMMANDS)
def test_price_and_limit_commands_from_a_warm_cache(cache, label):
    env = {**os.environ, "TOKEN_BUDGET_AT": "2026-11-25"}
    root = str(Path(__file__).resolve().parents[1])
    argv = [sys.executable, "-c", DRIVER, *COMMANDS[label]]
    cold = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=root)
    assert cold.returncode == 0, cold.stderr
    assert (cache / catalog_cache.FILE_NAME).is_file()
    warm = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=root)
    assert warm.returncode == 0, warm.stderr
    assert warm.stdout == cold.stdout
    expected = "['difflib']" if label == "models query" else "[]"
    assert warm.stderr.strip() == f"imported: {expected}"
    if label == "cost":
        assert "total         $0.004550" in warm.stdout
