"""Cohort speed against plink2 and bcftools on the same synthetic cohort, printed as ratios (one command).

    python benchmarks/cohort_bench.py --kb KB_DIR --work /tmp/cohort-bench

Polygenic scores, for each size in ``--sizes`` (variants x samples; default 20,000 x 2,500 and 100,000 x 2,500):
``tailormed prs score`` and ``tailormed cohort run --analyses prs`` (local engine with 1 and 2 workers, Spark
``local[2]``; one block per worker, and 1 worker at the default blocks of 500, which share one pass; and
``--analyses pgx,prs,hereditary`` with 1 and 2 workers at the default blocks) against
``plink2 --score --threads 2`` on the same bgzipped VCF, then both on the same data as a PLINK 2
fileset, then on the same calls as a BGEN file (``plink2 --export bgen-1.2 bits=8 ref-first``) and on an imputed BGEN of
the same sites (8-bit probabilities, every genotype uncertain) against ``plink2 --bgen FILE ref-first --score`` (the
cohort runs against plink2's ``no-mean-imputation``, the cohort's rule). Every command runs as its own
process under GNU time (wall, CPU, peak memory); sums are compared with plink2's. PGx: ``--pgx-samples`` cohorts
(default 2,000 and 10,000 samples) at every PGx definition position of the bundle, with unlinked (independent ALTs) and
linked (named-allele haplotypes) genotypes (``make_pgx_cohort.py``); reading every sample's calls as columns and calling
every gene, and the whole ``tailormed cohort run --analyses pgx`` (1 and 2 workers, one block each: the PGx tables
and the summary too), against ``bcftools view -R`` over the same regions. Hereditary: ``--hereditary-samples``
cohorts called at every ClinVar position of the bundle (``make_hereditary_cohort.py``, 3% carriers), the whole
``tailormed cohort run --analyses hereditary`` (1 and 2 workers, one block each, and 1 worker at the default blocks
of 500), against ``bcftools view -R``.

The synthetic VCFs (unphased biallelic SNVs, 0.5% missing calls, one scoring file over every second site) are
written once into ``--work`` and reused. Needs plink2, bcftools, bgzip and GNU time on PATH.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: ``cohort run``'s default ``--block-size``: consecutive blocks share one pass over the input.
DEFAULT_BLOCK = 500
CALLS = np.frombuffer(b"0/0\t0/1\t1/1\t./.\t", dtype="S4")
SNVS = [(r, a) for r in "ACGT" for a in "ACGT" if r != a and {r, a} not in ({"A", "T"}, {"C", "G"})]


@dataclass
class Timed:
    wall: float
    cpu: float
    peak_mb: float


def timed(command: list[str], env: dict[str, str] | None = None) -> Timed:
    """Run under GNU time; wall seconds, user+system seconds, peak resident memory (MB)."""
    report = Path(os.environ.get("TMPDIR", "/tmp")) / f"cohort-bench-time-{os.getpid()}"
    full = ["/usr/bin/time", "-o", str(report), "-f", "%e %U %S %M", *command]
    done = subprocess.run(full, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-2000:]}")
    wall, user, system, peak = report.read_text().split()[-4:]
    return Timed(float(wall), float(user) + float(system), int(peak) / 1024)


def write_vcf(path: Path, variants: int, samples: int, seed: int = 7) -> Path:
    """A bgzipped GRCh38 VCF of biallelic strand-unambiguous SNVs on chromosome 1, and its scoring file."""
    scoring = path.with_name(path.name.replace(".vcf.gz", ".scoring.txt"))
    if path.exists() and scoring.exists():
        return scoring
    rng = np.random.default_rng(seed)
    header = (
        "##fileformat=VCFv4.2\n##reference=GRCh38\n##contig=<ID=1,length=248956422>\n"
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(f"S{i}" for i in range(samples)) + "\n"
    )
    partial = path.with_suffix(".partial")
    with partial.open("wb") as out:
        bgzip = subprocess.Popen(["bgzip", "-@", "2", "-c"], stdin=subprocess.PIPE, stdout=out)
        assert bgzip.stdin is not None
        bgzip.stdin.write(header.encode())
        with scoring.open("w") as rows:
            rows.write("#pgs_id=PGS900000\n#genome_build=GRCh38\n")
            rows.write("chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n")
            for i in range(variants):
                ref, alt = SNVS[int(rng.integers(len(SNVS)))]
                genotype = rng.binomial(2, rng.uniform(0.05, 0.5), size=samples)
                genotype[rng.random(samples) < 0.005] = 3
                body = bytearray(CALLS[genotype].tobytes())
                body[-1] = 10
                pos = 1000 + 10 * i
                bgzip.stdin.write(f"1\t{pos}\t1:{pos}:{ref}:{alt}\t{ref}\t{alt}\t.\t.\t.\tGT\t".encode() + body)
                if i % 2 == 0:
                    rows.write(f"1\t{pos}\t{alt}\t{ref}\t{rng.normal(0, 0.01):.6g}\n")
        bgzip.stdin.close()
        if bgzip.wait() != 0:
            raise SystemExit("bgzip failed")
    partial.rename(path)
    return scoring


def plink_scores(scoring: Path) -> Path:
    """The scoring file as plink2 reads it: ID (chrom:pos:ref:alt), effect allele, weight."""
    out = scoring.with_suffix(".plink.tsv")
    with scoring.open() as rows, out.open("w") as handle:
        handle.write("ID\tA1\tW\n")
        for line in rows:
            if line.startswith(("#", "chr_name")):
                continue
            chrom, pos, effect, other, weight = line.split()
            handle.write(f"{chrom}:{pos}:{other}:{effect}\t{effect}\t{weight}\n")
    return out


def plink_sums(path: Path) -> dict[str, float]:
    with path.open() as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return {row.get("#IID") or row["IID"]: float(row["SCORE1_SUM"]) for row in rows}


def our_sums(path: Path) -> dict[str, float]:
    with path.open() as handle:
        rows = csv.DictReader((line for line in handle if not line.startswith("##")), delimiter="\t")
        return {row["IID"]: float(row["SUM"]) for row in rows}


def cohort_sums(folder: Path) -> dict[str, float]:
    import pyarrow.parquet as pq

    table = pq.read_table(folder / "prs_scores.parquet").to_pydict()
    return dict(zip(table["sample"], table["sum"], strict=True))


def largest_difference(ours: dict[str, float], theirs: dict[str, float]) -> float:
    if ours.keys() != theirs.keys():
        return float("inf")
    return max(abs(ours[name] - theirs[name]) for name in ours)


def line(name: str, ours: Timed, theirs: Timed, extra: str = "") -> None:
    print(
        f"  {name:42} {ours.wall:7.2f} s wall {ours.cpu:7.2f} s CPU {ours.peak_mb:7.0f} MB | "
        f"ratio wall {ours.wall / theirs.wall:5.2f}x CPU {ours.cpu / theirs.cpu:5.2f}x {extra}",
        flush=True,
    )


def prs_case(
    work: Path, variants: int, samples: int, tailormed: str, spark: bool, inputs: set[str], kb: Path
) -> None:
    vcf = work / f"cohort_{variants}x{samples}.vcf.gz"
    scoring = write_vcf(vcf, variants, samples)
    weights = plink_scores(scoring)
    out = work / f"run_{variants}x{samples}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    score = ["--score", str(weights), "1", "2", "3", "header", "cols=+scoresums,+denom", "--threads", "2"]
    print(f"PRS {variants:,} variants x {samples:,} samples ({variants // 2:,} scored)", flush=True)
    common = ["--scoring", str(scoring), "--min-overlap", "0"]
    runs = [("cohort run, 1 worker", ["--workers", "1", "--block-size", str(samples)])]
    runs.append(("cohort run, 2 workers", ["--workers", "2", "--block-size", str((samples + 1) // 2)]))
    if samples > DEFAULT_BLOCK:  # the default blocks share one pass: the file is read once, not once per block
        runs.append((f"cohort run, 1 worker, blocks of {DEFAULT_BLOCK}", ["--workers", "1"]))
    if spark:
        runs.append(("cohort run, Spark local[2]", ["--engine", "spark", "--block-size", str((samples + 1) // 2)]))
    if "vcf" in inputs:
        plink = timed(["plink2", "--vcf", str(vcf), *score, "--out", str(out / "plink_vcf")])
        reference = plink_sums(out / "plink_vcf.sscore")
        print(f"  {'plink2 --score (VCF, 2 threads)':42} {plink.wall:7.2f} s wall {plink.cpu:7.2f} s CPU "
              f"{plink.peak_mb:7.0f} MB")  # fmt: skip
        mine = timed([tailormed, "prs", "score", str(vcf), *common, "-o", str(out / "ours.tsv")])
        line(
            "tailormed prs score (VCF)",
            mine,
            plink,
            f"max |SUM diff| {largest_difference(our_sums(out / 'ours.tsv'), reference):.1e}",
        )
        no_mean_vcf = [*score[:-2], "no-mean-imputation", *score[-2:], "--out", str(out / "plink_nm")]
        no_mean = timed(["plink2", "--vcf", str(vcf), *no_mean_vcf])
        reference_nm = plink_sums(out / "plink_nm.sscore")
        for name, options in runs:
            folder = out / name.replace(" ", "_").replace(",", "").replace("[", "").replace("]", "")
            result = timed([tailormed, "cohort", "run", "--vcf", str(vcf), *common, *options, "--out", str(folder)])
            difference = largest_difference(cohort_sums(folder), reference_nm)
            line(name + " (VCF)", result, no_mean, f"vs plink2 no-mean-imputation; max |SUM diff| {difference:.1e}")
        engines = ["--analyses", "pgx,prs,hereditary", "--build", "grch38", "--kb", str(kb), "--on", "2026-12-04"]
        for workers in (1, 2):  # the engines' loci through the index, the scored lines from the text, in one pass
            folder = out / f"cohort_run_every_analysis_{workers}"
            result = timed([tailormed, "cohort", "run", "--vcf", str(vcf), *common, *engines, "--workers",
                            str(workers), "--out", str(folder)])  # fmt: skip
            difference = largest_difference(cohort_sums(folder), reference_nm)
            line(f"cohort run, 3 analyses, {workers} worker{'s' if workers > 1 else ''} (VCF)", result, no_mean,
                 f"vs plink2 no-mean-imputation; max |SUM diff| {difference:.1e}")  # fmt: skip
    prefix = out / "pgen"
    subprocess.run(["plink2", "--vcf", str(vcf), "--make-pgen", "--out", str(prefix)], check=True, capture_output=True)
    if "pgen" in inputs:
        plink_pgen = timed(["plink2", "--pfile", str(prefix), *score, "--out", str(out / "plink_pgen")])
        print(f"  {'plink2 --score (pgen, 2 threads)':42} {plink_pgen.wall:7.2f} s wall {plink_pgen.cpu:7.2f} s CPU "
              f"{plink_pgen.peak_mb:7.0f} MB")  # fmt: skip
        fileset = ["--pgen", str(prefix), "--build", "grch38"]
        mine_pgen = timed([tailormed, "prs", "score", *fileset, *common, "-o", str(out / "pgen.tsv")])
        difference = largest_difference(our_sums(out / "pgen.tsv"), plink_sums(out / "plink_pgen.sscore"))
        line("tailormed prs score (pgen)", mine_pgen, plink_pgen, f"max |SUM diff| {difference:.1e}")
        no_mean_score = [*score[:-2], "no-mean-imputation", *score[-2:]]
        pgen_nm = timed(["plink2", "--pfile", str(prefix), *no_mean_score, "--out", str(out / "plink_pgen_nm")])
        reference_pgen_nm = plink_sums(out / "plink_pgen_nm.sscore")
        for name, options in runs:
            folder = out / ("pgen_" + name.replace(" ", "_").replace(",", "").replace("[", "").replace("]", ""))
            result = timed([tailormed, "cohort", "run", *fileset, *common, *options, "--out", str(folder)])
            difference = largest_difference(cohort_sums(folder), reference_pgen_nm)
            line(name + " (pgen)", result, pgen_nm, f"vs plink2 no-mean-imputation; max |SUM diff| {difference:.1e}")
    if "bgen" in inputs:
        bgen_case(out, prefix, weights, common, runs, tailormed, samples)


def write_imputed_bgen(pvar: Path, path: Path, samples: int, seed: int = 11) -> Path:
    """An imputed-looking BGEN (8-bit, zlib) of the fileset's sites: each sample's genotype probabilities drawn around
    a random dosage, none of them a hard call; its ``.sample`` file beside it."""
    from bgen import BgenWriter

    if path.exists():
        return path
    rng = np.random.default_rng(seed)
    names = [f"S{i}" for i in range(samples)]
    path.with_suffix(".sample").write_text("ID_1 ID_2 missing\n0 0 0\n" + "".join(f"{n} {n} 0\n" for n in names))
    partial = path.with_name(path.name + ".partial")
    with BgenWriter(str(partial), samples, samples=names, compression="zlib") as writer:
        for row in pvar.read_text().splitlines():
            if row.startswith("#"):
                continue
            chrom, pos, name, ref, alt = row.split("\t")[:5]
            frequency = rng.uniform(0.05, 0.5)
            probabilities = rng.dirichlet([(1 - frequency) * 4, 1.0, frequency * 4], size=samples)
            writer.add_variant(name, name, chrom, int(pos), [ref, alt], probabilities, bit_depth=8)
    partial.replace(path)
    Path(f"{partial}.bgi").replace(Path(f"{path}.bgi"))
    return path


def bgen_case(out: Path, prefix: Path, weights: Path, common: list[str], runs: list[tuple[str, list[str]]],
              tailormed: str, samples: int) -> None:  # fmt: skip
    """The same calls as a BGEN, then an imputed BGEN of the same sites: ours against ``plink2 --bgen``."""
    subprocess.run(["plink2", "--pfile", str(prefix), "--export", "bgen-1.2", "bits=8", "ref-first", "--out",
                    str(out / "calls")], check=True, capture_output=True)  # fmt: skip
    imputed = write_imputed_bgen(Path(f"{prefix}.pvar"), out / "imputed.bgen", samples)
    score = ["--score", str(weights), "1", "2", "3", "header", "cols=+scoresums,+denom"]
    for label, bgen in (("BGEN calls", out / "calls.bgen"), ("imputed BGEN", imputed)):
        tag = label.replace(" ", "_")
        source = ["--bgen", str(bgen), "ref-first", "--sample", str(bgen.with_suffix(".sample")),
                  "--set-all-var-ids", "@:#:$r:$a"]  # fmt: skip
        plink = timed(["plink2", *source, *score, "--threads", "2", "--out", str(out / f"plink_{tag}")])
        print(f"  {f'plink2 --score ({label}, 2 threads)':42} {plink.wall:7.2f} s wall {plink.cpu:7.2f} s CPU "
              f"{plink.peak_mb:7.0f} MB")  # fmt: skip
        ours = ["--bgen", str(bgen), "--build", "grch38"]
        mine = timed([tailormed, "prs", "score", *ours, *common, "-o", str(out / f"{tag}.tsv")])
        difference = largest_difference(our_sums(out / f"{tag}.tsv"), plink_sums(out / f"plink_{tag}.sscore"))
        line(f"tailormed prs score ({label})", mine, plink, f"max |SUM diff| {difference:.1e}")
        no_mean = timed(["plink2", *source, *score, "no-mean-imputation", "--threads", "2", "--out",
                         str(out / f"plink_{tag}_nm")])  # fmt: skip
        reference = plink_sums(out / f"plink_{tag}_nm.sscore")
        for name, options in runs:
            folder = out / (tag + "_" + name.replace(" ", "_").replace(",", "").replace("[", "").replace("]", ""))
            result = timed([tailormed, "cohort", "run", *ours, *common, *options, "--out", str(folder)])
            difference = largest_difference(cohort_sums(folder), reference)
            line(f"{name} ({label})", result, no_mean, f"vs plink2 no-mean-imputation; max |SUM diff| {difference:.1e}")


PGX_SCRIPT = """
import sys, time, json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from tailormed.engines.pgx.cohort_match import MatchMemo, match_columns
from tailormed.evidence.columnar_pgx import read_call_columns
from tailormed.evidence.reader import open_vcf
from tailormed.knowledge.bundle import load_bundle
from tailormed.model.genotype import GenomeBuild
from tailormed.pipeline.pgx import CONSUMER, genome_request_for, load_pgx

