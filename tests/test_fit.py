"""`budget fit` and `budget report --against`: a scenario fitted from generated traffic whose
parameters are known recovers them, reproduces the log's bill, and projects the next week
within the band it prints.

The generated logs are OpenAI Chat Completions responses (as `tests/fixtures` and the other
usage tests write them: `object`, `created`, `model`, `choices[].finish_reason`, `usage`
with `prompt_tokens_details.cached_tokens`), drawn with a fixed seed:

* first calls: Poisson(2,000) a day over 14 days from Monday 2026-11-02, three times as
  many an hour from 09:00 to 17:00 UTC as in the other hours;
* input tokens log-normal with p50 2,400 and p95 6,000; half of each prompt read from cache;
* the reply wanted is log-normal with p50 300 and p95 900, sent with max_tokens 1,000: a
  longer one ends `length` at 1,000 and is continued by a second call (input + 1,000, the
  rest of the reply), as a scenario's `on_truncation: continue` prices it;
* optionally a conversation id per call (`metadata.conversation_id`), turns per
  conversation drawn 1 + Poisson(3).

Truncation rate, by hand: sigma = ln(900/300)/1.645 = 0.6679, and a reply is cut when
ln(W/300) > ln(1000/300) = 1.2040, i.e. z > 1.8027: P = 3.57%.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from budget.cli import cli
from budget.workload.scenario import load_scenario

START = dt.datetime(2026, 11, 2, tzinfo=dt.timezone.utc)  # a Monday
KNOWN = {
    "calls_per_day": 2000,
    "input_p50": 2400,
    "input_p95": 6000,
    "output_p50": 300,
    "output_p95": 900,
    "max_tokens": 1000,
    "cache_share": 0.5,
    "truncation_rate": 0.0357,  # by hand, above
    "busy_hour_factor": 3 / (8 * 3 + 16) * 24,  # 1.8: a busy hour's share against 1/24
}
Z_P95 = 1.6448536269514722


def chat_log(
    path: Path,
    *,
    days: int = 14,
    first_day: int = 0,
    seed: int = 7,
    timestamps: bool = True,
    conversations: bool = False,
    model: str = "gpt-5.4-mini",
    calls_per_day: int = KNOWN["calls_per_day"],
    monthly_growth: float = 0.0,
) -> int:
    """Write a generated log (see the module's doc); the number of records written."""
    rng = np.random.default_rng(seed)
    weights = np.array([3.0 if 9 <= hour < 17 else 1.0 for hour in range(24)])
    weights /= weights.sum()

    def lognormal(p50: float, p95: float, size: int) -> np.ndarray:
        sigma = math.log(p95 / p50) / Z_P95
        return np.maximum(1, np.rint(np.exp(rng.normal(math.log(p50), sigma, size)))).astype(int)

    records = []
    conversation, turns_left = 0, 0
    for day in range(first_day, first_day + days):
        rate = calls_per_day * (1 + monthly_growth) ** (day / (365 / 12))
        count = int(rng.poisson(rate))
        hours = rng.choice(24, size=count, p=weights)
        seconds = np.sort(hours * 3600 + rng.integers(0, 3600, size=count))
        inputs = lognormal(KNOWN["input_p50"], KNOWN["input_p95"], count)
        wanted = lognormal(KNOWN["output_p50"], KNOWN["output_p95"], count)
        for second, prompt, reply in zip(
            seconds.tolist(), inputs.tolist(), wanted.tolist(), strict=True
        ):
            if turns_left == 0:
                conversation, turns_left = conversation + 1, 1 + int(rng.poisson(3))
            turns_left -= 1
            created = int(START.timestamp()) + day * 86_400 + second
            cached = int(prompt * KNOWN["cache_share"])
            cap = KNOWN["max_tokens"]
            calls = [(prompt, min(reply, cap), "length" if reply > cap else "stop", created)]
            if reply > cap:  # the continuation: the prompt and the cut reply, then the rest
                calls.append((prompt + cap, reply - cap, "stop", created + 2))
            for sent, got, finish, when in calls:
                record = {
                    "id": f"chatcmpl-{len(records)}",
                    "object": "chat.completion",
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": "..."},
                            "finish_reason": finish,
                        }
                    ],
                    "usage": {
                        "prompt_tokens": sent,
                        "completion_tokens": got,
                        "total_tokens": sent + got,
                        "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
                        "completion_tokens_details": {"reasoning_tokens": 0},
                    },
                }
                if timestamps:
                    record["created"] = when
                if conversations:
                    record["metadata"] = {"conversation_id": f"conv-{conversation}"}
                records.append(json.dumps(record))
    text = "\n".join(records) + "\n"
    if path.suffix == ".gz":  # mtime 0: the same bytes on every run
        path.write_bytes(gzip.compress(text.encode(), mtime=0))
    else:
        path.write_text(text, encoding="utf-8")
    return len(records)


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def pilot(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pilot")
    chat_log(folder / "pilot.jsonl", conversations=True)
    return folder


@pytest.fixture(scope="module")
def fitted(pilot) -> tuple[Path, dict]:
    result = CliRunner().invoke(
        cli,
        ["fit", str(pilot / "pilot.jsonl"), "-o", str(pilot / "pilot.yaml"), "--json"],
        catch_exceptions=False,
        env={"TOKEN_BUDGET_AT": "2026-11-25"},
    )
    assert result.exit_code == 0, result.output
    return pilot / "pilot.yaml", json.loads(result.stdout)["scenarios"][0]["values"]


def test_fit_recovers_the_known_traffic(fitted):
    path, values = fitted
    scenario = load_scenario(path)  # `budget report` reads it as it is
    assert scenario.models[0].name == "gpt-5.4-mini"
    assert scenario.start == dt.date(2026, 11, 2)  # the log's first day, not today
    # calls: Poisson(2,000) a day over 14 days, the mean's standard error 12 (0.6%)
    low, expected, high = scenario.ranges["traffic.calls_per_day"]
    assert low < KNOWN["calls_per_day"] < high
    assert scenario.traffic.calls_per_day == pytest.approx(2000, rel=0.02)
    assert scenario.traffic.monthly_growth == 0  # flat traffic: no trend told apart from 0
    # lengths: 28,000 draws put the median within 1.5%; the p95 within 5% (continuations,
    # 3.6% of calls, add their prompt + 1,000 to the input side)
    assert scenario.input_tokens.p50 == pytest.approx(KNOWN["input_p50"], rel=0.02)
    assert scenario.input_tokens.p95 == pytest.approx(KNOWN["input_p95"], rel=0.05)
    assert scenario.output_tokens.p50 == pytest.approx(KNOWN["output_p50"], rel=0.03)
    # the censored fit: the spread that cuts as many replies at 1,000 as the log did
    assert scenario.output_tokens.p95 == pytest.approx(KNOWN["output_p95"], rel=0.06)
    assert scenario.max_tokens == KNOWN["max_tokens"]
    assert values["truncation_rate"] == pytest.approx(KNOWN["truncation_rate"], abs=0.004)
    assert scenario.on_truncation == "continue"
    # half of each prompt cached; a continuation re-sends 1,000 more and reads the same
    assert scenario.cache_read_share == pytest.approx(KNOWN["cache_share"], abs=0.01)
    # busiest hour: 1.8x the mean hour by construction; the largest of 112 busy hours of
    # Poisson(150) lies about 2.5 standard deviations (12) above, 1.8 x 180/150 = 2.16
    assert KNOWN["busy_hour_factor"] < values["peak_hour_factor"] < 2.4
    assert scenario.traffic.peak_factor >= values["peak_hour_factor"]
    # turns: 1 + Poisson(3), median 4 and p95 7 by hand (P(Poisson(3) <= 5) = 0.916, <= 6
    # 0.966), mean 4; a cut reply's follow-up (3.6% of turns) is one more call of its
    # conversation: mean 4 x 1.036 = 4.14
    assert values["turns.p50"] == 4 and values["turns.p95"] in (7, 8)
    assert values["turns.mean"] == pytest.approx(4.14, abs=0.1)
    assert "turns per conversation: p50 4" in path.read_text(encoding="utf-8")


def test_every_fitted_value_says_where_it_came_from(fitted):
    path, _ = fitted
    text = path.read_text(encoding="utf-8")
    lines = {line.split(":")[0].strip(): line for line in text.splitlines() if ":" in line}
    for key in ("model", "calls_per_day", "peak_factor", "input_tokens", "output_tokens"):
        assert "2026-11-02..2026-11-15" in lines[key], key
    assert "calls" in lines["read_share"] and "ended `length`" in lines["max_tokens"]
    assert "95% interval" in lines["p50"]


def test_backtest_reproduces_the_logs_bill_within_2_percent(fitted, pilot):
    path, _ = fitted
    log = str(pilot / "pilot.jsonl")
    usage = json.loads(run("usage", log, "--json").stdout)
    result = run("report", str(path), "--against", log, "--json")
    assert result.exit_code == 0, result.output
    backtest = json.loads(result.stdout)
    total = backtest["total"]
    # the actual side is `budget usage`'s own total, to the micro-dollar
    assert total["actual_usd"] == pytest.approx(float(usage["total_usd"]), abs=1e-6)
    assert abs(total["error_pct"]) < 2
    assert total["within_band"] is True
    assert [row["day"] for row in backtest["by_day"]][:2] == ["2026-11-02", "2026-11-03"]
    assert len(backtest["by_day"]) == 14 and backtest["days"] == 14
    assert sum(row["actual_usd"] for row in backtest["by_day"]) == pytest.approx(
        total["actual_usd"]
    )
    (model,) = backtest["by_model"]
    assert model["model"] == "gpt-5.4-mini" and model["actual_calls"] == usage["rows"]


def test_backtest_table(fitted, pilot):
    path, _ = fitted
    result = run("report", str(path), "--against", str(pilot / "pilot.jsonl"))
    assert result.exit_code == 0
    out = result.stdout
    assert "95% band" in out and "2026-11-15" in out
    assert "projected over the log's 14 days (2026-11-02..2026-11-15)" in out


def test_week_one_projects_week_two_within_the_band_it_prints(tmp_path):
    chat_log(tmp_path / "week1.jsonl", days=7, seed=11)
    chat_log(tmp_path / "week2.jsonl", days=7, first_day=7, seed=12)
    assert run("fit", str(tmp_path / "week1.jsonl"), "-o", str(tmp_path / "w1.yaml")).exit_code == 0
    text = (tmp_path / "w1.yaml").read_text(encoding="utf-8")
    assert "growth: the log spans 7 days" in text  # not fitted on one week
    result = run(
        "report", str(tmp_path / "w1.yaml"), "--against", str(tmp_path / "week2.jsonl"), "--json"
    )
    total = json.loads(result.stdout)["total"]
    assert total["band_low_usd"] <= total["actual_usd"] <= total["band_high_usd"]
    # a band that says something: within 4% of the projection either side (about 3% here:
    # 1.2% Poisson noise of 14,000 calls, 0.85% for the daily mean, the medians' intervals)
    assert total["band_high_usd"] - total["band_low_usd"] < 0.08 * total["projected_usd"]


def test_a_log_without_times_says_what_it_could_not_fit(tmp_path):
    records = chat_log(tmp_path / "untimed.jsonl", days=1, timestamps=False)
    result = run("fit", str(tmp_path / "untimed.jsonl"), "-o", str(tmp_path / "s.yaml"))
    assert result.exit_code == 0
    assert "not fitted (gpt-5.4-mini): calls_per_day: the records give no time" in result.stderr
    text = (tmp_path / "s.yaml").read_text(encoding="utf-8")
    assert "# NOT FITTED: calls_per_day" in text and "EDIT" in text
    scenario = load_scenario(tmp_path / "s.yaml")
    cut = records - scenario.traffic.calls_per_day  # one follow-up per cut reply
    assert 0 < cut < 0.06 * records
    assert scenario.traffic.peak_factor == 1  # not fitted: the default
    # a backtest needs days
    result = run("report", str(tmp_path / "s.yaml"), "--against", str(tmp_path / "untimed.jsonl"))
    assert result.exit_code == 2
    assert "give no time" in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_small_log_checked_by_hand(tmp_path):
    """Four calls on two days: 2 a day; inputs 1,000, 1,000, 3,000, 3,000 (nearest-rank p50
    1,000, p95 3,000, mean 2,000); 500 cached each, 2,000 of 8,000 (read_share 0.25). The
    log-normal of p50 1,000 and p95 3,000 has a mean of 1,000 x exp((ln 3 / 1.645)^2 / 2) =
    1,250, far from 2,000: p95 is set so the mean is 2,000, sigma = sqrt(2 ln 2) = 1.1774,
    p95 = 1,000 x exp(1.645 x 1.1774) = 6,936."""
    day = int(START.timestamp())
    lines = [
        {
            "object": "chat.completion",
            "created": day + offset,
            "model": "gpt-5.4-mini",
            "choices": [{"index": 0, "finish_reason": "stop"}],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": 100,
                "prompt_tokens_details": {"cached_tokens": 500},
            },
        }
        for offset, prompt in ((60, 1000), (120, 3000), (86_460, 1000), (86_520, 3000))
    ]
    log = tmp_path / "small.jsonl"
    log.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    assert run("fit", str(log), "-o", str(tmp_path / "s.yaml")).exit_code == 0
    scenario = load_scenario(tmp_path / "s.yaml")
    assert scenario.traffic.calls_per_day == 2
    assert scenario.input_tokens.p50 == 1000 and scenario.input_tokens.p95 == 6936
    assert scenario.output_tokens.tokens == 100  # every reply 100: fixed
    assert scenario.cache_read_share == 0.25
    assert scenario.max_tokens is None  # nothing was cut
    # a name YAML would read otherwise is quoted
    assert run("fit", str(log), "-o", str(tmp_path / "n.yaml"), "--name", "yes: 1").exit_code == 0
    assert load_scenario(tmp_path / "n.yaml").name == "yes: 1"


