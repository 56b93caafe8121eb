"""CDS Hooks ``order-select`` latency on loopback: p50/p99 at 1, 10 and 50 concurrent clients, and at fixed rates.

Seeds a store with the demo patients (plans computed), starts the service on a free loopback port and sends CDS Hooks
requests in the specification's format: a clopidogrel order for demo-01-hale (CYP2C19 poor metabolizer: one critical
card with suggestions). Every request is authenticated, authorized, audited (one audit row each, committed before the
answer) and answered from the store; an answer that is not 200 with that one card fails the run. Bounded: a fixed
number of requests per level, 10 s timeout each; the server is stopped at the end. The load average of the machine
is printed with every level, since other work on the same cores inflates the numbers. The server runs on
``--server-cpus`` and the load generator on ``--client-cpus`` (default: CPU 0 and CPU 1 — on 2 cores the two then
do not take turns on one core; other processes of the machine still can).

Servers (``--auth``):

- ``signed``: ``tailormed serve --no-demo --workers N`` (N processes, each with a listening socket of its own) on
  the store ``--database`` names (a SQLite file, or a database of its own created
  on the PostgreSQL server of a URL and dropped at the end), every call carrying its own client JWT signed with
  ``--alg`` ES384 or RS384 (signed before the timed loop; its ``jti`` is claimed in the database with the audit
  event), as the specification requires of a real EHR.
- ``demo``: ``tailormed serve --demo --workers N``, the demo on SQLite, where unsigned loopback calls are the demo
  client.

Load generators (``--client``):

- ``autocannon`` (default): closed loop, each of ``--clients`` keep-alive connections sends its next request as soon
  as its previous answer arrives; ``benchmarks/cds_load.js`` on Node.js with the npm package autocannon, installed
  into ``benchmarks/node_modules`` from ``benchmarks/package-lock.json`` (``npm ci``) when missing. p50/p99 come
  from every answer's own latency.
- ``open``: an open loop against the demo-mode service: requests are started at a fixed rate (``--rates``, per
  second) over ``--connections`` keep-alive connections whatever the answers do, and each latency is counted from
  the moment its request was due (a request waiting for a free connection waits on the clock), so a stall shows in
  the tail as it would to an EHR sending orders at that rate.

    .venv/bin/python benchmarks/cds_bench.py --auth demo signed --alg ES384 RS384 --workers 1 2
    .venv/bin/python benchmarks/cds_bench.py --auth signed --database postgresql+psycopg://postgres@127.0.0.1:5432/x
    .venv/bin/python benchmarks/cds_bench.py --client open --rates 250 500 1000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import shutil
import socket
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
from cryptography.hazmat.primitives.asymmetric import ec, rsa

ISSUER = "https://bench-ehr.example/"
SERVICE = "/cds-services/tailormed-pgx-order-select"
HERE = Path(__file__).resolve().parent


def store_config(folder: Path, database: str) -> Any:
    """The benchmark's store: a SQLite file in ``folder``, or a new database on the PostgreSQL server of ``database``
    (see :func:`postgres_database`); the master key in ``folder``."""
    from tailormed.store.config import StoreConfig

    config = StoreConfig.in_folder(folder)
    return config if database == "sqlite" else StoreConfig(database_url=database, key_file=config.key_file)


@contextlib.contextmanager
def postgres_database(url: str) -> Iterator[str]:
    """A new, empty database on the server of ``url`` (named after this process), dropped at the end."""
    from sqlalchemy import create_engine, text

    base = url.rsplit("/", 1)[0]
    name = f"tailormed_cds_bench_{os.getpid()}"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def describe(database: str) -> dict[str, Any]:
    """What the timings depend on: the backend and its durability settings."""
    from sqlalchemy import create_engine, text

    if database == "sqlite":
        return {"database": "sqlite"}
    engine = create_engine(database)
    with engine.connect() as connection:
        facts = {
            name: connection.execute(text(f"SHOW {name}")).scalar_one()
            for name in ("server_version", "fsync", "synchronous_commit")
        }
    engine.dispose()
    return {"database": "postgresql", **facts}


def seed(config: Any) -> None:
    from tailormed.knowledge.bundle import load_bundle
    from tailormed.service.analysis import Analyzer
    from tailormed.service.core import Platform
    from tailormed.service.demo import seed as seed_demo

    platform = Platform.open(config)
    seed_demo(platform, Analyzer(load_bundle()))
    platform.close()


def fsync_probe(folder: Path, count: int = 200) -> dict[str, float]:
    """How long the disk under ``folder`` takes to sync an 8 KB append (p50/p90/p99 ms of ``count``): every call
    waits for one synced commit of its audit event, so these delays show in its latency."""
    probe = folder / "fsync-probe"
    took = []
    with probe.open("wb") as handle:
        for _ in range(count):
            handle.write(b"x" * 8192)
            handle.flush()
            start = time.perf_counter()
            os.fsync(handle.fileno())
            took.append(1000 * (time.perf_counter() - start))
    probe.unlink()
    took.sort()
    return {f"fsync_p{q}_ms": quantile(took, q / 100) for q in (50, 90, 99)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request_body() -> dict[str, Any]:
    order = {
        "resourceType": "MedicationRequest",
        "id": "bench-1",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": "Patient/demo-01-hale"},
        "medicationCodeableConcept": {
            "coding": [
                {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "32968", "display": "clopidogrel"}
            ],
            "text": "clopidogrel",
        },
    }
    return {
        "hook": "order-select",
        "hookInstance": str(uuid.uuid4()),
        "context": {
            "userId": "Practitioner/bench",
            "patientId": "demo-01-hale",
            "selections": ["MedicationRequest/bench-1"],
            "draftOrders": {"resourceType": "Bundle", "entry": [{"resource": order}]},
        },
    }


PINS: dict[str, set[int] | None] = {"server": None, "client": None}
"""CPUs the server and the load generator run on (None: wherever the kernel puts them)."""


def pinned(cpus: set[int] | None) -> Any:
    """A ``preexec_fn`` that binds the child process (and what it forks) to ``cpus``."""
    if cpus is None:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


class Signer:
    """The bench EHR's key (ES384 or RS384, the two algorithms CDS Hooks 2.0 names), registered with the service as a
    CDS client, and fresh JWTs under it."""

    def __init__(self, folder: Path, alg: str = "ES384") -> None:
        self.alg = alg
        self.key: Any = (
            ec.generate_private_key(ec.SECP384R1())
            if alg == "ES384"
            else rsa.generate_private_key(public_exponent=65537, key_size=2048)
        )
        algorithm = jwt.algorithms.get_default_algorithms()[alg]
        jwk = {**json.loads(algorithm.to_jwk(self.key.public_key())), "kid": "bench", "alg": alg}
        self.issuers = folder / f"issuers-{alg}.json"
        self.issuers.write_text(json.dumps({ISSUER: {"keys": [jwk]}}))

    def tokens(self, audience: str, count: int, file: Path) -> Path:
        now = int(time.time())
        file.write_text(
            "".join(
                jwt.encode(
                    {"iss": ISSUER, "aud": audience, "exp": now + 3600, "iat": now, "jti": str(uuid.uuid4())},
                    self.key,
                    algorithm=self.alg,
                    headers={"kid": "bench", "typ": "JWT"},
                )
                + "\n"
                for _ in range(count)
            )
        )
        return file


@contextlib.contextmanager
def signed_service(config: Any, signer: Signer, workers: int) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``tailormed serve --no-demo --workers N`` on ``config``'s store: URL, process."""
    env = {
        "TAILORMED_DATABASE_URL": config.database_url,
        "TAILORMED_KEY_FILE": str(config.key_file),
        "TAILORMED_CDS_ISSUERS": str(signer.issuers),
    }
    with served(["--no-demo"], env, workers) as service:
        yield service


