"""How long ``tailormed --help`` takes, against a bare Python start-up (the floor no CLI can go under).

    python benchmarks/cli_bench.py [--runs 20]

Prints the best and median wall time of each, and their ratio. The target is ``tailormed --help`` under 0.2 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def _times(command: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    bare = _times([sys.executable, "-c", "pass"], args.runs)
    help_ = _times([sys.executable, "-m", "tailormed", "--help"], args.runs)
    for name, times in (("python -c pass", bare), ("tailormed --help", help_)):
        print(f"{name:18s} best {min(times):.3f} s  median {statistics.median(times):.3f} s")
    print(f"ratio (best): {min(help_) / min(bare):.1f}x a bare start-up")


if __name__ == "__main__":
    main()
