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

Names are loaded on first use (:func:`__getattr__`): a reader of PLINK 2 or BGEN files (``prs score --pgen``) imports
its own module of this package without htslib's VCF reader and the collectors behind these names.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tailormed.evidence.read import GenomeBatch, read_genome, read_genomes
    from tailormed.evidence.reader import GenomeInput, bgzf_complete, open_vcf
    from tailormed.evidence.summary import VcfSummary, summarize_vcf
    from tailormed.evidence.tumour import read_tumour

#: Each name of the package and the module that defines it.
_MODULES = {
    "GenomeBatch": "read",
    "read_genome": "read",
    "read_genomes": "read",
    "GenomeInput": "reader",
    "bgzf_complete": "reader",
    "open_vcf": "reader",
    "VcfSummary": "summary",
    "summarize_vcf": "summary",
    "read_tumour": "tumour",
}

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


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)
