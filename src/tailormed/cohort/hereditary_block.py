"""A cohort block's hereditary table from the people who carry a ClinVar allele, not person by person.

The table lists each P/LP or conflicting ClinVar allele a person carries, with the verdict on it; most people carry
none. So each ClinVar site is looked at once for the whole block: which of its distinct calls (the pass keeps one
call per distinct genotype row and each sample's number among them) shows one of the site's ClinVar alleles. Only
the people holding such a call are observed and judged, with the engine's own functions
(:func:`~tailormed.engines.hereditary.observe.observe`, :func:`~tailormed.engines.hereditary.rules.judge`) on
their calls at those sites, and rendered by the engine's own ``hereditary.tsv`` writer, so their rows are the rows
the per-person engine gives. Whether a person is assessed at all (secondary-findings consent, ClinVar in the
bundle, the genome's build) is the engine's own check
(:func:`~tailormed.pipeline.hereditary.not_assessed_run`), person by person.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tailormed.cohort.tables import HEREDITARY_TABLE, hereditary_tsv_rows, rows_table
from tailormed.engines.hereditary.observe import observe
from tailormed.engines.hereditary.rules import HereditaryRow, judge
from tailormed.engines.hereditary.sites import allele_in_locus
from tailormed.evidence.read import GenomeBatch
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.hereditary.load import HereditaryKnowledge
from tailormed.model.genotype import CallState, GenotypeCall
from tailormed.model.patient import Patient, Sex
from tailormed.pipeline.hereditary import CONSUMER, load_hereditary, not_assessed_run
from tailormed.report.tables import hereditary_rows_tsv

#: The call states in which a sample can show a ClinVar allele (as the engine's ``observe`` reads them).
SHOWING = (CallState.VARIANT, CallState.PARTIAL)


@dataclass
class BlockHereditary:
    """The block's hereditary table, the versions of the sources it rests on (empty when nobody was assessed), and
    how many people were not assessed, by the engine's reason."""

    table: pa.Table
    versions: dict[str, str]
    skipped: Counter[str]


def hereditary_block(
    batch: GenomeBatch, samples: Sequence[str], patients: Sequence[Patient], bundle: KnowledgeBundle
) -> BlockHereditary:
    """The rows each person's hereditary engine run would give, in ``samples`` order, found through the carriers."""
    read = batch.genotypes.get(CONSUMER)
    versions: dict[str, str] = {}
    skipped: Counter[str] = Counter()
    assessed: list[tuple[str, int, Sex | None]] = []
    for sample, patient in zip(samples, patients, strict=True):
        run = not_assessed_run(patient, bundle, batch.build, read=read is not None)
        if run is not None:
            versions.update(run.versions)
            skipped[run.skipped or ""] += 1
            continue
        sex = patient.demographics.sex
        assessed.append((sample, batch.row(sample), None if sex is Sex.UNKNOWN else sex))
    listed: list[tuple[str, list[HereditaryRow]]] = []
    if assessed:
        assert read is not None  # not_assessed_run skips everyone when the pass read no ClinVar loci
        knowledge = load_hereditary(bundle)
        versions.update(knowledge.versions)
        sites = read.by_site()
        carried = carried_sites(sites, knowledge)
        for sample, row, seen_as in assessed:
            keys = carried.get(row)
            if not keys:
                continue
            calls: dict[str, GenotypeCall] = {}
            for key in keys:
                distinct, codes = sites[key]
                calls[key] = distinct[codes[row]]
            indices = sorted(index for key in keys for index in knowledge.variants_at[key])
            variants = [knowledge.clinvar[index] for index in indices]
            observations = observe(calls, variants, knowledge.loci, knowledge.acmg, seen_as)
            listed.append((sample, judge(observations, knowledge)))
    table = rows_table(HEREDITARY_TABLE, hereditary_tsv_rows(hereditary_rows_tsv(listed)))
    return BlockHereditary(table=table, versions=versions, skipped=skipped)


def carried_sites(
    sites: dict[str, tuple[list[GenotypeCall], npt.NDArray[np.integer]]], knowledge: HereditaryKnowledge
) -> dict[int, list[str]]:
    """Sample row -> the keys of the ClinVar sites where its call shows one of the site's ClinVar alleles."""
    carried: dict[int, list[str]] = {}
    for key, (distinct, codes) in sites.items():
        indices = knowledge.variants_at.get(key)
        locus = knowledge.loci.get(key)
        if indices is None or locus is None:
            continue
        showing = [number for number, call in enumerate(distinct) if call.state in SHOWING]
        if not showing:
            continue
        alleles = {allele_in_locus(knowledge.clinvar[index], locus) for index in indices}
        hits = [number for number in showing if not alleles.isdisjoint(distinct[number].alleles)]
        if not hits:
            continue
        for row in np.flatnonzero(np.isin(codes, hits)).tolist():
            carried.setdefault(row, []).append(key)
    return carried
