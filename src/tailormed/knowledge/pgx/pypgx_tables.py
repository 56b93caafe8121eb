"""Phenotype tables from PyPGx's diplotype table, for genes a bundle defines but no other table can phenotype.

A built bundle calls every gene PharmCAT defines, but PharmCAT's phenotype files here cannot phenotype all of them:
RYR1 has no file, and IFNL3's file lists allele functions without a diplotype table. PyPGx's diplotype table
(``Gene,Diplotype,Phenotype``, CPIC's terms) has rows for both, so such a gene is phenotyped from those rows
instead of being left with no phenotype. PyPGx names IFNL3's single-position alleles ``Reference`` and by rsID
(``rs12979860``) where PharmCAT writes ``rs12979860 reference (C)`` and ``rs12979860 variant (T)``; rows naming an
allele the definitions do not have are left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from tailormed.knowledge.pgx.definitions import GeneDefinition
from tailormed.knowledge.pgx.phenotypes import DiplotypePhenotype, GenePhenotypes, diplotype_key
from tailormed.model.pgx import PhenotypeMethod

_SINGLE_POSITION = re.compile(r"^(?P<rsid>rs\d+) (?P<kind>reference|variant) \([ACGT]+\)$")


def can_phenotype(table: GenePhenotypes | None) -> bool:
    """Whether a table turns a called diplotype into a phenotype (rows, activity scores or allele status)."""
    if table is None:
        return False
    return table.method is PhenotypeMethod.ALLELE_STATUS or bool(table.diplotypes or table.score_phenotypes)


def pypgx_name(allele: str, pypgx_alleles: set[str]) -> str:
    """The PyPGx name of a definition's allele (``rs12979860 variant (T)`` -> ``rs12979860``).

    >>> pypgx_name("rs12979860 variant (T)", {"Reference", "rs12979860"})
    'rs12979860'
    >>> pypgx_name("rs12979860 reference (C)", {"Reference", "rs12979860"})
    'Reference'
    >>> pypgx_name("c.103T>C", {"Reference", "c.103T>C"})
    'c.103T>C'
    """
    if allele in pypgx_alleles:
        return allele
    single = _SINGLE_POSITION.match(allele)
    if single is None:
        return allele
    return "Reference" if single["kind"] == "reference" else single["rsid"]


def pypgx_table(
    definition: GeneDefinition, rows: Mapping[str, str], current: GenePhenotypes | None, version: str
) -> GenePhenotypes | None:
    """``definition``'s gene phenotyped by PyPGx's rows (diplotype -> phenotype) in the definitions' allele names,
    keeping what ``current`` knows (allele functions, the phenotype terms an outside call may state); None when no
    row names only defined alleles."""
    pairs = [(tuple(d.split("/")), phenotype) for d, phenotype in rows.items()]
    named = {name for alleles, _ in pairs for name in alleles}
    ours = {pypgx_name(a.name, named): a.name for a in definition.named_alleles}
    diplotypes = [
        DiplotypePhenotype(alleles=diplotype_key(ours[a] for a in alleles), phenotype=phenotype, lookup_key=phenotype)
        for alleles, phenotype in pairs
        if len(alleles) == 2 and all(a in ours for a in alleles)
    ]
    if not diplotypes:
        return None
    terms = sorted({*(current.phenotype_terms if current else []), *(row.phenotype or "" for row in diplotypes)})
    return GenePhenotypes(
        gene=definition.gene,
        version=version,
        method=PhenotypeMethod.PHENOTYPE,
        alleles=dict(current.alleles) if current else {},
        diplotypes=diplotypes,
        phenotype_terms=[t for t in terms if t],
    )
