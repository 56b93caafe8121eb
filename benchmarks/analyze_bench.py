"""Whole-genome ``analyze`` against bcftools: time and peak memory on a synthetic single-sample GRCh38 VCF.

Run: ``python benchmarks/analyze_bench.py --kb KB [--records 5000000] [--work DIR]`` with ``bcftools``, ``bgzip`` and
``tabix`` on PATH (``apt-get install bcftools tabix``) and a built bundle (``tailormed kb build --from DATA --out KB``),
so every genome engine reads the file. Serialise runs on a shared machine (one benchmark at a time).

The VCF has ``--records`` variant records spread over chr1-22 and chrX in proportion to their length (about one per
600 bases, like a whole genome listing variant sites), random SNVs away from every knowledge position, plus real
alleles at a few pharmacogene sites (CYP2C19 \\*2/\\*2, SLCO1B1 \\*1/\\*15) and REF-correct records at build markers.
It is written once into ``--work`` (bgzipped, with a tabix index, and an unindexed copy) and reused.

Printed, each the best of ``--repeats`` runs (wall time; CPU time, user + system, as the kernel accounts it
(``wait4``); peak memory from GNU ``time``; on a shared machine the CPU ratio is the steadier one), every run a fresh
process (so peak memory is that run's):

- ``bcftools view FILE > /dev/null``: one full pass, the yardstick;
- ``bcftools view -R REGIONS FILE``: the regions the evidence stage queries through the index;
- the genome read alone (``read_genome`` after the request is built, with the compiled-plan cache ``analyze`` uses,
  so the first repeat compiles the plan and later ones load it; its CPU time is the process's own), indexed: target
  at most 2x ``bcftools view -R``;
- ``tailormed analyze --no-pdf`` (plan, JSON, HTML reports), indexed: target at most 0.5x one ``bcftools view`` pass;
- the same on the unindexed copy (read through a temporary index htslib builds): target at most 1.5x one
  ``bcftools view`` pass.

Peak memory is the resident set of the process (``wait4``); with ``--records`` smaller and larger it shows that
memory does not grow with the file.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from tailormed.evidence.plan import query_regions
from tailormed.intake.record import load_record
from tailormed.knowledge.bundle import load_bundle
from tailormed.knowledge.markers import build_markers
from tailormed.model.evidence import GenomeRequest
from tailormed.model.genotype import GenomeBuild
from tailormed.pipeline.analyze import genome_request
from tailormed.pipeline.plausible import plausibility

# GRCh38 primary assembly lengths (GRC, GCF_000001405.40), the chromosomes the synthetic genome spreads over.
LENGTHS = {
    "chr1": 248956422, "chr2": 242193529, "chr3": 198295559, "chr4": 190214555, "chr5": 181538259,
    "chr6": 170805979, "chr7": 159345973, "chr8": 145138636, "chr9": 138394717, "chr10": 133797422,
    "chr11": 135086622, "chr12": 133275309, "chr13": 114364328, "chr14": 107043718, "chr15": 101991189,
    "chr16": 90338345, "chr17": 83257441, "chr18": 80373285, "chr19": 58617616, "chr20": 64444167,
    "chr21": 46709983, "chr22": 50818468, "chrX": 156040895,
}  # fmt: skip
SAMPLE = "SYNTH-WGS"
#: Real alleles written at pharmacogene sites: (chrom, pos, rsid, REF, ALT, GT).
ALLELES = [
    ("chr10", 94781859, "rs4244285", "G", "A", "1/1"),
    ("chr12", 21176804, "rs2306283", "A", "G", "0|1"),
    ("chr12", 21178615, "rs4149056", "T", "C", "0|1"),
]
RECORD = """id: synthetic-wgs
demographics: {{sex: male, birth_date: 1968-03-14}}
medications:
  - name: clopidogrel
  - name: atorvastatin