def test_a_log_of_two_models_gives_a_scenario_each(tmp_path):
    chat_log(tmp_path / "a.jsonl", days=2, seed=1)
    chat_log(tmp_path / "b.jsonl", days=2, seed=2, model="gpt-5.2")
    result = run(
        "fit",
        str(tmp_path / "a.jsonl"),
        str(tmp_path / "b.jsonl"),
        "-o",
        str(tmp_path / "svc.yaml"),
    )
    assert result.exit_code == 0
    mini = load_scenario(tmp_path / "svc-gpt-5.4-mini.yaml")
    big = load_scenario(tmp_path / "svc-gpt-5.2.yaml")
    assert mini.models[0].name == "gpt-5.4-mini" and big.models[0].name == "gpt-5.2"
    assert not (tmp_path / "svc.yaml").exists()
    # each backtested on the whole log: the other model is named, not counted
    result = run(
        "report",
        str(tmp_path / "svc-gpt-5.2.yaml"),
        "--against",
        str(tmp_path / "a.jsonl"),
        "--against",
        str(tmp_path / "b.jsonl"),
        "--json",
    )
    assert "not in the scenario, left out: gpt-5.4-mini" in result.stderr
    backtest = json.loads(result.stdout)
    assert [row["model"] for row in backtest["by_model"]] == ["gpt-5.2"]
    assert abs(backtest["total"]["error_pct"]) < 3  # two days: Poisson noise of the draws


