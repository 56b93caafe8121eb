"""Calling every gene for every sample of a cohort, each distinct genotype pattern of a gene matched once.

In a cohort most people share their genotypes at a gene's defining positions (reference throughout, or one common
variant), so matching every person separately repeats the same work thousands of times. Here each call a sample
has at a defining position becomes a small integer code (equal calls share a code; the evidence stage already
hands the samples of a site one call object per distinct genotype), the codes form a samples x positions matrix,
and per gene numpy reduces that matrix to its distinct rows. The per-sample matcher
(:func:`~tailormed.engines.pgx.matcher.match_gene`) runs once per distinct row and every sample of the row gets
that call under its own name, so the calls are the per-sample matcher's by construction, whatever the phasing,
missing positions, partial calls or multi-allelic sites. Like the matcher, this is pure.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from tailormed.engines.pgx.matcher import match_gene
from tailormed.knowledge.pgx.definitions import GeneDefinition
from tailormed.model.genotype import GenotypeCall, SampleGenotypes
from tailormed.model.pgx import GeneCall

#: Code of a position the sample has no call for.
NO_CALL_CODE = 0


class _Codes:
    """Small integers for calls: the same object, or an equal call, always gets the same code."""

    def __init__(self) -> None:
        self.by_identity: dict[int, int] = {}
        self.by_value: dict[tuple[object, ...], int] = {}
        self.kept: list[GenotypeCall] = []  # keeps coded objects alive, so their identities stay unique

    def code(self, call: GenotypeCall | None) -> int:
        if call is None:
            return NO_CALL_CODE
        found = self.by_identity.get(id(call))
        if found is not None:
            return found
        value = tuple(getattr(call, name) for name in type(call).model_fields)
        code = self.by_value.setdefault(value, len(self.by_value) + 1)
        self.by_identity[id(call)] = code
        self.kept.append(call)
        return code


def pattern_matrix(cohort: Sequence[SampleGenotypes], keys: Sequence[str]) -> npt.NDArray[np.int64]:
    """Codes (samples x keys) of each sample's call at each position key, plus a last column for the sample's
    absent-is-reference choice (which the matcher reports)."""
    codes = _Codes()
    matrix = np.empty((len(cohort), len(keys) + 1), dtype=np.int64)
    for row, genotypes in enumerate(cohort):
        calls = genotypes.calls
        matrix[row, :-1] = [codes.code(calls.get(key)) for key in keys]
        matrix[row, -1] = int(genotypes.absent_is_reference)
    return matrix


def match_cohort(
    definitions: Mapping[str, GeneDefinition],
    cohort: Sequence[SampleGenotypes],
    *,
    genes: Collection[str] | None = None,
    top_candidate_only: bool = True,
    find_combinations: bool = False,
) -> list[list[GeneCall]]:
    """Every gene (or ``genes``) for every sample, in gene-name order per sample: ``match_all`` for each sample."""
    wanted = sorted(definitions if genes is None else genes)
    keys = list(dict.fromkeys(v.key for gene in wanted for v in definitions[gene].variants))
    column = {key: i for i, key in enumerate(keys)}
    matrix = pattern_matrix(cohort, keys)
    results: list[list[GeneCall]] = [[] for _ in cohort]
    for gene in wanted:
        definition = definitions[gene]
        columns = [column[v.key] for v in definition.variants] + [len(keys)]
        if not len(cohort):
            continue
        _, first, inverse = np.unique(matrix[:, columns], axis=0, return_index=True, return_inverse=True)
        calls = [
            match_gene(
                definition,
                cohort[int(representative)],
                top_candidate_only=top_candidate_only,
                find_combinations=find_combinations,
            )
            for representative in first
        ]
        for row, pattern in enumerate(inverse.reshape(-1).tolist()):
            call = calls[pattern]
            name = cohort[row].sample
            results[row].append(call if call.sample == name else call.model_copy(update={"sample": name}))
    return results
