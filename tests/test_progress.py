"""Progress on standard error: drawn on a terminal, silent when piped."""

from __future__ import annotations

import io
import sys

import pytest

from budget.cli.progress import Progress
from pricing.errors import InputError


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_drawn_on_a_terminal():
    screen = Terminal()
    with Progress("priced", "rows", total=3_000_000, stream=screen, interval=0) as progress:
        progress.note("dask dashboard: http://127.0.0.1:8787/status")
        progress(1_000_000)
        progress(2_000_000)
    text = screen.getvalue()
    assert text.startswith("dask dashboard: http://127.0.0.1:8787/status\n")
    assert "\rpriced: 3,000,000 / 3,000,000 rows" in text and text.endswith("\n")


def test_silent_when_piped():
    pipe = io.StringIO()
    with Progress("priced", "rows", stream=pipe, interval=0) as progress:
        progress.note("dask dashboard: http://127.0.0.1:8787/status")
        progress(10)
    assert pipe.getvalue() == ""


def test_quick_runs_draw_nothing_even_on_a_terminal():
    screen = Terminal()
    with Progress("priced", "rows", stream=screen) as progress:  # 0.5 s before a first line
        progress(10)
    assert screen.getvalue() == ""


def test_dask_engine_without_the_extra_is_a_one_line_error(monkeypatch):
    from budget.cluster import dask_client

    monkeypatch.setitem(sys.modules, "distributed", None)
    with (
        pytest.raises(InputError, match=r"needs dask and distributed \(pip install"),
        dask_client(),
    ):
        pass