@pytest.mark.parametrize(
    "record, conversation",
    [
        ({"conversation_id": "c-1"}, "c-1"),
        ({"session_id": 17}, "17"),
        ({"conversation": {"id": "conv_abc"}}, "conv_abc"),  # OpenAI Responses
        ({"metadata": {"session_id": "s-2"}}, "s-2"),  # LiteLLM, request metadata
        ({"gen_ai": {"conversation": {"id": "g-3"}}}, "g-3"),  # an OTel GenAI span, expanded
        ({"metadata": {"user_id": "u-1"}}, None),  # a user is not a conversation
        ({"conversation_id": True}, None),
    ],
)
def test_where_a_record_names_its_conversation(record, conversation):
    from pricing.usage import record_conversation

    assert record_conversation(record) == conversation


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "no usage rows found"),
        (
            json.dumps(
                {"model": "gpt-99-imaginary", "usage": {"prompt_tokens": 5, "completion_tokens": 1}}
            ),
            "no call could be priced, nothing to fit (gpt-99-imaginary: unknown model",
        ),
        (
            json.dumps(
                {"model": "gpt-5.4-mini", "usage": {"prompt_tokens": 5, "completion_tokens": -1}}
            ),
            "no call could be priced, nothing to fit",
        ),
    ],
    ids=["empty", "unknown model only", "all unpriced"],
)
def test_bad_logs_are_one_line_errors(tmp_path, content, message):
    log = tmp_path / "log.jsonl"
    log.write_text(content, encoding="utf-8")
    result = run("fit", str(log), "-o", str(tmp_path / "s.yaml"))
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "s.yaml").exists()


