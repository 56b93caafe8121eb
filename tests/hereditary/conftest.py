"""Fixtures for hereditary tests: a bundle with ClinVar and ACMG SF built from the shared data, real ClinVar
records picked by predicate, and a writer for small VCFs built from those records."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tailormed.knowledge.bundle import KnowledgeBundle, build_bundle, load_bundle

CLINVAR = Path("risk") / "clinvar" / "clinvar_20260226_GRCh38_hereditary_cancer_genes_subset.vcf.gz"
PLP_TABLE = Path("risk") / "clinvar" / "clinvar_20260226_GRCh38_hereditary_cancer_genes_subset.PLP.tsv.gz"


@dataclass(frozen=True)
class Record:
    """A real ClinVar record: its VCF columns and INFO."""

    chrom: str
    pos: int
    id: str
    ref: str
    alt: str
    info: dict[str, str]

    @property
    def gene(self) -> str:
        return self.info.get("GENEINFO", ":").split(":")[0]

    @property
    def clnsig(self) -> str:
        return self.info.get("CLNSIG", "")


def _records(path: Path) -> Iterator[Record]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t")
            info = dict(part.partition("=")[::2] for part in fields[7].split(";"))
            yield Record(fields[0], int(fields[1]), fields[2], fields[3], fields[4], info)


@pytest.fixture(scope="session")
def clinvar_records(shared_data: Path) -> list[Record]:
    return list(_records(shared_data / CLINVAR))


@pytest.fixture(scope="session")
def pick(clinvar_records: list[Record]) -> Callable[..., Record]:
    """The first real ClinVar record matching a predicate (and, optionally, not at excluded positions)."""

    def first(predicate: Callable[[Record], bool], exclude: Sequence[Record] = ()) -> Record:
        taken = {(r.chrom, r.pos) for r in exclude}
        for record in clinvar_records:
            if (record.chrom, record.pos) not in taken and predicate(record):
                return record
        raise AssertionError("no ClinVar record matches")

    return first


@pytest.fixture(scope="session")
def hereditary_bundle(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBundle:
    out = tmp_path_factory.mktemp("hereditary-kb") / "kb"
    build_bundle(shared_data, out, only=["clinvar", "acmg-sf"])
    return load_bundle(out)


HEADER = (
    "##fileformat=VCFv4.2\n"
    "##reference={build}\n"
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    '##FORMAT=<ID=PS,Number=1,Type=Integer,Description="Phase set">\n'
)


def write_vcf(
    path: Path,
    rows: Sequence[tuple[str, int, str, str, Sequence[str]]],
    samples: Sequence[str] = ("PATIENT",),
    build: str = "GRCh38",
) -> Path:
    """A VCF with one line per (chrom, pos, ref, alt, genotypes); a genotype may carry ':PS'."""
    lines = [HEADER.format(build=build)]
    lines.append("\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]) + "\n")
    for chrom, pos, ref, alt, genotypes in sorted(rows, key=lambda r: (int(r[0]), r[1])):
        form = "GT:PS" if any(":" in g for g in genotypes) else "GT"
        lines.append("\t".join([chrom, str(pos), ".", ref, alt, ".", "PASS", ".", form, *genotypes]) + "\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def vcf_writer(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1000))

    def write(rows: Sequence[tuple[str, int, str, str, Sequence[str]]], **kwargs: object) -> Path:
        return write_vcf(tmp_path / f"patient{next(counter)}.vcf", rows, **kwargs)  # type: ignore[arg-type]

    return write
