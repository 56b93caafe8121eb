"""VCF files a knowledge importer reads (ClinVar's release, PGS Catalog percentile renderings), through htslib.

The importers share one way in: the header's lines are counted (so an error names its line), then htslib parses the
records. Knowledge never uses the genome reader (:mod:`tailormed.evidence`), whose checks serve patient files.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path

import cyvcf2

from tailormed import htslib
from tailormed.errors import KnowledgeError

_PRIMARY = tuple(f"{prefix}{name}" for prefix in ("chr", "") for name in (*map(str, range(1, 23)), "X", "Y", "M", "MT"))


def open_vcf(path: Path) -> tuple[cyvcf2.VCF, int]:
    """A plain or gzipped VCF opened by htslib, and how many header lines precede its first record.

    Declaring the primary chromosomes the header lacks (ClinVar's declares none) keeps htslib from adding them one
    by one (with a warning each) and away from its crash on a malformed record of an undeclared contig.
    """
    try:
        with path.open("rb") as raw:
            compressed = raw.read(2) == b"\x1f\x8b"
        with gzip.open(path, "rt", encoding="utf-8") if compressed else path.open(encoding="utf-8") as handle:
            lines = 0
            for line in handle:
                if not line.startswith("#"):
                    raise KnowledgeError(
                        "no '#CHROM' header line before the first record", source=path, location=f"line {lines + 1}"
                    )
                lines += 1
                if line.startswith("#CHROM"):
                    break
            else:
                raise KnowledgeError("no '#CHROM' header line", source=path)
    except (OSError, EOFError, zlib.error) as exc:
        raise KnowledgeError(f"truncated or corrupt gzip data ({exc})", source=path) from exc
    except UnicodeDecodeError as exc:
        raise KnowledgeError("not UTF-8 text", source=path) from exc
    htslib.silence()  # a record htslib cannot parse is reported below, naming its line
    try:
        reader = cyvcf2.VCF(str(path), lazy=True)
    except Exception as exc:  # cyvcf2 raises a bare Exception for a header htslib rejects
        raise KnowledgeError(f"not a VCF htslib can read ({exc})", source=path) from exc
    declared = set(reader.seqnames) if "##contig" in reader.raw_header else set()
    for name in _PRIMARY:
        if name not in declared:
            reader.add_to_header(f"##contig=<ID={name}>")
    return reader, lines


def vcf_records(reader: cyvcf2.VCF, path: Path, lines: int) -> Iterator[tuple[int, cyvcf2.Variant]]:
    """Each record with its line number; KnowledgeError naming the line htslib could not parse."""
    iterator = iter(reader)
    number = lines
    while True:
        try:
            record = next(iterator)
        except StopIteration:
            return
        except Exception as exc:  # htslib's parse or decompression failure surfaces as a bare Exception
            raise KnowledgeError(
                f"malformed VCF record or corrupt data (htslib: {exc})", source=path, location=f"line {number + 1}"
            ) from exc
        number += 1
        yield number, record


def header_lines(reader: cyvcf2.VCF) -> dict[str, str]:
    """The header's ``##key=value`` lines as a mapping (the last of a repeated key wins)."""
    return dict(line[2:].partition("=")[::2] for line in reader.raw_header.splitlines() if line.startswith("##"))
