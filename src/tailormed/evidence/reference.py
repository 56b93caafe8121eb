"""Reference-genome bases from a FASTA file, so sites a VCF does not list can be counted as reference.

A single-sample VCF that lists only variant sites says nothing about the bases it leaves out. When the user declares
it complete (``--absent-is-reference``), a scored position without a record is homozygous for the reference allele,
and which of a score's two alleles that is can only come from the genome itself. The FASTA is read with pyfaidx
(random access through its ``.fai`` index, built beside the file when missing, as ``samtools faidx`` does).
Chromosome names are matched whatever the naming (``chr1`` or ``1``, ``chrM`` or ``MT``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tailormed.errors import InputError
from tailormed.model.chrom import canonical_chrom
from tailormed.model.dosage import SiteGroup

#: More REF disagreements than this between the VCF and the FASTA mean they are not the same genome build.
MAX_REF_DISAGREEMENTS = 2
#: How many records of the VCF are compared with the FASTA.
CHECKED_RECORDS = 2000


@dataclass(frozen=True)
class ReferenceGenome:
    """An indexed FASTA; :meth:`sequence` returns the bases at canonical (chromosome, 1-based position)."""

    path: Path
    contigs: Mapping[str, str]  # canonical chromosome -> the FASTA's own contig name
    fasta: object  # pyfaidx.Fasta (kept untyped: pyfaidx ships no type information)

    @classmethod
    def open(cls, path: Path) -> ReferenceGenome:
        import pyfaidx

        if not path.is_file():
            raise InputError("reference FASTA not found", source=path)
        try:
            fasta = pyfaidx.Fasta(str(path), as_raw=True, sequence_always_upper=True, one_based_attributes=False)
        except (pyfaidx.FastaIndexingError, pyfaidx.UnsupportedCompressionFormat, ValueError, OSError) as exc:
            raise InputError(f"cannot index the reference FASTA: {exc}", source=path) from exc
        contigs: dict[str, str] = {}
        for name in fasta.records:
            canonical = canonical_chrom(name)
            if canonical is not None:
                contigs.setdefault(canonical, name)
        if not contigs:
            raise InputError("the FASTA names no human chromosome (1-22, X, Y, MT)", source=path)
        return cls(path=path, contigs=contigs, fasta=fasta)

    def sequence(self, chrom: str, pos: int, length: int = 1) -> str:
        """``length`` bases from 1-based ``pos`` of canonical ``chrom``; InputError when the FASTA lacks them."""
        name = self.contigs.get(chrom)
        if name is None:
            raise InputError(f"the FASTA has no contig for {chrom}", source=self.path)
        record = self.fasta[name]  # type: ignore[index]
        if pos < 1 or pos - 1 + length > len(record):
            raise InputError(f"{chrom}:{pos} lies beyond the end of contig {name}", source=self.path)
        bases: str = record[pos - 1 : pos - 1 + length]
        return bases

    def check_against(self, groups: Sequence[SiteGroup], label: str) -> None:
        """Refuse a FASTA whose bases disagree with the VCF's REF alleles (another build or another genome)."""
        checked = differ = 0
        first: str | None = None
        for group in groups[:CHECKED_RECORDS]:
            for record in group.records:
                if group.chrom not in self.contigs:
                    continue
                checked += 1
                found = self.sequence(group.chrom, group.pos, len(record.ref))
                if found != record.ref:
                    differ += 1
                    first = first or f"{group.chrom}:{group.pos} REF {record.ref} in {label}, FASTA {found}"
        if differ > MAX_REF_DISAGREEMENTS:
            raise InputError(
                f"the FASTA disagrees with the VCF's REF at {differ} of {checked} records (first: {first}); "
                "give the FASTA of the VCF's genome build",
                source=self.path,
            )


def reference_alleles(
    genome: ReferenceGenome, sites: Iterable[tuple[tuple[str, int], Iterable[str]]]
) -> dict[tuple[str, int], str]:
    """The reference allele at each site among the alleles scored there, as the FASTA spells it.

    An allele is the reference when the FASTA has its bases at the position (its complement counts too: the score
    may be on the other strand). When alleles of different lengths fit (an insertion and a deletion look alike from
    the reference alone) the site is left out: its reference allele stays unknown. When none fits, the FASTA's base
    at the position is given, and the matcher sees that neither allele is the reference.

    >>> genome = ReferenceGenome(Path("x.fa"), {"chr1": "1"}, {"1": "ACGTAC"})
    >>> reference_alleles(genome, [(("chr1", 2), ["C", "T"]), (("chr1", 3), ["G", "GT"]), (("chr1", 5), ["G"])])
    {('chr1', 2): 'C', ('chr1', 5): 'A'}
    """
    found: dict[tuple[str, int], str] = {}
    for (chrom, pos), alleles in sites:
        if chrom not in genome.contigs:
            continue
        fits: set[str] = set()
        for allele in alleles:
            for form in (allele, allele.translate(_COMPLEMENT)):
                if form and _DNA.issuperset(form) and genome.sequence(chrom, pos, len(form)) == form:
                    fits.add(form)
        lengths = {len(form) for form in fits}
        if len(lengths) == 1:
            found[(chrom, pos)] = genome.sequence(chrom, pos, lengths.pop())
        elif not fits:
            found[(chrom, pos)] = genome.sequence(chrom, pos, 1)
    return found


_DNA = frozenset("ACGT")
_COMPLEMENT = str.maketrans("ACGT", "TGCA")