def test_the_output_may_not_be_the_log(pilot):
    log = str(pilot / "pilot.jsonl")
    before = (pilot / "pilot.jsonl").stat().st_size
    result = run("fit", log, "-o", log)
    assert result.exit_code == 2 and "destroy the input" in result.stderr
    assert (pilot / "pilot.jsonl").stat().st_size == before


def test_tools_and_batch_shares(tmp_path):
    """Ten flat records over two days: 3 used web search twice each (share 0.3, 2 per call),
    4 went through the batch API (0.4)."""
    lines = [
        {
            "model": "gpt-5.4-mini",
            "input_tokens": 1000,
            "output_tokens": 100,
            "timestamp": f"2026-11-0{2 + k % 2}T10:0{k}:00Z",
            **({"tool_calls": {"web_search": 2}} if k < 3 else {}),
            **({"batch": True} if k >= 6 else {}),
        }
        for k in range(10)
    ]
    log = tmp_path / "flat.jsonl"
    log.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    assert run("fit", str(log), "-o", str(tmp_path / "s.yaml")).exit_code == 0
    scenario = load_scenario(tmp_path / "s.yaml")
    (tool,) = scenario.tools
    assert (tool.tool, tool.share, tool.per_call) == ("web_search", 0.3, 2)
    assert scenario.batch_share == 0.4
    assert scenario.traffic.calls_per_day == 5
    # the backtest prices the tool fees and the batch discount as the log's own bill did
    result = run("report", str(tmp_path / "s.yaml"), "--against", str(log), "--json")
    total = json.loads(result.stdout)["total"]
    assert abs(total["error_pct"]) < 1  # every call alike: only the simulation's noise


