"""PLINK 2 genotypes read a block at a time: biallelic blocks from pgenlib's ALT counts, blocks holding a
multi-allelic variant from its allele pairs; both give every call as the VCF it was made from has it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from tailormed.evidence import pgen
from tailormed.evidence.pgen import PgenFileset, read_pgen_blocks

SAMPLES = 60


def fileset(tmp_path: Path) -> tuple[Path, list[list[str]]]:
    rng = np.random.default_rng(95)
    header = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT"]
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=1,length=1000000>"]
    lines.append('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">')
    lines.append("\t".join(header + [f"S{i}" for i in range(SAMPLES)]))
    calls: list[list[str]] = []
    for v in range(7):
        alts = "G,T" if v == 4 else "G"
        count = len(alts.split(",")) + 1
        row = ["./." if rng.random() < 0.05 else f"{rng.integers(count)}/{rng.integers(count)}" for _ in range(SAMPLES)]
        calls.append(row)
        lines.append("\t".join(["1", str(100 + 10 * v), f"v{v}", "A", alts, ".", ".", ".", "GT", *row]))
    vcf = tmp_path / "m.vcf"
    vcf.write_text("\n".join(lines) + "\n")
    prefix = tmp_path / "m"
    make = ["plink2", "--vcf", str(vcf), "--make-pgen", "--threads", "1", "--out", str(prefix)]
    subprocess.run(make, check=True, capture_output=True)
    return prefix, calls


def unphased(call: str) -> list[int]:
    if "." in call:
        return [-1, -1]
    first, second = sorted(int(allele) for allele in call.split("/"))
    return [first, second]


@pytest.mark.parametrize("order", ["all", "reversed subset"])
@pytest.mark.parametrize("skip", [False, True])
def test_biallelic_and_mixed_blocks_read_every_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, order: str, skip: bool
) -> None:
    monkeypatch.setattr(pgen, "VARIANT_BLOCK", 2)  # blocks {v0, v1}, {v2, v3}, {v4 (3 alleles), v5}, {v6}
    prefix, calls = fileset(tmp_path)
    files = PgenFileset.open(prefix)
    chosen = [f"S{i}" for i in range(SAMPLES)] if order == "all" else [f"S{i}" for i in range(SAMPLES - 1, 0, -3)]
    wanted = [v for v in range(7) if not (skip and v in (1, 3))]  # a list read where blocks are not contiguous
    blocks = list(read_pgen_blocks(files, [("chr1", 100 + 10 * v) for v in wanted], chosen))
    records = [block.record(i) for block in blocks for i in range(len(block))]
    assert [record.pos for record in records] == [100 + 10 * v for v in wanted]
    assert [record.location.rsplit(" ", 1)[1] for record in records] == [str(v + 1) for v in wanted]
    columns = [int(name[1:]) for name in chosen]
    for v, record in zip(wanted, records, strict=True):
        assert record.id == f"v{v}" and record.ref == "A"
        assert record.alts == (("G", "T") if v == 4 else ("G",))
        got = np.sort(record.alleles, axis=1)
        assert got.tolist() == [unphased(calls[v][i]) for i in columns]
