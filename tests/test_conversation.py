"""Conversations and agent loops in a scenario (issue #14): every turn re-sends the history.

Figures are worked by hand from the catalog's published rates (comments show the sums)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from click.testing import CliRunner

from budget.cli import cli
from budget.workload.projection import project
from budget.workload.scenario import load_scenario
from pricing.catalog import load_catalog
from pricing.errors import InputError

BOT = """\
name: bot
model: {model}
traffic: {{conversations_per_day: {per_day}}}
conversation:
  turns: 3
  system_tokens: {system}
  user_tokens: 100
  cache: {cache}
  gap_seconds: {gap}
output_tokens: 200
max_tokens: 1000
horizon_months: 1
simulated_calls: 300
"""

AGENT_CATALOG = """\
provider: acme
source: https://example.invalid/acme-prices
as_of: 2026-01-01
models:
  - id: acme-agent
    name: Acme Agent
    context_window: 10000
    max_output_tokens: 1000
    tokenizer: estimate:generic
    prices: {input: 1, output: 2}
"""

AGENT = """\
model: acme-agent
traffic: {conversations_per_day: 1000}
conversation:
  turns: 5
  system_tokens: 1000
  user_tokens: 3000      # each tool result
  history: HISTORY
  cache: none
output_tokens: 500
max_tokens: 1000
horizon_months: 1
simulated_calls: 50
"""


def bot(tmp_path, model="gpt-5.2", cache="none", system=1000, per_day=20000, gap=60):
    path = tmp_path / "bot.yaml"
    path.write_text(BOT.format(model=model, cache=cache, system=system, per_day=per_day, gap=gap))
    return project(load_scenario(path), load_catalog([])).models[0]


def test_three_turns_without_cache_cost_what_the_issue_worked_out(tmp_path):
    item = bot(tmp_path)
    stats = item.conversation
    # gpt-5.2 $1.75 / $14 per 1M: inputs 1,100 + 1,400 + 1,700 = 4,200 tokens = $0.00735,
    # outputs 3 x 200 = 600 tokens = $0.0084: $0.01575 per conversation.
    assert stats.per_conversation_usd == Decimal("0.01575")
    assert stats.p50_per_conversation_usd == stats.p95_per_conversation_usd == Decimal("0.01575")
    assert stats.calls_per_conversation == 3 and item.calls_simulated == 300
    assert item.totals.input_tokens == 100 * 4200 and item.totals.cache_read_tokens == 0


def test_openai_caches_the_previous_prompt_in_128_token_steps(tmp_path):
    item = bot(tmp_path, cache="auto")
    # OpenAI caches prompts of 1,024+ tokens in 128-token steps (cache read $0.175 per 1M).
    # Turn 1: 1,100 uncached (the 1,000-token system prompt is under 1,024).
    # Turn 2: the previous 1,100-token prompt is a prefix: 1,024 read, 376 uncached.
    # Turn 3: the previous 1,400: 1,280 read, 420 uncached.
    # Uncached 1,896 x $1.75 = $0.003318; read 2,304 x $0.175 = $0.0004032; output $0.0084.
    assert item.conversation.per_conversation_usd == Decimal("0.0121212")
    assert item.totals.cache_read_tokens == 100 * 2304
    assert item.totals.cache_write_tokens == 0  # gpt-5.2 bills no cache writes


def test_a_gap_longer_than_the_cache_lifetime_reads_nothing(tmp_path):
    # OpenAI keeps an unused prefix 5 minutes (the short end of "5 to 10"): 10 minutes apart,
    # every turn starts cold, so caching changes nothing here.
    item = bot(tmp_path, cache="auto", gap=600)
    assert item.conversation.per_conversation_usd == Decimal("0.01575")


def test_anthropic_reads_the_previous_prompt_and_writes_the_new_part(tmp_path):
    # Sonnet 4.5: input $3, cache read $0.30, 5-minute write $3.75, output $15 per 1M.
    # 100 conversations a day: fewer than one per 5-minute lifetime, so turn 1 starts cold.
    # Turn 1: 2,100 written. Turn 2: 2,100 read, 300 written. Turn 3: 2,400 read, 300 written.
    # Writes 2,700 x $3.75 = $0.010125; reads 4,500 x $0.30 = $0.00135; output 600 x $15 =
    # $0.009: $0.020475 (without cache: 7,200 x $3 + $0.009 = $0.0306).
    item = bot(tmp_path, model="claude-sonnet-4-5", cache="auto", system=2000, per_day=100)
    assert item.conversation.per_conversation_usd == Decimal("0.020475")
    # 20,000 a day keep the system prompt warm: turn 1 reads 2,000 and writes 100 instead.
    # Saves 2,000 x ($3.75 - $0.30) = $0.0069.
    warm = bot(tmp_path, model="claude-sonnet-4-5", cache="auto", system=2000)
    assert warm.conversation.per_conversation_usd == Decimal("0.013575")


def agent(tmp_path, history: str):
    catalog = tmp_path / "acme.yaml"
    catalog.write_text(AGENT_CATALOG)
    path = tmp_path / "agent.yaml"
    path.write_text(AGENT.replace("HISTORY", history))
    return project(load_scenario(path), load_catalog([str(catalog)])).models[0]


def test_an_agent_that_outgrows_the_context_window_is_cut_and_reported(tmp_path):
    item = agent(tmp_path, "full")
    # A turn may send min(10,000, 10,000 - max_tokens 1,000) = 9,000 tokens. Turn 1: 1,000 +
    # 3,000 = 4,000; turn 2: + history 3,500 = 7,500; turn 3 would be 11,000: its history is
    # cut to 5,000 (9,000 sent), as are turns 4 and 5. 38,500 input tokens per run.
    assert item.totals.input_tokens == 10 * 38_500
    assert item.conversation.cut_share == 1.0
    # $1 / $2 per 1M: 38,500 x $1 + 2,500 x $2 = $0.0435 per run
    assert item.conversation.per_conversation_usd == Decimal("0.0435")


def test_history_last_n_turns_keeps_the_agent_inside_the_window(tmp_path):
    item = agent(tmp_path, "last 1")
    # Turn 1: 4,000; turns 2-5 send the last turn (3,500) + system + the new result: 7,500.
    assert item.totals.input_tokens == 10 * (4000 + 4 * 7500)
    assert item.conversation.cut_share == 0.0


def test_a_summarised_history_costs_an_extra_call_each_time(tmp_path):
    item = agent(tmp_path, "summarised at 5000")
    # summary_tokens defaults to 10% of 5,000 = 500. Turn 3's history (7,000) is over 5,000:
    # a summary call (input 1,000 + 7,000, output 500) replaces it by 500, so turn 3 sends
    # 4,500; turn 4: 500 + 3,500 = 4,000 history, 8,000 sent; turn 5: 7,500 is over again:
    # a summary call (8,500 in, 500 out), turn 5 sends 4,500.
    # Calls: 5 turns + 2 summaries; input 4,000 + 7,500 + 4,500 + 8,000 + 4,500 + 16,500.
    assert item.conversation.calls_per_conversation == 7
    assert item.conversation.summary_calls == 20
    assert item.totals.input_tokens == 10 * 45_000
    assert item.totals.output_tokens == 10 * (5 * 500 + 2 * 500)


def test_the_csv_gives_conversations_and_counts_every_turn(tmp_path):
    path = tmp_path / "bot.yaml"
    path.write_text(BOT.format(model="gpt-5.2", cache="none", system=1000, per_day=20000, gap=60))
    table = (project(load_scenario(path), load_catalog([]))).exact_table
    day = table[table["period"] == "day"].iloc[0]
    # 20,000 conversations a day of 3 turns: 60,000 calls; $0.01575 x 20,000 = $315 a day
    assert day["calls"] == 60_000 and day["conversations"] == 20_000
    assert day["total_usd"] == Decimal("315.000000")
    assert day["per_conversation_usd"] == Decimal("0.01575000")
    assert day["per_call_usd"] == Decimal("0.00525000")
    # capacity counts turns: 60,000 a day = 41.667 a minute (peak factor 1)
    assert day["peak_rpm"] == pytest.approx(41.667, abs=0.001)


@pytest.mark.parametrize(
    "edit, message",
    [
        (("turns: 3", "turns: 0"), "conversation.turns: a conversation has at least 1 turn"),
        (("cache: none", "cache: sometimes"), "conversation.cache: expected auto or none"),
        (("user_tokens: 100", "user_tokens: 100\n  history: last"), "expected full, last N"),
        (("conversations_per_day", "calls_per_day"), "counts conversations_per_day"),
        (
            ("conversation:\n", "conversation_off:\n"),
            "conversation_off: unknown key",
        ),
        (("output_tokens: 200", "input_tokens: 5\noutput_tokens: 200"), "remove input_tokens"),
        (
            (
                "user_tokens: 100",
                "user_tokens: 100\n  history: {summarise_at: 500, summary_tokens: 500}",
            ),
            "conversation.history.summary_tokens: must be < summarise_at",
        ),
        (("gap_seconds: 60", "gap_seconds: -1"), "conversation.gap_seconds: must be >= 0"),
        (("max_tokens: 1000", "max_tokens: 1000\nbatch_share: 0.5"), "batch_share: does not apply"),
        (("max_tokens: 1000", "max_tokens: 1000\ncache: {read_share: 0.5}"), "cache: does not"),
        (("system_tokens: 1000", "system_tokens: lots"), "conversation.system_tokens: expected"),
        (("  turns: 3\n", ""), "conversation: turns: required"),
        (("  cache: none", "  cache: none\n  memory: 5"), "conversation.memory: unknown key"),
    ],
)
def test_conversation_mistakes_name_file_line_and_key(tmp_path, edit, message):
    path = tmp_path / "bot.yaml"
    text = BOT.format(model="gpt-5.2", cache="none", system=1000, per_day=20000, gap=60)
    path.write_text(text.replace(*edit))
    with pytest.raises(InputError, match=message) as info:
        load_scenario(path)
    assert str(info.value).startswith(str(path) + ":")


def test_report_cli_exits_2_on_a_bad_history(tmp_path):
    path = tmp_path / "bot.yaml"
    text = BOT.format(model="gpt-5.2", cache="none", system=1000, per_day=20000, gap=60)
    path.write_text(text.replace("gap_seconds: 60", "gap_seconds: 60\n  history: last 0"))
    result = CliRunner().invoke(cli, ["report", str(path)])
    assert result.exit_code == 2
    assert "conversation.history.last: must be >= 1" in result.output


CALLS = """\
name: calls
model: {model}
traffic: {{calls_per_day: 1000}}
input_tokens: 1000
output_tokens: 100
max_tokens: 500
horizon_months: 1
simulated_calls: 10000
{extra}
"""


def calls_scenario(tmp_path, extra: str, model: str = "gpt-5.2"):
    path = tmp_path / "calls.yaml"
    path.write_text(CALLS.format(model=model, extra=extra))
    return load_scenario(path)


def test_a_share_of_calls_pays_the_web_search_fee(tmp_path):
    scenario = calls_scenario(tmp_path, "tools: {web_search: {share: 0.25, per_call: 2}}")
    item = project(scenario, load_catalog([])).models[0]
    # OpenAI web search $10 per 1,000 calls: 2 searches on ~25% of 10,000 simulated calls
    uses = item.totals.tool_calls
    assert 4_800 <= uses <= 5_200 and uses % 2 == 0
    assert item.totals.tool_usd == Decimal(uses) / 100
    # tokens: 1,000 x $1.75 + 100 x $14 per 1M = $0.00315 a call, plus the fees
    assert item.totals.total_usd == Decimal("0.00315") * 10_000 + Decimal(uses) / 100


def test_a_tool_the_provider_does_not_bill_is_an_error_at_its_key(tmp_path):
    scenario = calls_scenario(tmp_path, "tools: {web_search: 0.5}", model="deepseek-flash")
    with pytest.raises(InputError, match=r"tools.web_search: deepseek-flash has no published"):
        project(scenario, load_catalog([]))


def test_embedding_lines_price_the_corpus_and_the_queries(tmp_path):
    extra = (
        "embeddings: {model: text-embedding-3-large, corpus_tokens: 10000000, "
        "reindex_every_months: 1, reindex_share: 0.5, query_tokens: 50}\n"
        "horizon_months: 2"
    )
    text = CALLS.format(model="gpt-5.2", extra=extra).replace("horizon_months: 1\n", "")
    path = tmp_path / "rag.yaml"
    path.write_text(text)
    table = (project(load_scenario(path), load_catalog([]))).exact_table
    lines = table[table["line"] != "generation"].set_index(["line", "period"])
    # text-embedding-3-large $0.13 per 1M: the 10M corpus $1.30 in month 1, half again in month 2
    assert lines.loc[("embedding corpus", "month-01"), "total_usd"] == Decimal("1.3")
    assert lines.loc[("embedding corpus", "month-02"), "total_usd"] == Decimal("0.65")
    assert lines.loc[("embedding corpus", "total"), "total_usd"] == Decimal("1.95")
    # 1,000 calls a day x 50 tokens x $0.13 per 1M = $0.0065 a day
    assert lines.loc[("embedding queries", "day"), "total_usd"] == Decimal("0.0065")


@pytest.mark.parametrize(
    "extra, message",
    [
        ("embeddings: {model: gpt-5.2}", "embeddings.model: gpt-5.2 is not an embedding model"),
        ("embeddings: {corpus_tokens: 5}", "embeddings: model: required"),
        ("embeddings: {model: embed-v4.0, corpus_batch: true}", "has no batch API"),
        ("tools: {web_search: 2}", "tools.web_search: must be a share between 0 and 1"),
    ],
)
def test_embedding_and_tool_mistakes_are_one_line_errors(tmp_path, extra, message):
    with pytest.raises(InputError, match=message):
        project(calls_scenario(tmp_path, extra), load_catalog([]))


def test_whatif_varies_turns_history_and_tool_shares(tmp_path):
    from budget.workload.whatif import parse_vary, what_if

    path = tmp_path / "bot.yaml"
    path.write_text(BOT.format(model="gpt-5.2", cache="none", system=1000, per_day=20000, gap=60))
    varies = [parse_vary("turns=3,4"), parse_vary("history=full,last 1")]
    varies.append(parse_vary("web_search=0,0.5"))
    result = what_if(path, varies, load_catalog([]))
    rows = {(r["turns"], r["history"], r["web_search"]): r for r in result.records()}
    # 4 turns, no cache: inputs 1,100 + 1,400 + 1,700 + 2,000 = 6,200 x $1.75 + 800 x $14 per
    # 1M = $0.02205 a conversation
    assert rows[(4, "full", 0)]["per_conversation_usd"] == Decimal("0.02205")
    # last 1: from turn 2 on, one earlier turn (300) is re-sent: 1,100 + 3 x 1,400 = 5,300
    # x $1.75 + 800 x $14 per 1M = $0.020475
    assert rows[(4, "last 1", 0)]["per_conversation_usd"] == Decimal("0.020475")
    # half the turns search once at $10 per 1,000: +$0.005 a call on average
    with_search = rows[(3, "full", 0.5)]["per_call_usd"] - rows[(3, "full", 0)]["per_call_usd"]
    assert abs(with_search - Decimal("0.005")) < Decimal("0.0008")


def test_conversation_calls_agree_with_the_per_call_engine(tmp_path):
    # Every simulated turn priced one by one with the Decimal engine adds up to the
    # projection's exact totals (cache reads and writes, long-context tiers included).
    from budget.workload.projection import simulate
    from pricing.engine import Usage, cost

    path = tmp_path / "long.yaml"
    text = BOT.format(model="claude-sonnet-4-5", cache="auto", system=199500, per_day=100, gap=60)
    path.write_text(text.replace("turns: 3", "turns: {p50: 3, p95: 9}"))
    scenario = load_scenario(path)
    model = load_catalog([]).resolve("claude-sonnet-4-5", "1m-context")  # tiers above 200K
    draws, costs, _, _ = simulate(scenario, model, 300)
    t = draws.tokens
    total = sum(
        cost(
            model,
            Usage(
                int(t.input_tokens[i]),
                int(t.output_tokens[i]),
                int(t.cache_read_tokens[i]),
                int(t.cache_write_tokens[i]),
            ),
        ).total_usd
        for i in range(len(t))
    )
    assert total == costs.totals.total_usd
    assert (t.input_tokens > 200_000).any() and t.cache_write_tokens.any()


def test_report_json_has_no_nan(tmp_path):
    import json

    path = tmp_path / "rag.yaml"
    extra = "embeddings: {model: text-embedding-3-small, corpus_tokens: 1000, query_tokens: 9}"
    path.write_text(CALLS.format(model="gpt-5.2", extra=extra))
    result = CliRunner().invoke(cli, ["report", str(path), "--json"])
    assert result.exit_code == 0, result.output

    def refuse(name):
        raise AssertionError(f"{name} in --json output")

    rows = json.loads(result.output, parse_constant=refuse)["rows"]
    assert {row["line"] for row in rows} == {"generation", "embedding corpus", "embedding queries"}


def test_conversations_per_day_needs_a_conversation_section(tmp_path):
    path = tmp_path / "calls.yaml"
    text = CALLS.format(model="gpt-5.2", extra="").replace("calls_per_day", "conversations_per_day")
    path.write_text(text)
    with pytest.raises(InputError, match="traffic: conversations_per_day/month goes with a"):
        load_scenario(path)


def test_the_calls_that_write_summaries_use_no_tools(tmp_path):
    # 100 conversations (300 calls / 3 turns) of 3 turns; turn 3's history (2 x (100 + 200)
    # = 600 tokens) is over 300: one summary call each. Every turn searches the web once;
    # the summary calls do not: 300 searches, not 400.
    text = BOT.format(model="gpt-5.2", cache="none", system=1000, per_day=20000, gap=60)
    text = text.replace("  gap_seconds: 60\n", "  gap_seconds: 60\n  history: summarised at 300\n")
    path = tmp_path / "bot.yaml"
    path.write_text(text + "tools: {web_search: 1}\n")
    item = project(load_scenario(path), load_catalog([])).models[0]
    assert item.conversation.summary_calls == 100 and item.calls_simulated == 400
    assert item.totals.tool_calls == 300