def call(samples):
    clock = [time.perf_counter(), time.process_time()]
    def lap():
        now = [time.perf_counter(), time.process_time()]
        spent = [now[0] - clock[0], now[1] - clock[1]]
        clock[:] = now
        return spent
    bundle = load_bundle(Path(sys.argv[1]))
    definitions, _, _ = load_pgx(bundle)
    request = genome_request_for(bundle)
    lap()
    columns = read_call_columns(Path(sys.argv[2]), request, CONSUMER, samples=samples, build=GenomeBuild.GRCH38)
    read = lap()
    memo = MatchMemo()
    calls = sum(len(found) for found in match_columns(definitions, columns, memo=memo))
    match = lap()
    return {"samples": len(columns.samples), "read": read, "match": match, "calls": calls, "matched": memo.held}

if __name__ == "__main__":
    workers = int(sys.argv[3])
    if workers == 1:
        print(json.dumps(call(None)))
    else:
        with open_vcf(Path(sys.argv[2])) as vcf:
            names = list(vcf.all_samples)
        step = -(-len(names) // workers)
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(call, [names[i : i + step] for i in range(0, len(names), step)]))
        print(json.dumps({
            "samples": sum(p["samples"] for p in parts),
            "read": [max(p["read"][0] for p in parts), sum(p["read"][1] for p in parts)],
            "match": [max(p["match"][0] for p in parts), sum(p["match"][1] for p in parts)],
            "calls": sum(p["calls"] for p in parts),
            "matched": sum(p["matched"] for p in parts),
        }))
