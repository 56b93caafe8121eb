"""Many samples' genotype calls at knowledge sites, one column per site: what a cohort's PGx matching reads.

A column holds one small integer per sample indexing the site's distinct calls, so a block of thousands of samples
is a few integer arrays and a handful of call objects per site, not one call object per sample and site. The calls
are the ones :meth:`GenomeEvidence.calls` gives each sample (read, assumed reference or absent).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tailormed.model.genotype import BuildDetection, GenotypeCall, SampleGenotypes

Codes = npt.NDArray[np.integer[Any]]


@dataclass(frozen=True)
class CallColumn:
    """One site: ``calls[codes[i]]`` is sample ``i``'s call (None: the sample has no call there at all)."""

    codes: Codes
    calls: tuple[GenotypeCall | None, ...]


@dataclass(frozen=True)
class CallColumns:
    """One consumer's calls for a block of samples; a site without a column has no call for anyone."""

    samples: tuple[str, ...]
    source: str
    build: BuildDetection
    absent_is_reference: bool
    columns: Mapping[str, CallColumn]

    @classmethod
    def of(cls, cohort: Sequence[SampleGenotypes], keys: Iterable[str]) -> CallColumns:
        """Columns at ``keys`` from per-sample genotypes (equal calls share a code) — for callers holding those.

        Every sample must share the absent-is-reference choice, which the matcher reports.
        """
        if not cohort:
            raise ValueError("no samples")
        choices = {genotypes.absent_is_reference for genotypes in cohort}
        if len(choices) > 1:
            raise ValueError("samples differ in the absent-is-reference choice")
        columns: dict[str, CallColumn] = {}
        for key in dict.fromkeys(keys):
            codes = np.empty(len(cohort), dtype=np.int32)
            found: dict[int, int] = {}
            by_value: dict[tuple[object, ...] | None, int] = {}
            calls: list[GenotypeCall | None] = []
            for row, genotypes in enumerate(cohort):
                call = genotypes.calls.get(key)
                code = found.get(id(call))
                if code is None:
                    value = None if call is None else tuple(getattr(call, name) for name in type(call).model_fields)
                    code = by_value.get(value)
                    if code is None:
                        code = by_value[value] = len(calls)
                        calls.append(call)
                    found[id(call)] = code
                codes[row] = code
            if any(call is not None for call in calls):
                columns[key] = CallColumn(codes=codes, calls=tuple(calls))
        first = cohort[0]
        return cls(
            samples=tuple(genotypes.sample for genotypes in cohort),
            source=first.source,
            build=first.build,
            absent_is_reference=first.absent_is_reference,
            columns=columns,
        )

    def genotypes(self, index: int, keys: Iterable[str]) -> SampleGenotypes:
        """Sample ``index``'s calls at ``keys`` (those with a column), as the per-sample matcher reads them."""
        calls = {}
        for key in keys:
            column = self.columns.get(key)
            call = column.calls[int(column.codes[index])] if column is not None else None
            if call is not None:
                calls[key] = call
        return SampleGenotypes.model_construct(
            sample=self.samples[index],
            source=self.source,
            build=self.build,
            absent_is_reference=self.absent_is_reference,
            calls=calls,
            warnings=[],
        )