@contextlib.contextmanager
def served(options: list[str], env: dict[str, str], workers: int) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``tailormed serve --workers N`` (N processes, each with a listening socket of its own) on a free loopback
    port, logging only problems: URL, process."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {**os.environ, **env, "TAILORMED_BASE_URL": base}
    environment.pop("TAILORMED_MASTER_KEY", None)
    command = ["-m", "tailormed", "serve", "--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    server = subprocess.Popen(
        [sys.executable, *command, *options],
        env=environment,
        stdout=subprocess.DEVNULL,
        preexec_fn=pinned(PINS["server"]),
    )
    try:
        wait_for(base, server)
        yield base, server
    finally:
        stop(server)


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


def wait_for(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.time() + 240  # demo mode seeds (analyses) first
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


@contextlib.contextmanager
def demo_service(folder: Path, workers: int) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``tailormed serve --demo --workers N`` (seeding its demo store below ``folder``): URL, process."""
    env = {"TAILORMED_HOME": str(folder / "home")}
    with served(["--demo"], {**env, "TAILORMED_DATABASE_URL": ""}, workers) as service:
        yield service


def autocannon() -> list[str]:
    """The command that runs ``cds_load.js``, after ``npm ci`` in ``benchmarks/`` when autocannon is not installed
    there at the version the lock file pins."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise SystemExit("the autocannon client needs Node.js and npm (apt-get install nodejs npm)")
    pinned_version = json.loads((HERE / "package-lock.json").read_text())["packages"]["node_modules/autocannon"]
    installed = HERE / "node_modules" / "autocannon" / "package.json"
    if not installed.exists() or json.loads(installed.read_text())["version"] != pinned_version["version"]:
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, stdout=subprocess.DEVNULL)
    return [node, str(HERE / "cds_load.js")]


