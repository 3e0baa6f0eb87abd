"""A Dask client for ``--engine dask``: the scheduler the user names, or a local cluster of
worker processes sized to the machine. Dask and distributed come with the ``dask`` extra
(``pip install 'token-budget[dask]'``) and are imported only here, only when asked for."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
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


# Seconds a scheduler has to answer (connect and handshake, then to show one worker): a
# server that accepts and says nothing, or speaks another protocol, must not hang the run.
SCHEDULER_DEADLINE = 10.0


def scheduler_deadline() -> float:
    """:data:`SCHEDULER_DEADLINE`, or Dask's connect timeout
    (``distributed.comm.timeouts.connect``) where that is shorter."""
    _distributed()  # which adds its settings to Dask's configuration
    import dask
    from dask.utils import parse_timedelta

    configured = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), "s")
    return min(SCHEDULER_DEADLINE, configured or SCHEDULER_DEADLINE)


@contextlib.contextmanager
def dask_client(
    scheduler: str | None = None, *, workers: int | None = None, dashboard: bool = False
) -> Iterator[Any]:
    """A ``distributed.Client`` for the run, closed at the end. ``scheduler``: an address
    (``tcp://host:8786``) of a running cluster, which must answer and show a worker within
    :func:`scheduler_deadline`; None: a local cluster with one single-threaded worker process
    per core (``workers``, at most the CPUs available), its dashboard on a free port if
    ``dashboard``."""
    distributed = _distributed()
    if scheduler:
        client = _connect(distributed, scheduler, scheduler_deadline())
        with client:
            yield client
        return
    from budget.tokenizers.count import available_cpus, capped_jobs

    with _interrupts_ignored():
        cluster = distributed.LocalCluster(
            n_workers=capped_jobs(workers or available_cpus())[0],
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # a free port: other clusters may hold 8787
            # a task's error reaches us through its future; what the workers log besides is
            # noise to a user, as when a stopped run's scheduler goes before its workers
            # ("Failed to communicate with scheduler during heartbeat" and a traceback)
            silence_logs=logging.CRITICAL,
        )
    with cluster, distributed.Client(cluster) as client:
        yield client


@contextlib.contextmanager
def _interrupts_ignored() -> Iterator[None]:
    """SIGINT ignored meanwhile, so in the worker processes started: Ctrl-C at a terminal goes
    to the whole process group, and each worker printed a traceback of its own (69 lines
    for 4 workers) while this process stops the cluster anyway. An ignored signal stays
    ignored across exec, and Python then leaves it so."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _connect(distributed: Any, scheduler: str, deadline: float) -> Any:
    """A client of the scheduler at ``scheduler``, or a one-line InputError within about
    ``deadline`` seconds (twice that at most: the handshake, then the first worker).

    distributed's own ``timeout`` covers opening the connection, not the handshake after
    it: a server that accepts and never answers held a run for minutes. So the handshake is
    tried first under a deadline of its own."""

    def cannot(reason: str) -> InputError:
        return InputError(f"--scheduler {scheduler}: {reason}")

    try:
        asyncio.run(_handshake(distributed, scheduler, deadline))
    except InputError:
        raise
    except TimeoutError:
        raise cannot(f"no answer within {deadline:g} s (is a Dask scheduler there?)") from None
    except OSError as exc:  # refused, unreachable: distributed retries until its deadline
        raise cannot(f"cannot connect ({_reason(exc)})") from None
    except Exception as exc:  # another protocol's bytes: MemoryError, ValueError, ...
        raise cannot(f"did not answer as a Dask scheduler does ({_reason(exc)})") from None
    try:
        client = distributed.Client(scheduler, timeout=f"{deadline}s")
    except Exception as exc:
        raise cannot(f"cannot connect ({_reason(exc)})") from None
    try:
        client.wait_for_workers(1, timeout=deadline)
    except Exception as exc:
        client.close()
        if isinstance(exc, TimeoutError):
            raise cannot(f"no worker joined within {deadline:g} s") from None
        raise cannot(f"cannot use it ({_reason(exc)})") from None
    return client


async def _handshake(distributed: Any, scheduler: str, deadline: float) -> None:
    from distributed.comm import connect

    arguments = distributed.Security().get_connection_args("client")  # TLS from Dask's config
    if scheduler.startswith("tls://") and arguments.get("ssl_context") is None:
        raise InputError(
            f"--scheduler {scheduler}: tls:// needs the client's certificates in Dask's "
            "configuration (distributed.comm.tls.client.cert and .key, tls.ca-file)"
        )
    # distributed gives up connecting at the deadline with its own error (which says why);
    # the second after it is for the handshake that follows, which has no deadline of its own.
    connecting = connect(scheduler, timeout=deadline, **arguments)
    comm = await asyncio.wait_for(connecting, deadline + 1)
    await comm.close()


def _reason(exc: BaseException) -> str:
    """An exception's message on one line, cut short, or its type's name."""
    text = " ".join(str(exc).split()[:40])
    return (text[:200] + "...") if len(text) > 200 else (text or type(exc).__name__)


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
