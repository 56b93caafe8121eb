"""Several server processes on one port, each accepting connections on a listening socket of its own.

uvicorn's ``--workers N`` shares one listening socket between its processes, and whichever process is awake takes
every connection waiting: an EHR's keep-alive connections, opened together, end up mostly on one process (from 1.4
to several hundred times as many as the other, measured under the CDS Hooks benchmark), which then sets the latency
of every call while the other idles. Here every process binds the port with ``SO_REUSEPORT`` (Linux), and the kernel
spreads new connections over the sockets by their addresses, so each process gets its share.

    python -m tailormed.service.workers --workers 2 --host 0.0.0.0 --port 8000

serves the application :func:`~tailormed.service.app.app_from_env` builds (the environment configures the store,
the CDS issuers and the public URL), as ``uvicorn tailormed.service.app:app_from_env --factory`` does. The store is
opened (and migrated) once before the processes start. If a process ends on its own, the others are stopped and
the command fails, so that a supervisor restarts the service whole.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from typing import Any, cast

from tailormed.errors import TailormedError

_log = logging.getLogger("tailormed.service")


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port`` beside the other processes' (``SO_REUSEPORT``)."""
    if not hasattr(socket, "SO_REUSEPORT"):
        raise TailormedError("several server processes need SO_REUSEPORT (Linux): serve with one process")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def _serve_one(make_app: Callable[[], Any], host: str, port: int, log_level: str) -> None:
    import uvicorn

    signal.signal(signal.SIGINT, signal.SIG_DFL)  # uvicorn installs its own handlers for a graceful stop
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parent = multiprocessing.parent_process()
    if parent is not None:  # a parent killed outright (SIGKILL) cannot stop us: stop when it is gone
        threading.Thread(target=_stop_with, args=(parent.sentinel,), name="tailormed-parent", daemon=True).start()
    sock = listening_socket(host, port)
    config = uvicorn.Config(make_app(), log_level=log_level, access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


def _stop_with(parent_sentinel: int) -> None:
    wait([parent_sentinel])
    os.kill(os.getpid(), signal.SIGTERM)


def serve_processes(
    make_app: Callable[[], Any], *, host: str, port: int, workers: int, log_level: str = "warning"
) -> None:
    """Serve ``make_app()`` (called in each process) from ``workers`` forked processes until SIGINT or SIGTERM;
    :class:`TailormedError` when a process ended on its own (the others are stopped first)."""
    if port == 0:
        raise TailormedError("several server processes share a port: give one (--port)")
    listening_socket(host, port).close()  # fail here, not in every child, when the port cannot be had
    context = multiprocessing.get_context("fork")
    children: list[BaseProcess] = []
    stopping = False
    crashed = ""

    def stop(_signum: int, _frame: Any) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        for child in children:
            if child.is_alive() and child.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child.pid, signal.SIGTERM)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for _ in range(workers):
            started = context.Process(target=_serve_one, args=(make_app, host, port, log_level), daemon=False)
            started.start()
            children.append(started)
        running = {child.sentinel: child for child in children}
        while running:
            for sentinel in wait(list(running)):
                ended = running.pop(cast(int, sentinel))
                ended.join()  # its sentinel is ready as it exits, a moment before it can be reaped
                if not stopping:
                    crashed = f"server process {ended.pid} ended on its own (exit code {ended.exitcode})"
                    _log.error("%s: stopping the others", crashed)
                    stop(signal.SIGTERM, None)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if crashed:
        raise TailormedError(crashed)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tailormed.service.workers", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2, help="server processes (at least 1)")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    from tailormed.service.app import app_from_env
    from tailormed.service.core import Platform
    from tailormed.service.settings import ServiceSettings

    Platform.open(ServiceSettings.from_env().store).close()  # key file and migrations once, before the processes
    try:
        serve_processes(
            app_from_env, host=args.host, port=args.port, workers=max(1, args.workers), log_level=args.log_level
        )
    except TailormedError as exc:
        sys.exit(f"error: {exc}")


if __name__ == "__main__":
    main()
