"""CDS Hooks ``order-select`` latency on loopback: p50/p99 at 1, 10 and 50 concurrent clients.

Seeds a store with the demo patients (plans computed), starts ``uvicorn tailormed.service.app:app_from_env`` on a
free loopback port with one or more worker processes, and sends signed (ES384) CDS Hooks requests in the
specification's format: a clopidogrel order for demo-01-hale (CYP2C19 poor metabolizer: one critical card with
suggestions). Each client sends its next request as soon as the previous answer arrives (closed loop); every
request is authenticated, authorized, audited (one audit row each) and answered from the store. Tokens are signed
before the timed loop so the clients' signing does not compete for the CPU. Bounded: a fixed number of requests per
level, 10 s timeout each; the server is stopped at the end.

    flock /work/coord/bench.lock .venv/bin/python benchmarks/cds_bench.py --workers 1 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
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
        env=env,
    )
    try:
        deadline = time.time() + 60
        while True:
            try:
                if httpx.get(f"{base}/cds-services", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline or server.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.3)
        audience = base + SERVICE
        asyncio.run(level(base, 4, 40 * workers, tokens(key, audience, 40 * workers)))  # warm every worker up
        rows = []
        for clients in levels:
            count = max(requests, clients * 10)
            latencies = asyncio.run(level(base, clients, count, tokens(key, audience, count)))
            ordered = sorted(latencies)
            rows.append({
                "workers": workers, "clients": clients, "requests": len(latencies),
                "p50_ms": round(statistics.median(ordered) * 1000, 1),
                "p99_ms": round(ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000, 1),
                "throughput_rps": round(len(latencies) / max(1e-9, sum(latencies) / clients), 1),
            })
            print(json.dumps(rows[-1]), flush=True)
        return rows
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--requests", type=int, default=500, help="requests per level (at least 10 per client)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        seed(folder)
        for workers in args.workers:
            run(workers, args.clients, args.requests, folder)


if __name__ == "__main__":
    main()
