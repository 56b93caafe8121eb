"""Audit group commits of several server processes on one SQLite store: how long each commit takes, waiting included.

Each process appends one-event groups through the group-commit path (``AuditLog.append_group`` on its kept driver
connection), with ``--pause`` seconds of other work between groups, as server processes under load do; the printed
quantiles are over every commit of every process. Bounded: ``--commits`` per process.

    .venv/bin/python benchmarks/audit_commit_bench.py --processes 2 --commits 1000 --pause 0.0005
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import tempfile
import time
from pathlib import Path
from typing import Any


def append(folder: str, commits: int, pause: float, results: Any) -> None:
    from tailormed.security.audit import Actor, AuditAction, Entry, Purpose
    from tailormed.service.core import Platform
    from tailormed.store.config import StoreConfig

    platform = Platform.open(StoreConfig.in_folder(Path(folder)), initialize=False)
    entry = Entry(
        actor=Actor(name="bench", role="cds-client"),
        action=AuditAction.READ,
        resource="care_plan",
        purpose=Purpose.TREATMENT,
        patient_id="p-1",
    )
    took = []
    for _ in range(commits):
        start = time.perf_counter()
        platform.audit.append_group(platform.db, [entry])
        took.append(time.perf_counter() - start)
        time.sleep(pause)
    platform.close()
    results.put(took)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--commits", type=int, default=1000, help="commits per process")
    parser.add_argument("--pause", type=float, default=0.0005, help="seconds between a process's commits")
    args = parser.parse_args()
    from tailormed.service.core import Platform
    from tailormed.store.config import StoreConfig

    with tempfile.TemporaryDirectory() as tmp:
        Platform.open(StoreConfig.in_folder(Path(tmp))).close()  # schema, keys, audit key
        context = multiprocessing.get_context("spawn")
        results = context.Queue()
        workers = [
            context.Process(target=append, args=(tmp, args.commits, args.pause, results)) for _ in range(args.processes)
        ]
        load_before = os.getloadavg()[0]
        start = time.perf_counter()
        for worker in workers:
            worker.start()
        took = sorted(t * 1000 for _ in workers for t in results.get(timeout=600))
        for worker in workers:
            worker.join()
        seconds = time.perf_counter() - start

    def quantile(q: float) -> float:
        return round(took[min(len(took) - 1, int(len(took) * q))], 2)

    print(
        json.dumps(
            {
                "processes": args.processes,
                "commits": len(took),
                "seconds": round(seconds, 1),
                "p50_ms": quantile(0.5),
                "p90_ms": quantile(0.9),
                "p99_ms": quantile(0.99),
                "max_ms": round(took[-1], 1),
                "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            }
        )
    )


if __name__ == "__main__":
    main()
