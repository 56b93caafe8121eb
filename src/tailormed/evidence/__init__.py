"""The evidence stage: the one place genomes are read.

One reading pass per genome input (index queries when the file is indexed and the regions are few, else one
stream), with a collector per consumer, returns a serialisable :class:`~tailormed.model.evidence.GenomeEvidence`:
the build and how it was settled, the sample, the absent-is-reference choice and who made it, genotypes per
consumer filed under the knowledge's coordinates, score-position dosages, diagnosis candidates, records per gene
region and REF mismatches. The pipeline builds the :class:`~tailormed.model.evidence.GenomeRequest` from the
knowledge; this package never imports :mod:`tailormed.knowledge`.

- :func:`read_genome` / :func:`read_genomes`: germline VCF/BCF (path or open file descriptor) -> evidence.
- :func:`read_tumour`: somatic VCF -> :class:`~tailormed.model.evidence.TumourEvidence`.
- :func:`summarize_vcf`: what a file holds (``tailormed vcf info``).
- :func:`bgzf_complete`: the end-of-file check a feeder of a pipe makes itself.
"""

from tailormed.evidence.read import GenomeBatch, read_genome, read_genomes
from tailormed.evidence.reader import GenomeInput, bgzf_complete, open_vcf
from tailormed.evidence.summary import VcfSummary, summarize_vcf
from tailormed.evidence.tumour import read_tumour

__all__ = [
    "GenomeBatch",
    "GenomeInput",
    "VcfSummary",
    "bgzf_complete",
    "open_vcf",
    "read_genome",
    "read_genomes",
    "read_tumour",
    "summarize_vcf",
]
