"""The fast road of `budget usage` (issue 20) reads what the per-line road read."""

from __future__ import annotations

import json

from budget.usage.read import read_rows

PLAIN = {"model": "gpt-5.2", "usage": {"input_tokens": 1000, "output_tokens": 100}}
# An OpenAI Responses object that ran two web searches (two web_search_call items).
SEARCHED = {
    "model": "gpt-5.2",
    "output": [{"type": "web_search_call"}, {"type": "web_search_call"}],
    "usage": {"input_tokens": 1000, "output_tokens": 100},
}


def test_tool_uses_are_found_in_the_one_block_of_a_log_that_has_them(tmp_path):
    # Raw lines are searched for tool uses only where their block may hold some: a block of
    # plain calls reports none, and the next block still finds its line's two searches.
    log = tmp_path / "log.jsonl"
    log.write_text("\n".join(json.dumps(r) for r in (PLAIN, PLAIN, SEARCHED, PLAIN)) + "\n")
    first, second = [rows for rows, _ in read_rows([str(log)], chunk_lines=2)]
    assert first.tool_calls is None
    assert second.tool_calls == [{"web_search": 2}, {}]
    assert second.lines == [3, 4]
