"""Several server processes on one port, each accepting connections on a listening socket of its own
(``tailormed serve --workers N``).

uvicorn's ``--workers N`` shares one listening socket between its processes, and whichever process is awake takes
every connection waiting: an EHR's keep-alive connections, opened together, end up mostly on one process (from 1.4
to several hundred times as many as the other, measured under the CDS Hooks benchmark), which then sets the latency
of every call while the other idles. Here every process binds the port with ``SO_REUSEPORT`` (Linux), and the kernel
spreads new connections over the sockets by their addresses, so each process gets its share.

Each process builds its own application (``make_app(index)``, after the fork: its own store connections, audit
writer and caches); whatever is shared between them lives in the store. If a process ends on its own, the others
are stopped and the command fails, so that a supervisor restarts the service whole; if the parent is killed
outright, the processes notice and stop.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import socket
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


def _serve_one(make_app: Callable[[int], Any], index: int, host: str, port: int, log_level: str) -> None:
    import uvicorn

    signal.signal(signal.SIGINT, signal.SIG_DFL)  # uvicorn installs its own handlers for a graceful stop
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parent = multiprocessing.parent_process()
    if parent is not None:  # a parent killed outright (SIGKILL) cannot stop us: stop when it is gone
        threading.Thread(target=_stop_with, args=(parent.sentinel,), name="tailormed-parent", daemon=True).start()
    sock = listening_socket(host, port)
    config = uvicorn.Config(make_app(index), log_level=log_level)
    uvicorn.Server(config).run(sockets=[sock])


def _stop_with(parent_sentinel: int) -> None:
    wait([parent_sentinel])
    os.kill(os.getpid(), signal.SIGTERM)


def serve_processes(
    make_app: Callable[[int], Any], *, host: str, port: int, workers: int, log_level: str = "info"
) -> None:
    """Serve ``make_app(index)`` (called in process ``index``, 0 to ``workers - 1``) from ``workers`` forked processes
    until SIGINT or SIGTERM;
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
        for index in range(workers):
            started = context.Process(target=_serve_one, args=(make_app, index, host, port, log_level), daemon=False)
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
