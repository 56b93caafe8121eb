"""A cohort block's PGx tables worked out per distinct gene result, not per person.

People with the same call of a gene get the same ``pgx.tsv`` row for it (but for their name), and people with the
same results for the genes a guideline reads get the same answer from it. So per gene each distinct call of the
block (:func:`~tailormed.engines.pgx.cohort_match.gene_patterns`) is finished, phenotyped and rendered once, with
the single-patient engine's own functions; per drug of each guideline each distinct combination of the calls of the
genes it reads is answered once; and the block's tables are those rows taken for each person (numpy indices, pyarrow
``take``), with no per-person model.

This holds for people whose PGx results rest on their genotypes alone. People who take medications (their review,
phenoconversions, warfarin dose) or whose VCF states copy numbers go through the engine one by one
(:func:`~tailormed.pipeline.analyze.run_engines`), and their rows are put in their place.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tailormed.cohort.tables import (
    PGX_CALLS_TABLE,
    PGX_RECOMMENDATIONS_TABLE,
    Rows,
    guideline_rows,
    pgx_call_rows,
    recommendation_rows,
    rows_table,
    tsv_rows,
)
from tailormed.engines.pgx.cohort_match import MatchMemo, gene_patterns
from tailormed.engines.pgx.copy_number import READ_STATES, phenotype_calls
from tailormed.engines.pgx.findings import recommendation_priority
from tailormed.engines.pgx.recommend import (
    actionable,
    every_drug,
    genes_read,
    key_shape,
    match_guideline,
    named_key,
    ranged,
    result_keys,
    rows_key,
)
from tailormed.evidence.read import GenomeBatch
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.pgx.definitions import DefinitionVariant
from tailormed.knowledge.pgx.guidelines import Guideline, GuidelineKnowledge
from tailormed.model.call_columns import CallColumns
from tailormed.model.patient import Patient
from tailormed.model.pgx import GeneCall, GenePhenotype, GuidelineResult
from tailormed.pipeline import pgx
from tailormed.pipeline.analyze import run_engines
from tailormed.report.tables import calls_tsv

Index = npt.NDArray[np.intp]


@dataclass
class BlockPgx:
    """The block's two PGx tables and the versions of the sources they rest on; each row's person (their number
    among the block's samples), whose rows come together in person order."""

    calls: pa.Table
    recommendations: pa.Table
    versions: dict[str, str]
    call_persons: Index
    recommendation_persons: Index

    def part(self, first: int, stop: int) -> BlockPgx:
        """The tables of the people numbered ``first`` to ``stop`` (excluded), numbered from 0: a person's rows do not
        depend on who else is in the block, so these are the tables of a block of those people."""

        def cut(table: pa.Table, persons: Index) -> tuple[pa.Table, Index]:
            start, end = (int(i) for i in np.searchsorted(persons, [first, stop]))
            return table.slice(start, end - start), persons[start:end] - first

        calls, call_persons = cut(self.calls, self.call_persons)
        recommendations, recommendation_persons = cut(self.recommendations, self.recommendation_persons)
        return BlockPgx(calls, recommendations, self.versions, call_persons, recommendation_persons)


@dataclass
class _Gene:
    """One gene over the block: each person's distinct-call number, and per distinct call its ``pgx.tsv`` row
    (without the sample), its phenotype and that phenotype's key (:func:`result_keys`); ``answers`` numbers each
    person's distinct key (what a guideline's answer rests on)."""

    gene: str
    codes: Index
    rows: Rows
    results: list[GenePhenotype | None]
    keys: list[str]
    answers: Index
    #: (key's name, :func:`key_shape`) -> each person's number, shared by the guidelines that ask the same
    numbers: dict[Hashable, Index] = field(default_factory=dict)

    @classmethod
    def of(cls, gene: str, codes: Index, rows: Rows, results: list[GenePhenotype | None], keys: list[str]) -> _Gene:
        seen: dict[str, int] = {}
        by_key = np.array([seen.setdefault(key, len(seen)) for key in keys], dtype=np.int64)
        return cls(gene, codes, rows, results, keys, by_key[codes])

    def numbered(self, key: Callable[[Guideline, str, GenePhenotype | None], Hashable], guideline: Guideline) -> Index:
        """Each person's distinct ``key`` (:func:`rows_key` or :func:`named_key`) of their result, as a number."""
        shape = (key.__name__, key_shape(guideline, self.gene))
        found = self.numbers.get(shape)
        if found is None:
            seen: dict[Hashable, int] = {}
            distinct = [seen.setdefault(key(guideline, self.gene, result), len(seen)) for result in self.results]
            found = self.numbers[shape] = np.array(distinct, dtype=np.int64)[self.codes]
        return found

    def ranged(self) -> npt.NDArray[np.bool_]:
        """Whether each person's result is :func:`ranged`."""
        return np.array([ranged(result) for result in self.results], dtype=bool)[self.codes]


def pgx_block(
    batch: GenomeBatch, samples: Sequence[str], patients: Sequence[Patient], bundle: KnowledgeBundle, *, on: date,
    memo: MatchMemo,
) -> BlockPgx | None:  # fmt: skip
    """The PGx tables of ``samples`` (in that order; ``patients`` their records); None when the pass read no PGx
    genotypes (each person's engine then says why)."""
    columns = batch.call_columns(pgx.CONSUMER)
    if columns is None or not samples:
        return None
    definitions, knowledge, _ = pgx.load_pgx(bundle)
    at = {name: index for index, name in enumerate(columns.samples)}
    order = np.array([at[sample] for sample in samples], dtype=np.intp)
    found = gene_patterns(definitions, columns, memo=memo)
    context = batch.evidence(samples[0]).model_copy(update={"copy_number": []})
    genes: dict[str, _Gene] = {}
    for gene, (calls, pattern) in found.items():
        copies = knowledge.copy_number.gene(gene) is not None
        codes, firsts = _distinct_calls(calls, pattern, columns, copies, definitions[gene].variants)
        finished: list[tuple[list[GeneCall], dict[str, GenePhenotype]]] = []
        results: list[GenePhenotype | None] = []
        keys: list[str] = []
        positions = [v.key for v in definitions[gene].variants] if copies else []  # only their calls read these
        for first in firsts.tolist():
            reads = columns.genotypes(first, positions).calls
            call = pgx.finish_calls([calls[pattern[first]]], definitions, reads, context, knowledge.copy_number)
            phenotypes = phenotype_calls(call, knowledge.phenotypes, knowledge.copy_number)
            finished.append((call, phenotypes))
            result = phenotypes.get(gene)
            results.append(result)
            keys.append(result_keys({gene: result})[gene] if result is not None else "")
        rows = tsv_rows(calls_tsv(finished))  # one row per distinct call, rendered together
        genes[gene] = _Gene.of(gene, codes[order], rows, results, keys)
    one_by_one = [
        person for person, (sample, patient) in enumerate(zip(samples, patients, strict=True))
        if patient.current_medications() or (batch.copy_number is not None and batch.copy_number.records(at[sample]))
    ]  # fmt: skip
    tables = {
        PGX_CALLS_TABLE: _calls_table(genes, samples),
        PGX_RECOMMENDATIONS_TABLE: _recommendations_table(genes, samples, knowledge.guidelines),
    }
    if one_by_one:
        slow: dict[str, list[tuple[int, Rows]]] = {table: [] for table in tables}
        for person in one_by_one:
            sample = samples[person]
            own = [calls[pattern[at[sample]]] for calls, pattern in found.values()]
            renamed = [call if call.sample == sample else call.model_copy(update={"sample": sample}) for call in own]
            run = run_engines(patients[person], batch.evidence(sample), bundle, on=on, engines=["pgx"],
                              pgx_calls=renamed)["pgx"]  # fmt: skip
            slow[PGX_CALLS_TABLE].append((person, pgx_call_rows(run)))
            slow[PGX_RECOMMENDATIONS_TABLE].append((person, recommendation_rows(sample, run)))
        tables = {name: _replace(name, *table, slow[name]) for name, table in tables.items()}
    return BlockPgx(
        calls=tables[PGX_CALLS_TABLE][0],
        recommendations=tables[PGX_RECOMMENDATIONS_TABLE][0],
        versions=pgx.run_versions(bundle, batch.build.build),
        call_persons=tables[PGX_CALLS_TABLE][1],
        recommendation_persons=tables[PGX_RECOMMENDATIONS_TABLE][1],
    )


def _distinct_calls(
    calls: list[GeneCall], pattern: Index, columns: CallColumns, copies: bool, variants: Sequence[DefinitionVariant]
) -> tuple[Index, Index]:
    """Each sample's distinct-call number (samples in the columns' order) and the first sample of each.

    Patterns sharing a call object share a number; for a gene with deletions and duplications (``copies``) whether
    any of its positions was read from a record is part of it (a call with none is not called).
    """
    ids: dict[int, int] = {}
    numbered = np.array([ids.setdefault(id(call), len(ids)) for call in calls], dtype=np.int64)
    codes = numbered[pattern] if len(pattern) else np.zeros(0, dtype=np.int64)
    if copies:
        read = np.zeros(len(columns.samples), dtype=bool)
        for variant in variants:
            column = columns.columns.get(variant.key)
            if column is not None:
                flags = np.array([c is not None and c.state in READ_STATES for c in column.calls], dtype=bool)
                read |= flags[column.codes]
        codes = codes * 2 + read
    _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    return inverse.reshape(-1).astype(np.intp), first.astype(np.intp)


def _calls_table(genes: dict[str, _Gene], samples: Sequence[str]) -> tuple[pa.Table, Index]:
    """One row per person and gene (genes in name order), each person's rows in a run: ``pgx.tsv`` per person."""
    distinct: Rows = []
    index = np.zeros((len(samples), len(genes)), dtype=np.intp)
    for column, gene in enumerate(genes.values()):
        index[:, column] = len(distinct) + gene.codes
        distinct += gene.rows
    person = np.repeat(np.arange(len(samples), dtype=np.intp), len(genes))
    return _taken(PGX_CALLS_TABLE, distinct, index.reshape(-1), person, samples), person


def _recommendations_table(
    genes: dict[str, _Gene], samples: Sequence[str], guidelines: GuidelineKnowledge
) -> tuple[pa.Table, Index]:
    """Per person, every drug's actionable answer (in the order of a full report), one row per matched row.

    Whether an answer is actionable is worked out once per distinct combination of the guideline's :func:`rows_key`
    of the genes it reads; only the people whose answer is have their whole answers worked out: once per distinct
    combination of the guideline's :func:`named_key`, or of the genes' whole results for people with a
    :func:`ranged` result of the guideline's genes.
    """
    distinct: Rows = []
    starts: list[Index] = []
    counts: list[Index] = []
    combos: dict[tuple[str, ...], tuple[Index, Index]] = {}
    groups: dict[int, tuple[tuple[str, ...], Index, Index, Index, Index]] = {}
    for guideline, drug in every_drug(guidelines):
        found = groups.get(id(guideline))
        if found is None:
            found = groups[id(guideline)] = _groups(genes, guideline, combos, len(samples))
        read, kinds, kind_first, combo, first = found
        acting = np.array(
            [actionable(guideline, drug, _results(genes, read, person)) for person in kind_first.tolist()], dtype=bool
        )
        start = np.zeros(len(first), dtype=np.intp)
        count = np.zeros(len(first), dtype=np.intp)
        for number in np.unique(combo[acting[kinds]]).tolist():
            answer = _answer(genes, read, guideline, drug, int(first[number]))
            rows = guideline_rows("", answer, recommendation_priority(answer, on_list=False))
            start[number], count[number] = len(distinct), len(rows)
            distinct += rows
        starts.append(start[combo])
        counts.append(count[combo])
    start_at = np.stack(starts, axis=1).reshape(-1) if starts else np.zeros(0, dtype=np.intp)
    count_at = np.stack(counts, axis=1).reshape(-1) if counts else np.zeros(0, dtype=np.intp)
    total = int(count_at.sum())
    before = np.cumsum(count_at) - count_at
    index = np.repeat(start_at - before, count_at) + np.arange(total, dtype=np.intp)
    per_person = count_at.reshape(len(samples), -1).sum(axis=1) if len(samples) else np.zeros(0, dtype=np.intp)
    person = np.repeat(np.arange(len(samples), dtype=np.intp), per_person)
    return _taken(PGX_RECOMMENDATIONS_TABLE, distinct, index, person, samples), person


def _groups(
    genes: dict[str, _Gene], guideline: Guideline, combos: dict[tuple[str, ...], tuple[Index, Index]], people: int
) -> tuple[tuple[str, ...], Index, Index, Index, Index]:
    """What the answers of every drug of a guideline are worked out per (the same for each of its drugs): the genes
    it reads of the block's, each person's :func:`rows_key` combination and its first person, and each person's
    answer combination (:func:`named_key`, or whole results where one is :func:`ranged`) and its first person."""
    read = tuple(gene for gene in genes_read(guideline) if gene in genes)
    if read not in combos:
        combos[read] = _combinations([genes[gene].answers for gene in read], people)
    whole, _ = combos[read]
    kinds, kind_first = _combinations([genes[gene].numbered(rows_key, guideline) for gene in read], people)
    named, _ = _combinations([genes[gene].numbered(named_key, guideline) for gene in read], people)
    wide = np.zeros(people, dtype=bool)
    for gene in guideline.genes:
        if gene in genes:
            wide |= genes[gene].ranged()
    combo, first = _combinations([np.where(wide, whole, whole.max(initial=0) + 1 + named)], people)
    return read, kinds, kind_first, combo, first


def _results(genes: dict[str, _Gene], read: tuple[str, ...], person: int) -> dict[str, GenePhenotype]:
    """One person's results of the genes a guideline reads (genes not called by the matcher left out)."""
    results: dict[str, GenePhenotype] = {}
    for gene in read:
        result = genes[gene].results[int(genes[gene].codes[person])]
        if result is not None:
            results[gene] = result
    return results


def _answer(genes: dict[str, _Gene], read: tuple[str, ...], guideline: Guideline, drug: str, person: int) -> (
    GuidelineResult
):  # fmt: skip
    """The guideline's answer for one drug from one person's results of the genes it reads."""
    results: dict[str, GenePhenotype] = {}
    keys: dict[str, str] = {}
    for gene in read:
        code = int(genes[gene].codes[person])
        result = genes[gene].results[code]
        if result is not None:
            results[gene], keys[gene] = result, genes[gene].keys[code]
    return match_guideline(guideline, drug, results, keys)


def _combinations(codes: list[Index], people: int) -> tuple[Index, Index]:
    """Each person's distinct combination of ``codes`` (one array per gene) and the first person of each."""
    if not codes or not people:
        return np.zeros(people, dtype=np.intp), np.zeros(1 if people else 0, dtype=np.intp)
    packed = np.zeros(people, dtype=np.int64)
    for column in codes:
        width = int(column.max()) + 1
        if int(packed.max()) + 1 >= (1 << 62) // width:
            packed = np.unique(packed, return_inverse=True)[1].reshape(-1).astype(np.int64)
        packed = packed * width + column
    _, first, inverse = np.unique(packed, return_index=True, return_inverse=True)
    return inverse.reshape(-1).astype(np.intp), first.astype(np.intp)


def _taken(name: str, distinct: Rows, index: Index, person: Index, samples: Sequence[str]) -> pa.Table:
    """The distinct rows taken at ``index``, each row's sample that of its ``person``."""
    table = rows_table(name, distinct).take(pa.array(index, type=pa.int64()))
    names = pa.array(list(samples), type=pa.string()).take(pa.array(person, type=pa.int64()))
    return table.set_column(table.schema.get_field_index("sample"), "sample", names).combine_chunks()


def _replace(name: str, table: pa.Table, person: Index, slow: list[tuple[int, Rows]]) -> tuple[pa.Table, Index]:
    """``table`` with the rows of the people in ``slow`` replaced by the rows their engine gave, in person order."""
    moved = np.isin(person, [p for p, _ in slow])
    kept = table.filter(pa.array(~moved))
    extra = [row for _, rows in slow for row in rows]
    extra_person = np.array([p for p, rows in slow for _ in rows], dtype=np.intp)
    together = pa.concat_tables([kept, rows_table(name, extra)])
    where = np.concatenate([person[~moved], extra_person])
    order = np.argsort(where, kind="stable")
    return together.take(pa.array(order, type=pa.int64())).combine_chunks(), where[order]