genome: {{vcf: {vcf}, sample: {sample}, assay: wgs, absent_is_reference: true}}
"""


def knowledge_positions(request: GenomeRequest) -> dict[str, set[int]]:
    """Every position the request reads (both builds), kept free of random records (whose REF would be wrong)."""
    taken: dict[str, set[int]] = {}
    for per_build in request.loci.values():
        for wanted in per_build.values():
            for locus in wanted.loci:
                taken.setdefault(locus.chrom, set()).add(locus.pos)
    for positions in request.scores.values():
        for position in positions:
            taken.setdefault(position.chrom, set()).add(position.pos)
    for marker in request.markers:
        taken.setdefault(marker.chrom, set()).update((marker.grch37_pos, marker.grch38_pos))
    return taken


def write_genome(path: Path, records: int, request: GenomeRequest, seed: int = 12) -> None:
    """A bgzipped, tabix-indexed single-sample VCF of ``records`` records (see the module docstring)."""
    rng = np.random.default_rng(seed)
    taken = knowledge_positions(request)
    fixed: dict[str, list[str]] = {}
    for chrom, pos, rsid, ref, alt, gt in ALLELES:
        fixed.setdefault(chrom, []).append(f"{chrom}\t{pos}\t{rsid}\t{ref}\t{alt}\t60\tPASS\t.\tGT:DP\t{gt}:30")
    for marker in request.markers[::20]:
        alt = next(base for base in "ACGT" if base != marker.grch38_ref)
        fixed.setdefault(marker.chrom, []).append(
            f"{marker.chrom}\t{marker.grch38_pos}\t.\t{marker.grch38_ref}\t{alt}\t60\tPASS\t.\tGT:DP\t0/1:30"
        )
    total = sum(LENGTHS.values())
    bases = np.array(list("ACGT"))
    text = path.with_suffix("")  # .vcf
    with text.open("w") as out:
        out.write("##fileformat=VCFv4.2\n##reference=GRCh38\n")
        out.writelines(f"##contig=<ID={chrom},length={length}>\n" for chrom, length in LENGTHS.items())
        out.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        out.write('##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">\n')
        out.write(f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{SAMPLE}\n")
        for chrom, length in LENGTHS.items():
            count = records * length // total
            positions = np.unique(rng.integers(1, length, size=count))
            avoid = taken.get(chrom, set())
            positions = positions[[int(p) not in avoid for p in positions]] if avoid else positions
            refs = rng.integers(0, 4, size=len(positions))
            alts = (refs + rng.integers(1, 4, size=len(positions))) % 4
            genotypes = np.where(rng.random(len(positions)) < 0.6, "0/1", "1/1")
            lines = [
                f"{chrom}\t{p}\t.\t{bases[r]}\t{bases[a]}\t50\tPASS\t.\tGT:DP\t{g}:30"
                for p, r, a, g in zip(positions.tolist(), refs.tolist(), alts.tolist(), genotypes.tolist(), strict=True)
            ]
            lines += fixed.get(chrom, [])
            lines.sort(key=lambda line: int(line.split("\t", 2)[1]))
            out.write("\n".join(lines) + "\n")
    subprocess.run(["bgzip", "-f", "-@", "2", str(text)], check=True)
    subprocess.run(["tabix", "-f", "-p", "vcf", str(path)], check=True)


def run(command: list[str], output: Path | None = None) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds (user + system), peak resident MB) of one command in a fresh process.

    GNU ``time`` runs the command and reports its peak memory (the command is its child, so the memory of this
    process is not counted); the CPU time is the kernel's account of ``time`` and its child (``wait4``: microseconds,
    where ``time`` prints hundredths, so the short ``bcftools view -R`` is measured finely; ``time`` itself adds
    about a millisecond).
    """
    report = output.with_name(output.name + ".time") if output is not None else Path("/tmp/analyze_bench.time")
    with (output or Path(os.devnull)).open("w") as sink, tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        child = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", str(report), *command], stdout=sink, stderr=errors)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(command[:4])} ... failed ({child.returncode}): {errors.read().decode()}")
    return seconds, usage.ru_utime + usage.ru_stime, int(report.read_text().split()[-1]) / 1024


def best(command: list[str], repeats: int, output: Path | None = None) -> tuple[float, float, float]:
    """Best wall and best CPU time over ``repeats`` runs, and the largest peak memory."""
    results = [run(command, output) for _ in range(repeats)]
    return min(r[0] for r in results), min(r[1] for r in results), max(r[2] for r in results)