def test_against_writes_no_files(fitted, pilot):
    path, _ = fitted
    result = run(
        "report", str(path), "--against", str(pilot / "pilot.jsonl"), "-o", str(pilot / "x.csv")
    )
    assert result.exit_code == 2 and "--against prints a backtest" in result.stderr
    assert not (pilot / "x.csv").exists()


ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "fit.md"


def test_the_docs_fixture_is_the_generated_log_and_its_fit(tmp_path):
    """tests/fixtures/usage/pilot.jsonl.gz is chat_log's output (150 first calls a day, seed
    2026), and pilot.yaml beside it what `budget fit` writes from it today."""
    chat_log(tmp_path / "pilot.jsonl", calls_per_day=150, conversations=True, seed=2026)
    fixtures = ROOT / "tests" / "fixtures" / "usage"
    committed = gzip.decompress((fixtures / "pilot.jsonl.gz").read_bytes()).decode()
    assert committed == (tmp_path / "pilot.jsonl").read_text(encoding="utf-8")
    out = tmp_path / "pilot.yaml"
    assert run("fit", str(fixtures / "pilot.jsonl.gz"), "-o", str(out)).exit_code == 0
    mine = out.read_text(encoding="utf-8").replace(str(fixtures), "tests/fixtures/usage")
    assert mine.replace(str(out), "tests/fixtures/usage/pilot.yaml") == (
        fixtures / "pilot.yaml"
    ).read_text(encoding="utf-8"), "regenerate: budget fit ... -o tests/fixtures/usage/pilot.yaml"
    shown = DOC.read_text(encoding="utf-8").split("```yaml\n", 1)[1].split("```", 1)[0]
    assert shown == (fixtures / "pilot.yaml").read_text(encoding="utf-8")


