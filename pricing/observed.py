"""A call as a log or the command line reports it: its usage, model and how it was served.

Apart from :mod:`pricing.usage` (which reads provider records into these) so that a price
query from token counts (`budget cost --input ... --output ...`) builds one without loading
the usage reader's tables.
"""

from __future__ import annotations

from collections.abc import Mapping

from pricing.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from pricing.dates import CallTime
    from pricing.engine import Usage


class ObservedCall(Record):
    usage: Usage
    model: str | None
    api: str  # openai-chat | openai-responses | anthropic | gemini | xai-chat | ... | tokens
    finish_reason: str | None
    truncated: bool
    batch: bool = False  # read from a batch API's output file
    service_tier: str | None = None  # flex, priority, fast, ... as the response reports it
    calls: int = 1  # 0 for a streaming event that completes another event's call
    # Built-in tool uses billed per use ({"web_search": 2}): see pricing.tool_uses.tool_calls().
    tool_calls: Mapping[str, int] = {}
    created: CallTime | None = None  # when the call was made (UTC), if the record says
