"""Progress of long runs on standard error: shown on a terminal, silent when piped."""

from __future__ import annotations

import sys
import time
from typing import IO


class Progress:
    """``label: 1,234,567 / 10,000,000 rows``, redrawn at most every ``interval`` seconds,
    on a terminal only; ``close`` ends the line. Counts may arrive from one thread only."""

    def __init__(
        self,
        label: str,
        unit: str,
        total: int | None = None,
        stream: IO[str] | None = None,
        interval: float = 0.5,
    ):
        self.stream = stream if stream is not None else sys.stderr
        self.shown = bool(getattr(self.stream, "isatty", lambda: False)())
        self.label, self.unit, self.total, self.interval = label, unit, total, interval
        self.done = 0
        self.drawn = time.monotonic()  # quick runs finish before the first drawing
        self.visible = False

    def set_total(self, total: int) -> None:
        self.total = total

    def note(self, message: str) -> None:
        """A line of its own (the Dask dashboard link), on a terminal only."""
        if self.shown:
            self.stream.write(f"{message}\n")
            self.stream.flush()

    def __call__(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if self.shown and now - self.drawn >= self.interval:
            self.drawn = now
            self._draw()

    def _draw(self) -> None:
        self.visible = True
        of = f" / {self.total:,}" if self.total else ""
        self.stream.write(f"\r{self.label}: {self.done:,}{of} {self.unit}")
        self.stream.flush()

    def close(self) -> None:
        if self.visible:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