READ = """
import sys, time
from pathlib import Path
from tailormed.evidence import read_genome
from tailormed.intake.record import load_record
from tailormed.knowledge.bundle import load_bundle
from tailormed.model.evidence import AbsentPolicy
from tailormed.pipeline.analyze import genome_request, plan_cache
from tailormed.pipeline.plausible import plausibility
bundle = load_bundle(Path(sys.argv[3]))
patient = load_record(Path(sys.argv[1]), plausibility(bundle))
start = time.perf_counter()
request = genome_request(patient, bundle)
asked, cpu = time.perf_counter(), time.process_time()
evidence = read_genome(Path(sys.argv[2]), request, absent=AbsentPolicy(absent_is_reference=True), plans=plan_cache())
done, cpu_done = time.perf_counter(), time.process_time()
print(f"{done - asked:.3f} {asked - start:.3f} {evidence.source.read.value} {evidence.source.records_read} "
      f"{cpu_done - cpu:.3f}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=Path, required=True, help="A built knowledge bundle (tailormed kb build)")
    parser.add_argument("--records", type=int, default=5_000_000)
    parser.add_argument("--work", type=Path, default=Path("benchmark-work"))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for tool in ("bcftools", "bgzip", "tabix"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found (apt-get install bcftools tabix)")
    args.work.mkdir(parents=True, exist_ok=True)
    indexed = args.work / f"wgs{args.records}.vcf.gz"
    record = args.work / "record.yaml"
    record.write_text(RECORD.format(vcf=indexed.name, sample=SAMPLE))
    bundle = load_bundle(args.kb)
    patient = load_record(record, plausibility(bundle))
    request = genome_request(patient, bundle).merged(GenomeRequest(markers=build_markers(bundle)))
    if not (indexed.exists() and indexed.with_name(indexed.name + ".tbi").exists()):
        print(f"writing {indexed} ({args.records:,} records) ...", flush=True)
        write_genome(indexed, args.records, request)
    streamed = args.work / f"wgs{args.records}.unindexed.vcf.gz"
    if not streamed.exists():
        shutil.copyfile(indexed, streamed)
    regions = args.work / "regions.tsv"
    regions.write_text(
        "".join(f"{c}\t{s}\t{e}\n" for c, s, e in query_regions(request, [GenomeBuild.GRCH38]))
    )
    size = indexed.stat().st_size / 2**20
    print(f"{indexed.name}: {args.records:,} records, {size:.0f} MiB; {len(regions.read_text().splitlines())} regions")
    view, view_cpu, view_mb = best(["bcftools", "view", str(indexed)], args.repeats)
    view_r, view_r_cpu, view_r_mb = best(["bcftools", "view", "-R", str(regions), str(indexed)], args.repeats)
    read_out = args.work / "read.txt"
    reads, asks, read_cpus, read_mb = [], [], [], 0.0
    for _ in range(args.repeats):
        _, _, mb = run([sys.executable, "-c", READ, str(record), str(indexed), str(args.kb)], read_out)
        read_mb = max(read_mb, mb)
        reads.append(float(read_out.read_text().split()[0]))
        asks.append(float(read_out.read_text().split()[1]))
        read_cpus.append(float(read_out.read_text().split()[4]))
    mode = read_out.read_text().split()[2]
    analyze = [sys.executable, "-m", "tailormed", "analyze", "--record", str(record), "--kb", str(args.kb), "--no-pdf"]
    whole, whole_cpu, whole_mb = best([*analyze, "--out", str(args.work / "out-indexed")], args.repeats)
    stream, stream_cpu, stream_mb = best(
        [*analyze, "--vcf", str(streamed), "--out", str(args.work / "out-stream")], args.repeats
    )
    rows = [
        ("bcftools view (full pass)", view, view_cpu, view_mb, "1.00", "1.00", ""),
        ("bcftools view -R regions", view_r, view_r_cpu, view_r_mb, f"{view_r / view:.2f}", "", ""),
        ("knowledge -> request", min(asks), None, read_mb, "", "", ""),
        (f"genome read ({mode})", min(reads), min(read_cpus), read_mb, f"{min(reads) / view_r:.2f} x -R",
         f"{min(read_cpus) / view_r_cpu:.2f} x -R", "<= 2 x -R"),
        ("analyze --no-pdf, indexed", whole, whole_cpu, whole_mb, f"{whole / view:.2f}", f"{whole_cpu / view_cpu:.2f}",
         "<= 0.5"),
        ("analyze --no-pdf, unindexed", stream, stream_cpu, stream_mb, f"{stream / view:.2f}",
         f"{stream_cpu / view_cpu:.2f}", "<= 1.5"),
    ]  # fmt: skip
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} CPUs, load average {load:.1f} (ratios: wall and CPU time against one bcftools view pass)")
    print(f"{'':32} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} {'ratio':>12} {'CPU ratio':>10} {'target':>10}")
    for name, seconds, cpu, mb, ratio, cpu_ratio, target in rows:
        shown = f"{cpu:8.3f}" if cpu is not None else f"{'':8}"
        print(f"{name:32} {seconds:8.3f} {shown} {mb:8.0f} {ratio:>12} {cpu_ratio:>10} {target:>10}")

if __name__ == "__main__":
    main()
