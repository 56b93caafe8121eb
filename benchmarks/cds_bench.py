"""CDS Hooks ``order-select`` latency on loopback: p50/p99 at 1, 10 and 50 concurrent clients, and at fixed rates.

Seeds a store with the demo patients (plans computed), starts the service on a free loopback port and sends CDS Hooks
requests in the specification's format: a clopidogrel order for demo-01-hale (CYP2C19 poor metabolizer: one critical
card with suggestions). Every request is authenticated, authorized, audited (one audit row each) and answered from
the store. Bounded: a fixed number of requests (or seconds) per level, 10 s timeout each; the server is stopped at
the end. The load average of the machine is printed with every level, since other work on the same cores inflates
the numbers. The server runs on ``--server-cpus`` and the load generator on ``--client-cpus`` (default: CPU 0 and
CPU 1 — on 2 cores the two then do not take turns on one core; other processes of the machine still can).

Three load generators:

- ``--client python`` (default): Python ``httpx`` clients in a closed loop (each sends its next request as soon as
  its previous answer arrives), ``uvicorn tailormed.service.app:app_from_env`` with one or more worker processes,
  and every call carrying its own ES384-signed client JWT (signed before the timed loop), as the specification
  requires of a real EHR.
- ``--client wrk``: the C load generator ``wrk`` (``apt-get install wrk``), closed loop, against the service in demo
  mode (one or more processes sharing one listening socket), where unsigned loopback calls are the demo client (wrk
  cannot sign a fresh JWT per call).
- ``--client open``: an open loop against the same demo-mode service: requests are started at a fixed rate
  (``--rates``, per second) over ``--clients`` keep-alive connections whatever the answers do, and each latency is
  counted from the moment its request was due (a request waiting for a free connection waits on the clock), so a
  stall shows in the tail as it would to an EHR sending orders at that rate.

    .venv/bin/python benchmarks/cds_bench.py --workers 1 2
    .venv/bin/python benchmarks/cds_bench.py --client wrk --seconds 10 --workers 1 2
    .venv/bin/python benchmarks/cds_bench.py --client open --rates 250 500 1000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec

ISSUER = "https://bench-ehr.example/"
SERVICE = "/cds-services/tailormed-pgx-order-select"


def seed(folder: Path) -> None:
    from tailormed.knowledge.bundle import load_bundle
    from tailormed.service.analysis import Analyzer
    from tailormed.service.core import Platform
    from tailormed.service.demo import seed as seed_demo
    from tailormed.store.config import StoreConfig

    platform = Platform.open(StoreConfig.in_folder(folder))
    seed_demo(platform, Analyzer(load_bundle()))
    platform.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request_body() -> dict[str, Any]:
    order = {
        "resourceType": "MedicationRequest", "id": "bench-1", "status": "draft", "intent": "order",
        "subject": {"reference": "Patient/demo-01-hale"},
        "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                                  "code": "32968", "display": "clopidogrel"}], "text": "clopidogrel"},
    }
    return {"hook": "order-select", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/bench", "patientId": "demo-01-hale",
                        "selections": ["MedicationRequest/bench-1"],
                        "draftOrders": {"resourceType": "Bundle", "entry": [{"resource": order}]}}}


def tokens(key: Any, audience: str, count: int) -> list[str]:
    now = int(time.time())
    return [jwt.encode({"iss": ISSUER, "aud": audience, "exp": now + 3600, "iat": now, "jti": str(uuid.uuid4())},
                       key, algorithm="ES384", headers={"kid": "bench", "typ": "JWT"}) for _ in range(count)]


async def level(base: str, clients: int, requests: int, signed: list[str]) -> list[float]:
    body = json.dumps(request_body())
    latencies: list[float] = []
    queue = list(signed)

    async def client(http: httpx.AsyncClient, count: int) -> None:
        for _ in range(count):
            token = queue.pop()
            start = time.perf_counter()
            response = await http.post(SERVICE, content=body, headers={"Authorization": f"Bearer {token}",
                                                                       "Content-Type": "application/json"})
            latencies.append(time.perf_counter() - start)
            if response.status_code != 200 or len(response.json()["cards"]) != 1:
                raise RuntimeError(f"unexpected answer {response.status_code}: {response.text[:200]}")

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=10.0, limits=limits) as http:
        per_client = max(1, requests // clients)
        await asyncio.gather(*(client(http, per_client) for _ in range(clients)))
    return latencies


PINS: dict[str, set[int] | None] = {"server": None, "client": None}
"""CPUs the server and the load generator run on (None: wherever the kernel puts them)."""


def pinned(cpus: set[int] | None) -> Any:
    """A ``preexec_fn`` that binds the child process (and what it forks) to ``cpus``."""
    if cpus is None:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


def run(workers: int, levels: list[int], requests: int, folder: Path) -> list[dict[str, Any]]:
    key = ec.generate_private_key(ec.SECP384R1())
    jwk = {**json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key())), "kid": "bench", "alg": "ES384"}
    issuers = folder / "issuers.json"
    issuers.write_text(json.dumps({ISSUER: {"keys": [jwk]}}))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "TAILORMED_DATABASE_URL": f"sqlite:///{folder / 'tailormed.db'}",
           "TAILORMED_KEY_FILE": str(folder / "master.key"), "TAILORMED_CDS_ISSUERS": str(issuers),
           "TAILORMED_BASE_URL": base, "TAILORMED_RUN_WORKER": "0"}
    env.pop("TAILORMED_MASTER_KEY", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "tailormed.service.app:app_from_env", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"],
        env=env, preexec_fn=pinned(PINS["server"]),
    )
    try:
        wait_for(base, server)
        audience = base + SERVICE
        asyncio.run(level(base, 4, 40 * workers, tokens(key, audience, 40 * workers)))  # warm every worker up
        rows = []
        for clients in levels:
            count = max(requests, clients * 10)
            latencies = asyncio.run(level(base, clients, count, tokens(key, audience, count)))
            ordered = sorted(latencies)
            rows.append({
                "client": "python", "workers": workers, "clients": clients, "requests": len(latencies),
                "p50_ms": round(statistics.median(ordered) * 1000, 1),
                "p99_ms": round(ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000, 1),
                "throughput_rps": round(len(latencies) / max(1e-9, sum(latencies) / clients), 1),
                "load_average": round(os.getloadavg()[0], 2),
            })
            print(json.dumps(rows[-1]), flush=True)
        return rows
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


DEMO_SERVER = """
import multiprocessing
import signal
import socket
import sys
from pathlib import Path

