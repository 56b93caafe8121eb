"""``tailormed prs score`` against ``plink2 --score`` in alternating rounds, on the synthetic cohorts of
``cohort_bench.py``, with the sums checked every run.

    python benchmarks/prs_rounds.py --work /tmp/perf-prs --rounds 3 [--before OTHER_SRC] [--realtime]

For each ``--sizes`` (variants x samples) and ``--inputs`` (vcf, pgen), each round runs plink2 (``--threads 2``),
then ``tailormed prs score`` from ``--before`` (another checkout's ``src``, to compare two versions) if given, then
the one this script imports, each under GNU time; every line gives wall, CPU (user + system) and peak memory with
the load average at its start. Every table must give plink2's SUM at its 6 printed significant digits for every
sample, and the two versions' tables must be byte-identical, else the script stops. ``--realtime`` runs every
command under ``chrt -r 10`` (round-robin real-time priority: on a busy machine the runs get the cores as on an
idle one). Needs plink2, bgzip and GNU time on PATH; the files are written once into ``--work`` and reused.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import tailormed
from cohort_bench import Timed, our_sums, plink_scores, plink_sums, timed, write_vcf


def load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def same_sums(table: Path, reference: Path) -> None:
    ours, theirs = our_sums(table), plink_sums(reference)
    if ours.keys() != theirs.keys():
        raise SystemExit(f"{table}: other samples than plink2's")
    differ = [name for name in ours if float(f"{ours[name]:.6g}") != theirs[name]]
    if differ:
        raise SystemExit(f"{table}: {len(differ)} sums differ from plink2's at its 6 digits (first: {differ[0]})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/perf-prs"), help="data and run folder (kept)")
    parser.add_argument("--sizes", default="20000x2500,100000x2500", help="variants x samples, comma-separated")
    parser.add_argument("--inputs", default="vcf,pgen", help="vcf, pgen or both")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", type=Path, help="another checkout's src folder, run in each round too")
    parser.add_argument("--realtime", action="store_true", help="run every command under chrt -r 10")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    prefix = ["chrt", "-r", "10"] if args.realtime else []
    versions = [("before", args.before.resolve())] if args.before else []
    versions.append(("now", Path(tailormed.__file__).resolve().parents[1]))
    for size in args.sizes.split(","):
        variants, samples = (int(part) for part in size.split("x"))
        vcf = args.work / f"cohort_{variants}x{samples}.vcf.gz"
        scoring = write_vcf(vcf, variants, samples)
        weights = plink_scores(scoring)
        fileset = args.work / f"pgen_{variants}x{samples}"
        if "pgen" in args.inputs and not Path(f"{fileset}.pgen").exists():
            make = ["plink2", "--vcf", str(vcf), "--make-pgen", "--out", str(fileset)]
            subprocess.run(make, check=True, capture_output=True)
        for kind in args.inputs.split(","):
            theirs = ["--vcf", str(vcf)] if kind == "vcf" else ["--pfile", str(fileset)]
            ours = [str(vcf)] if kind == "vcf" else ["--pgen", str(fileset), "--build", "grch38"]
            print(f"{kind} {variants:,} x {samples:,} ({variants // 2:,} scored)", flush=True)
            for round_ in range(1, args.rounds + 1):
                out = args.work / f"plink_{kind}_{variants}x{samples}"
                started = load()
                command = ["plink2", *theirs, "--score", str(weights), "1", "2", "3", "header"]
                command += ["cols=+scoresums,+denom", "--threads", "2", "--out", str(out)]
                plink = timed([*prefix, *command])
                show(round_, "plink2", plink, started, plink)
                tables = []
                for name, src in versions:
                    table = args.work / f"ours_{name}_{kind}_{variants}x{samples}.tsv"
                    env = {**os.environ, "PYTHONPATH": str(src)}
                    command = [sys.executable, "-m", "tailormed", "prs", "score", *ours, "--scoring", str(scoring)]
                    started = load()
                    run = timed([*prefix, *command, "--min-overlap", "0", "-o", str(table)], env=env)
                    show(round_, f"prs score ({name})", run, started, plink)
                    same_sums(table, Path(f"{out}.sscore"))
                    tables.append(table.read_bytes())
                if len(set(tables)) > 1:
                    raise SystemExit("the two versions' tables differ")


def show(round_: int, name: str, run: Timed, load_at_start: float, plink: Timed) -> None:
    print(
        f"  round {round_} {name:20} {run.wall:6.2f} s wall {run.cpu:6.2f} s CPU {run.peak_mb:6.0f} MB "
        f"load {load_at_start:5.2f} | ratio wall {run.wall / plink.wall:5.2f}x CPU {run.cpu / plink.cpu:5.2f}x",
        flush=True,
    )


if __name__ == "__main__":
    main()
