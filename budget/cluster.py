"""A Dask client for ``--engine dask``: the scheduler the user names, or a local cluster of
worker processes sized to the machine. Dask and distributed come with the ``dask`` extra
(``pip install 'token-budget[dask]'``) and are imported only here, only when asked for."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from pricing.errors import InputError

DASK_EXTRA = "pip install 'token-budget[dask]'"
ENGINES = ("local", "dask")


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise InputError(f"--engine dask needs dask and distributed ({DASK_EXTRA})") from None
    return distributed


@contextlib.contextmanager
def dask_client(
    scheduler: str | None = None, *, workers: int | None = None, dashboard: bool = False
) -> Iterator[Any]:
    """A ``distributed.Client`` for the run, closed at the end. ``scheduler``: an address
    (``tcp://host:8786``) of a running cluster; None: a local cluster with one single-threaded
    worker process per core (``workers``), its dashboard on a free port if ``dashboard``."""
    distributed = _distributed()
    if scheduler:
        try:
            client = distributed.Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(f"--scheduler: cannot reach {scheduler} ({reason})") from None
        with client:
            yield client
        return
    cluster = distributed.LocalCluster(
        n_workers=workers or os.cpu_count() or 1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # a free port: other clusters may hold 8787
        silence_logs=logging.ERROR,
    )
    with cluster, distributed.Client(cluster) as client:
        yield client


def dashboard_link(client: Any) -> str | None:
    with contextlib.suppress(Exception):
        return client.dashboard_link
    return None


def in_order(futures: Sequence[Any], on_done: Callable[[int], None] | None = None) -> Iterator[Any]:
    """Results of ``futures`` in submission order (so the first error in file order is the
    one reported, as by the local engine); ``on_done`` hears of each finished future as it
    finishes. On an error the rest are cancelled."""
    distributed = _distributed()
    following = 0
    try:
        for _ in distributed.as_completed(futures):
            if on_done is not None:
                on_done(1)
            while following < len(futures) and futures[following].done():
                yield futures[following].result()  # raises the partition's error
                following += 1
    finally:
        for future in futures[following:]:
            future.cancel()