import uvicorn

from tailormed.service.app import create_app
from tailormed.service.settings import ServiceSettings
from tailormed.store.config import StoreConfig

folder, port, workers = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])


def serve(sock: socket.socket) -> None:
    settings = ServiceSettings(store=StoreConfig.in_folder(folder), demo=True, run_worker=False,
                               base_url=f"http://127.0.0.1:{port}")
    config = uvicorn.Config(create_app(settings), log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


sock = socket.socket()
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", port))
sock.listen(2048)
if workers == 1:
    serve(sock)
else:  # one listening socket shared by forked processes, as uvicorn --workers does
    context = multiprocessing.get_context("fork")
    children = [context.Process(target=serve, args=(sock,)) for _ in range(workers)]
    for child in children:
        child.start()
    signal.signal(signal.SIGTERM, lambda *_: [child.terminate() for child in children])
    for child in children:
        child.join()
"""


def wait_for(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.time() + 60
    while True:
        try:
            if httpx.get(f"{base}/cds-services", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.time() > deadline or server.poll() is not None:
            raise RuntimeError("the server did not start")
        time.sleep(0.3)


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """User + system CPU time of a process so far (Linux ``/proc``), with its live child processes'."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    if children:
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            total += cpu_seconds(int(child))
    return total


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


@contextlib.contextmanager
def demo_service(folder: Path, workers: int) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The demo-mode service (``workers`` processes on one socket) on a free loopback port: its URL and process."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-c", DEMO_SERVER, str(folder), str(port), str(workers)], preexec_fn=pinned(PINS["server"])
    )
    try:
        wait_for(base, server)
        yield base, server
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def run_wrk(levels: list[int], seconds: int, folder: Path, workers: int) -> list[dict[str, Any]]:
    """The demo-mode service under wrk (closed loop): p50/p99 from wrk's latency distribution."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    script = folder / "post.lua"
    body = json.dumps(request_body()).replace("\\", "\\\\").replace("'", "\\'")
    script.write_text(f"wrk.method = 'POST'\nwrk.headers['Content-Type'] = 'application/json'\nwrk.body = '{body}'\n")
    rows = []
    with demo_service(folder, workers) as (base, server):
        url = base + SERVICE
        subprocess.run([wrk, "-t1", "-c4", "-d2s", "-s", str(script), url], check=True, capture_output=True,
                       preexec_fn=pinned(PINS["client"]))  # warm
        for clients in levels:
            load_before = os.getloadavg()[0]
            cpu_before = cpu_seconds(server.pid, children=True)
            done = subprocess.run(
                [wrk, f"-t{min(2, clients)}", f"-c{clients}", f"-d{seconds}s", "--timeout", "10s", "--latency",
                 "-s", str(script), url],
                check=True, capture_output=True, text=True, preexec_fn=pinned(PINS["client"]),
            )
            text = done.stdout
            if "Non-2xx" in text or "Socket errors" in text:
                raise RuntimeError(f"wrk saw failed requests:\n{text}")
            quantiles = {q: _ms(v, u) for q, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)}
            rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
            served = re.search(r"(\d+) requests in", text)
            cpu = cpu_seconds(server.pid, children=True) - cpu_before
            rows.append({
                "client": "wrk", "workers": workers, "clients": clients, "seconds": seconds,
                "p50_ms": round(quantiles["50"], 1), "p99_ms": round(quantiles["99"], 1),
                "throughput_rps": float(rate.group(1)) if rate else None,
                "server_cpu_ms_per_request": round(1000 * cpu / int(served.group(1)), 2) if served else None,
                "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            })
            print(json.dumps(rows[-1]), flush=True)
    return rows


async def open_loop(port: int, rate: float, seconds: float, connections: int) -> tuple[list[float], float]:
    """Requests started every ``1/rate`` s over ``connections`` keep-alive connections, each latency counted from
    the moment the request was due; the latencies and the seconds the run took."""
    body = json.dumps(request_body()).encode()
    request = (
        f"POST {SERVICE} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    loop = asyncio.get_running_loop()
    latencies: list[float] = []

    async def call(due: float) -> None:
        reader, writer = await idle.get()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = re.search(rb"(?i)content-length:\s*(\d+)", head)
        answer = await reader.readexactly(int(length.group(1)) if length else 0)
        latencies.append(loop.time() - due)
        idle.put_nowait((reader, writer))
        if not head.startswith(b"HTTP/1.1 200") or answer.count(b'"indicator"') != 1:
            raise RuntimeError(f"unexpected answer: {head[:40]!r} {answer[:200]!r}")

    total = int(rate * seconds)
    start = loop.time() + 0.05
    calls = []
    for i in range(total):
        due = start + i / rate
        wait = due - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        calls.append(asyncio.ensure_future(call(due)))
    await asyncio.wait_for(asyncio.gather(*calls), timeout=seconds + 30)
    took = loop.time() - start
    while not idle.empty():
        idle.get_nowait()[1].close()
    return latencies, took


def run_open(rates: list[float], seconds: int, connections: int, folder: Path, workers: int) -> list[dict[str, Any]]:
    """The demo-mode service under an open loop at each of ``rates`` requests per second."""
    rows = []
    with demo_service(folder, workers) as (base, server):
        port = int(base.rsplit(":", 1)[1])
        asyncio.run(open_loop(port, 200, 2, 4))  # warm
        for rate in rates:
            load_before = os.getloadavg()[0]
            cpu_before = cpu_seconds(server.pid, children=True)
            latencies, took = asyncio.run(open_loop(port, rate, seconds, connections))
            cpu = cpu_seconds(server.pid, children=True) - cpu_before
            ordered = sorted(latencies)

            def quantile(q: float, ordered: list[float] = ordered) -> float:
                return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000, 1)

            rows.append({
                "client": "open", "workers": workers, "connections": connections, "offered_rps": rate,
                "seconds": seconds, "requests": len(ordered), "achieved_rps": round(len(ordered) / took, 1),
                "p50_ms": quantile(0.50), "p99_ms": quantile(0.99), "p999_ms": quantile(0.999),
                "max_ms": round(ordered[-1] * 1000, 1),
                "server_cpu_ms_per_request": round(1000 * cpu / len(ordered), 2),
                "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            })
            print(json.dumps(rows[-1]), flush=True)
    return rows


def cpus(text: str) -> set[int] | None:
    """``0`` / ``0,1`` / ``none`` (no pinning)."""
    return None if text == "none" else {int(part) for part in text.split(",")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client", choices=["python", "wrk", "open"], default="python")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="server processes")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10, 50], help="concurrent clients (python, wrk)")
    parser.add_argument("--connections", type=int, default=50, help="keep-alive connections (open)")
    parser.add_argument("--rates", type=float, nargs="+", default=[250, 500, 1000], help="requests per second (open)")
    parser.add_argument("--requests", type=int, default=500, help="requests per level (python; at least 10 per client)")
    parser.add_argument("--seconds", type=int, default=10, help="seconds per level (wrk, open)")
    parser.add_argument("--server-cpus", type=cpus, default=cpus("0"), help="CPUs of the server (e.g. 0, 0,1, none)")
    parser.add_argument("--client-cpus", type=cpus, default=cpus("1"), help="CPUs of the load generator")
    args = parser.parse_args()
    available = os.sched_getaffinity(0)
    PINS["server"] = args.server_cpus if args.server_cpus is None or args.server_cpus <= available else None
    PINS["client"] = args.client_cpus if args.client_cpus is None or args.client_cpus <= available else None
    if PINS["client"] is not None:
        os.sched_setaffinity(0, PINS["client"])  # this process is the load generator of --client python/open
    print(json.dumps({"server_cpus": sorted(PINS["server"] or available),
                      "client_cpus": sorted(PINS["client"] or available)}), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        seed(folder)
        for workers in args.workers:
            if args.client == "wrk":
                run_wrk(args.clients, args.seconds, folder, workers)
            elif args.client == "open":
                run_open(args.rates, args.seconds, args.connections, folder, workers)
            else:
                run(workers, args.clients, args.requests, folder)


if __name__ == "__main__":
    main()