"""


def pgx_case(work: Path, kb: Path, samples: int, python: str, linked: bool, tailormed: str) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from make_pgx_cohort import write_cohort
    from tailormed.evidence.plan import query_regions
    from tailormed.knowledge.bundle import load_bundle
    from tailormed.model.genotype import GenomeBuild
    from tailormed.pipeline.pgx import genome_request_for

    kind = "linked" if linked else "unlinked"
    vcf = work / f"pgx_{kind}_{samples}.vcf.gz"
    if not vcf.exists():
        text = work / f"pgx_{kind}_{samples}.vcf"
        write_cohort(kb, samples, text, linked=linked)
        subprocess.run(["bgzip", "-@", "2", "-f", str(text)], check=True)
        subprocess.run(["tabix", "-p", "vcf", str(vcf)], check=True)
    regions = work / "pgx_regions.tsv"
    request = genome_request_for(load_bundle(kb))
    regions.write_text("".join(f"{c}\t{s}\t{e}\n" for c, s, e in query_regions(request, [GenomeBuild.GRCH38])))
    bcftools = timed(["bcftools", "view", "-R", str(regions), "-Ou", "-o", "/dev/null", str(vcf)])
    script = work / "pgx_call.py"
    script.write_text(PGX_SCRIPT)
    print(f"PGx {samples:,} samples ({kind} genotypes) at every definition position", flush=True)
    print(f"  {'bcftools view -R (PGx regions)':42} {bcftools.wall:7.2f} s wall {bcftools.cpu:7.2f} s CPU "
          f"{bcftools.peak_mb:7.0f} MB")  # fmt: skip
    for workers in (1, 2):
        report = work / "pgx_result.json"
        ours = timed(["sh", "-c", f'"{python}" "{script}" "{kb}" "{vcf}" {workers} > "{report}"'], env=dict(os.environ))
        found = json.loads(report.read_text())
        (read_wall, read_cpu), (match_wall, match_cpu) = found["read"], found["match"]
        line(
            f"read + call every gene, {workers} process{'es' if workers > 1 else ''}",
            ours,
            bcftools,
            f"{found['samples'] / ours.wall:,.0f} samples/s wall, {found['samples'] / ours.cpu:,.0f} per CPU-s",
        )
        print(
            f"  {'':42} read {read_wall:.2f} s wall / {read_cpu:.2f} s CPU, match {match_wall:.2f} / {match_cpu:.2f} "
            f"({found['matched']:,} matcher runs for {found['calls']:,} calls); without start-up "
            f"{found['samples'] / (read_wall + match_wall):,.0f} samples/s wall",
            flush=True,
        )
    for workers in (1, 2):
        out = work / f"run_pgx_{kind}_{samples}_{workers}"
        shutil.rmtree(out, ignore_errors=True)
        block = -(-samples // workers)  # one block per worker: each block re-reads the PGx records of every sample
        run = [tailormed, "cohort", "run", "--vcf", str(vcf), "--analyses", "pgx", "--build", "grch38", "--kb", str(kb),
               "--workers", str(workers), "--block-size", str(block), "--on", "2026-12-03",
               "--out", str(out)]  # fmt: skip
        ours = timed(run, env=dict(os.environ))
        line(
            f"cohort run --analyses pgx, {workers} worker{'s' if workers > 1 else ''}",
            ours,
            bcftools,
            f"{samples / ours.wall:,.0f} samples/s wall, {samples / ours.cpu:,.0f} per CPU-s (blocks of {block:,})",
        )


def hereditary_case(work: Path, kb: Path, samples: int, tailormed: str) -> None:
    """``cohort run --analyses hereditary`` on a cohort called at every ClinVar position of the bundle
    (``make_hereditary_cohort.py``: 3% of people carry a ClinVar allele), against ``bcftools view -R`` over the same
    regions."""
    sys.path.insert(0, str(Path(__file__).parent))
    import pyarrow.parquet as pq

    from make_hereditary_cohort import write_cohort
    from tailormed.evidence.plan import query_regions
    from tailormed.knowledge.bundle import load_bundle
    from tailormed.model.genotype import GenomeBuild
    from tailormed.pipeline.hereditary import hereditary_request, load_hereditary

    vcf = work / f"hereditary_{samples}.vcf.gz"
    if not vcf.exists():
        text = work / f"hereditary_{samples}.vcf"
        write_cohort(kb, samples, text)
        subprocess.run(["bgzip", "-@", "2", "-f", str(text)], check=True)
        subprocess.run(["tabix", "-p", "vcf", str(vcf)], check=True)
    regions = work / "hereditary_regions.tsv"
    request = hereditary_request(load_hereditary(load_bundle(kb)))
    regions.write_text("".join(f"{c}\t{s}\t{e}\n" for c, s, e in query_regions(request, [GenomeBuild.GRCH38])))
    bcftools = timed(["bcftools", "view", "-R", str(regions), "-Ou", "-o", "/dev/null", str(vcf)])
    print(f"hereditary {samples:,} samples at every ClinVar position of the bundle", flush=True)
    print(f"  {'bcftools view -R (ClinVar regions)':42} {bcftools.wall:7.2f} s wall {bcftools.cpu:7.2f} s CPU "
          f"{bcftools.peak_mb:7.0f} MB")  # fmt: skip
    for workers, block in ((1, samples), (2, -(-samples // 2)), (1, DEFAULT_BLOCK)):
        out = work / f"run_hereditary_{samples}_{workers}_{block}"
        shutil.rmtree(out, ignore_errors=True)
        run = [tailormed, "cohort", "run", "--vcf", str(vcf), "--analyses", "hereditary", "--build", "grch38",
               "--kb", str(kb), "--workers", str(workers), "--block-size", str(block), "--on", "2026-12-03",
               "--out", str(out)]  # fmt: skip
        ours = timed(run, env=dict(os.environ))
        table = pq.read_table(out / "hereditary.parquet", columns=["sample", "reportable"]).to_pydict()
        listed, reportable = len(set(table["sample"])), sum(table["reportable"])
        line(
            f"cohort run --analyses hereditary, {workers} worker{'s' if workers > 1 else ''}",
            ours,
            bcftools,
            f"{samples / ours.wall:,.0f} people/s wall, {samples / ours.cpu:,.0f} per CPU-s "
            f"({listed} people listed, {reportable} reportable rows; blocks of {block:,})",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, required=True, help="built knowledge bundle (tailormed kb build)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/cohort-bench"), help="data and run folder (kept)")
    parser.add_argument("--sizes", default="20000x2500,100000x2500", help="variants x samples, comma-separated")
    parser.add_argument("--pgx-samples", default="2000,10000", help="PGx cohort sizes, comma-separated")
    parser.add_argument("--pgx-kinds", default="unlinked,linked", help="PGx genotypes: unlinked, linked or both")
    parser.add_argument("--hereditary-samples", default="2000,10000", help="hereditary cohort sizes, comma-separated")
    parser.add_argument("--no-spark", action="store_true", help="skip the Spark local[2] runs")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: prs, pgx, hereditary")
    parser.add_argument("--prs-inputs", default="vcf,pgen,bgen", help="PRS inputs to time: vcf, pgen, bgen")
    args = parser.parse_args()
    for tool in ("plink2", "bcftools", "bgzip", "tabix"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is needed on PATH")
    args.work.mkdir(parents=True, exist_ok=True)
    tailormed = str(Path(sys.executable).with_name("tailormed"))
    print(f"load average {os.getloadavg()[0]:.1f}; {os.cpu_count()} cores; {time.strftime('%Y-%m-%d %H:%M')}")
    skip = set(args.skip.split(","))
    if "prs" not in skip:
        for size in args.sizes.split(","):
            variants, samples = (int(x) for x in size.split("x"))
            prs_case(args.work, variants, samples, tailormed, spark=not args.no_spark,
                     inputs=set(args.prs_inputs.split(",")), kb=args.kb)  # fmt: skip
    if "pgx" not in skip:
        for samples in args.pgx_samples.split(","):
            for kind in args.pgx_kinds.split(","):
                pgx_case(args.work, args.kb, int(samples), sys.executable, linked=kind == "linked", tailormed=tailormed)
    if "hereditary" not in skip:
        for samples in args.hereditary_samples.split(","):
            hereditary_case(args.work, args.kb, int(samples), tailormed)


if __name__ == "__main__":
    main()