def test_a_streamed_anthropic_call_is_one_call_with_its_reply(tmp_path):
    """Anthropic streams a call as message_start (the input) and message_delta (the reply):
    two rows of the log, one call of the fit, with the delta's output (800 and 400 here:
    nearest-rank median 400, mean 600)."""
    events = []
    for output in (800, 400):
        events += [
            {
                "type": "message_start",
                "message": {
                    "type": "message",
                    "model": "claude-haiku-4-5",
                    "usage": {"input_tokens": 2_000, "output_tokens": 1},
                },
            },
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn"},
                "usage": {"output_tokens": output},
            },
            {"type": "message_stop"},
        ]
    log = tmp_path / "stream.jsonl"
    log.write_text("".join(json.dumps(event) + "\n" for event in events), encoding="utf-8")
    result = run("fit", str(log), "-o", str(tmp_path / "s.yaml"), "--json", "--at", "2026-11-25")
    (fitted,) = json.loads(result.stdout)["scenarios"]
    assert fitted["calls"] == 2
    assert fitted["values"]["output_tokens.p50"] == 400
    assert fitted["values"]["output_tokens.mean"] == 600


def test_a_csv_log_with_a_time_column(tmp_path):
    """The fit reads what `budget usage` reads: a CSV with token columns and ISO times. Six
    calls over three days (2 a day), one cut at 500 (finish_reason length)."""
    rows = ["model,input_tokens,output_tokens,cached_tokens,finish_reason,timestamp"]
    for day in range(3):
        for hour, output, finish in ((9, 200, "stop"), (15, 500 if day == 1 else 300, None)):
            finish = finish or ("length" if day == 1 else "stop")
            rows.append(
                f"gpt-5.4-mini,3000,{output},1000,{finish},2026-11-0{2 + day}T{hour:02d}:00:00Z"
            )
    log = tmp_path / "calls.csv"
    log.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert run("fit", str(log), "-o", str(tmp_path / "s.yaml")).exit_code == 0
    scenario = load_scenario(tmp_path / "s.yaml")
    assert scenario.start == dt.date(2026, 11, 2)
    assert scenario.max_tokens == 500
    # 6 calls less the 1 follow-up the cut reply is taken to have had, over 3 days
    assert scenario.traffic.calls_per_day == pytest.approx(5 / 3, abs=0.05)
    # cached 1,000 of each prompt; the cut reply's follow-up re-sent 500: 6,000 / 17,500
    assert scenario.cache_read_share == pytest.approx(6000 / 17500, abs=1e-4)


def test_counts_spread_evenly_still_backtest_to_the_logs_bill(tmp_path):
    # Before: token counts spread evenly (mean at or below the median) were drawn log-normal
    # from their p50 and p95, whose mean is above the median: +6.7% on the pilot's own log.
    # Now p50 moves so the mean is the log's (p95 kept), and the comment says so.
    rng = np.random.default_rng(3)
    lines = []
    for day in range(14):
        for second in np.sort(rng.integers(8 * 3600, 20 * 3600, size=200)).tolist():
            usage = {
                "prompt_tokens": int(rng.integers(500, 3001)),
                "completion_tokens": int(rng.integers(50, 601)),
            }
            created = int(START.timestamp()) + day * 86_400 + second
            lines.append(json.dumps({"model": "gpt-5.4-mini", "created": created, "usage": usage}))
    log = tmp_path / "even.jsonl"
    log.write_text("\n".join(lines) + "\n")
    result = run("fit", str(log), "-o", str(tmp_path / "even.yaml"), "--json")
    assert result.exit_code == 0, result.output
    values = json.loads(result.stdout)["scenarios"][0]["values"]
    assert values["input_tokens.mean"] < 1800 < values["input_tokens.p95"]
    assert values["input_tokens.p50"] < values["input_tokens.mean"]  # moved below the median
    text = (tmp_path / "even.yaml").read_text()
    assert "p50 set so the mean is the log's" in text and "set by the mean (observed" in text
    backtest = json.loads(
        run("report", str(tmp_path / "even.yaml"), "--against", str(log), "--json").stdout
    )
    assert abs(backtest["total"]["error_pct"]) < 2
