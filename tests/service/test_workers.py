"""``python -m tailormed.service.workers``: processes with a listening socket each share the connections, stop
together on SIGTERM, and a process that dies takes the command down (so a supervisor restarts it whole)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"), reason="SO_REUSEPORT is Linux's")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _sockets(pid: int) -> set[str]:
    found = set()
    for entry in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = str(entry.readlink())
        except OSError:
            continue
        if target.startswith("socket:"):
            found.add(target)
    return found


def _get(sock: socket.socket, port: int) -> bytes:
    sock.sendall(f"GET /cds-services HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(65536)
    return head


@pytest.fixture
def served(tmp_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    env = {
        **os.environ,
        "TAILORMED_DATABASE_URL": f"sqlite:///{tmp_path / 'tailormed.db'}",
        "TAILORMED_KEY_FILE": str(tmp_path / "master.key"),
        "TAILORMED_RUN_WORKER": "0",
    }
    env.pop("TAILORMED_MASTER_KEY", None)
    command = [sys.executable, "-m", "tailormed.service.workers", "--workers", "2", "--port", str(port)]
    server = subprocess.Popen(command, env=env)
    deadline = time.time() + 120
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as probe:
                if _get(probe, port).startswith(b"HTTP/1.1 200") and len(_children(server.pid)) == 2:
                    break
        except OSError:
            pass
        assert server.poll() is None and time.time() < deadline, "the server did not start"
        time.sleep(0.3)
    workers = _children(server.pid)
    yield server, port
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
    for pid in workers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def test_each_process_accepts_its_share_and_all_stop_on_sigterm(served: tuple[subprocess.Popen[bytes], int]) -> None:
    server, port = served
    workers = _children(server.pid)
    idle = {pid: len(_sockets(pid)) for pid in workers}
    connections = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(40)]
    try:
        for connection in connections:
            assert _get(connection, port).startswith(b"HTTP/1.1 200")
        held = {pid: len(_sockets(pid)) - idle[pid] for pid in workers}
        assert sum(held.values()) >= 36  # (a probe's connection may still be closing)
        # spread by the kernel: each process holds at least 5 of the 40 (binomial: fewer is a 1-in-10^7 event)
        assert min(held.values()) >= 5, held
    finally:
        for connection in connections:
            connection.close()
    server.send_signal(signal.SIGTERM)
    assert server.wait(60) == 0
    assert not any(Path(f"/proc/{pid}").exists() and _state(pid) != "Z" for pid in workers)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


def test_a_process_that_dies_stops_the_others_and_the_command(served: tuple[subprocess.Popen[bytes], int]) -> None:
    server, _ = served
    first, second = _children(server.pid)
    os.kill(first, signal.SIGKILL)
    assert server.wait(60) != 0
    deadline = time.time() + 30
    while _state(second) != "Z" and Path(f"/proc/{second}").exists() and time.time() < deadline:
        time.sleep(0.1)
    assert _state(second) == "Z" or not Path(f"/proc/{second}").exists()


def test_processes_stop_when_their_parent_is_killed(served: tuple[subprocess.Popen[bytes], int]) -> None:
    """A parent killed outright cannot forward a stop: its processes notice it is gone and stop on their own."""
    server, _ = served
    workers = _children(server.pid)
    server.kill()
    server.wait(30)
    deadline = time.time() + 60
    while any(_running(pid) for pid in workers) and time.time() < deadline:
        time.sleep(0.2)
    assert not any(_running(pid) for pid in workers)


def _running(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists() and _state(pid) != "Z"