def quantile(ordered: list[float], q: float) -> float:
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))], 1)


def closed_loop(
    command: list[str], base: str, clients: int, requests: int, tokens: Path | None, folder: Path
) -> dict[str, Any]:
    """One autocannon run: ``requests`` calls over ``clients`` connections; the latencies (ms) and counts."""
    config = folder / "load.json"
    config.write_text(
        json.dumps(
            {
                "url": base,
                "path": SERVICE,
                "body": json.dumps(request_body()),
                "connections": clients,
                "amount": requests,
                "tokens": str(tokens) if tokens else None,
            }
        )
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [*command, str(config)], check=True, capture_output=True, text=True, preexec_fn=pinned(PINS["client"])
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result: dict[str, Any] = json.loads(done.stdout)
    result["client_cpu_seconds"] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    failed = {k: result[k] for k in ("non2xx", "errors", "timeouts", "mismatches") if result[k]}
    if failed or len(result["latencies_ms"]) != requests:
        raise RuntimeError(f"failed calls at {clients} clients: {failed}, {len(result['latencies_ms'])} answers")
    return result


def run_closed(
    auth: str, database: str, levels: list[int], requests: int, folder: Path, workers: int, signer: Signer, config: Any
) -> list[dict[str, Any]]:
    """The service (signed or demo mode) under autocannon at each number of concurrent clients."""
    command = autocannon()
    rows = []
    service = demo_service(folder, workers) if auth == "demo" else signed_service(config, signer, workers)
    with service as (base, server):
        audience = base + SERVICE

        def tokens(count: int) -> Path | None:
            return signer.tokens(audience, count + 200, folder / "tokens.txt") if auth == "signed" else None

        closed_loop(command, base, 4, 400 * workers, tokens(400 * workers), folder)  # warm every worker up
        for clients in levels:
            count = max(requests, clients * 20)
            ticket = tokens(count)
            load_before = os.getloadavg()[0]
            cpu_before = cpu_seconds(server.pid, children=True)
            result = closed_loop(command, base, clients, count, ticket, folder)
            cpu = cpu_seconds(server.pid, children=True) - cpu_before
            ordered = sorted(result["latencies_ms"])
            rows.append(
                {
                    "client": "autocannon",
                    "auth": auth,
                    "alg": signer.alg if auth == "signed" else None,
                    **describe(database),
                    "workers": workers,
                    "clients": clients,
                    "requests": len(ordered),
                    "p50_ms": quantile(ordered, 0.50),
                    "p99_ms": quantile(ordered, 0.99),
                    "p999_ms": quantile(ordered, 0.999),
                    "max_ms": round(ordered[-1], 1),
                    "throughput_rps": round(len(ordered) / result["seconds"], 1),
                    "server_cpu_ms_per_request": round(1000 * cpu / len(ordered), 2),
                    "client_cpu_ms_per_request": round(1000 * result["client_cpu_seconds"] / len(ordered), 2),
                    "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
                }
            )
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

            ordered = [1000 * latency for latency in ordered]
            rows.append(
                {
                    "client": "open",
                    "workers": workers,
                    "connections": connections,
                    "offered_rps": rate,
                    "seconds": seconds,
                    "requests": len(ordered),
                    "achieved_rps": round(len(ordered) / took, 1),
                    "p50_ms": quantile(ordered, 0.50),
                    "p99_ms": quantile(ordered, 0.99),
                    "p999_ms": quantile(ordered, 0.999),
                    "max_ms": round(ordered[-1], 1),
                    "server_cpu_ms_per_request": round(1000 * cpu / len(ordered), 2),
                    "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    return rows


def cpus(text: str) -> set[int] | None:
    """``0`` / ``0,1`` / ``none`` (no pinning)."""
    return None if text == "none" else {int(part) for part in text.split(",")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client", choices=["autocannon", "open"], default="autocannon")
    parser.add_argument(
        "--auth",
        choices=["signed", "demo"],
        nargs="+",
        default=["demo", "signed"],
        help="signed client JWTs or demo mode's unsigned loopback calls (autocannon)",
    )
    parser.add_argument(
        "--alg",
        choices=["ES384", "RS384"],
        nargs="+",
        default=["ES384"],
        help="signature algorithm of the signed client JWTs (CDS Hooks 2.0 names both; RSA keys of 2048 bits)",
    )
    parser.add_argument(
        "--database",
        default="sqlite",
        help="sqlite, or a PostgreSQL URL whose server gets a new database for the run (signed)",
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="server processes")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10, 50], help="concurrent clients (autocannon)")
    parser.add_argument("--requests", type=int, default=5000, help="requests per level (autocannon)")
    parser.add_argument("--connections", type=int, default=50, help="keep-alive connections (open)")
    parser.add_argument("--rates", type=float, nargs="+", default=[250, 500, 1000], help="requests per second (open)")
    parser.add_argument("--seconds", type=int, default=10, help="seconds per level (open)")
    parser.add_argument("--server-cpus", type=cpus, default=cpus("0"), help="CPUs of the server (e.g. 0, 0,1, none)")
    parser.add_argument("--client-cpus", type=cpus, default=cpus("1"), help="CPUs of the load generator")
    parser.add_argument(
        "--nice", type=int, default=0, help="priority change of the server and the load generator (negative: root)"
    )
    args = parser.parse_args()
    if args.database != "sqlite" and (args.client == "open" or "demo" in args.auth):
        parser.error("demo mode (and so --client open) runs on SQLite only: use --auth signed with a PostgreSQL URL")
    available = os.sched_getaffinity(0)
    PINS["server"] = args.server_cpus if args.server_cpus is None or args.server_cpus <= available else None
    PINS["client"] = args.client_cpus if args.client_cpus is None or args.client_cpus <= available else None
    if PINS["client"] is not None:
        os.sched_setaffinity(0, PINS["client"])  # this process is the load generator of --client open
    if args.nice:
        os.nice(args.nice)  # inherited by the server and the load generator
    print(
        json.dumps(
            {
                "server_cpus": sorted(PINS["server"] or available),
                "client_cpus": sorted(PINS["client"] or available),
                "nice": args.nice,
            }
        ),
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        folder = Path(tmp)
        database = args.database if args.database == "sqlite" else stack.enter_context(postgres_database(args.database))
        config = store_config(folder, database)
        seed(config)
        print(json.dumps({**fsync_probe(folder), "load_average": round(os.getloadavg()[0], 2)}), flush=True)
        signers = [Signer(folder, alg) for alg in args.alg]
        for workers in args.workers:
            if args.client == "open":
                run_open(args.rates, args.seconds, args.connections, folder, workers)
                continue
            for auth in args.auth:
                for signer in signers if auth == "signed" else signers[:1]:
                    run_closed(auth, database, args.clients, args.requests, folder, workers, signer, config)


if __name__ == "__main__":
    main()
