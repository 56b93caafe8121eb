"""Calling every gene for every sample of a cohort block: each distinct genotype pattern of a gene matched once,
against only the named alleles it can carry.

In a cohort most people share their genotypes at a gene's defining positions (reference throughout, or common
haplotypes), so matching every person separately repeats the same work thousands of times. Here the calls of a
block are columns of small integer codes (:class:`~tailormed.model.call_columns.CallColumns`); per gene, each code
is reduced to what the matcher reads of a call (state, alleles, phase, phase set), numpy reduces the samples x
positions matrix to its distinct rows, and the per-sample matcher (:func:`~tailormed.engines.pgx.matcher.match_gene`)
runs once per distinct row; every sample of the row gets that call under its own name. A :class:`MatchMemo` keeps
the calls of patterns already matched, so later blocks of the same run match only patterns not seen before.

Each pattern is matched against the gene's definition restricted to the reference allele and the named alleles
whose defined cells all agree with an allele the sample has at that position. The matcher never calls, pairs,
composes or ranks any other allele (a fitting allele, a strand's carried allele and an unphased lowest-function
candidate all need every defined cell present in the genotypes), and the positions that only ignored alleles define
stay those of the whole definition, so the call is the per-sample matcher's. Like the matcher, this is pure.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from tailormed.engines.pgx.matcher import match_sites
from tailormed.engines.pgx.matcher.sample import UNCALLED, SampleSites, Site, read_site
from tailormed.knowledge.pgx.definitions import (
    DefinitionVariant,
    GeneDefinition,
    NamedAlleleDefinition,
    allele_matches,
    is_wobble,
)
from tailormed.model.call_columns import CallColumns
from tailormed.model.genotype import CallState, GenotypeCall, SampleGenotypes
from tailormed.model.pgx import GeneCall

#: What the matcher reads of a call: state, alleles, phased flag, phase set (None: no call at all).
Value = tuple[CallState, tuple[str | None, ...], bool, int | None] | None
IntMatrix = npt.NDArray[np.int32]
#: Largest product of code ranges packed into one int64 pattern key.
_PACKED = 1 << 62


class MatchMemo:
    """Calls of patterns already matched, per gene and matching options, kept across the blocks of one run.

    Bounded: when it holds more than ``size`` patterns it starts again empty.
    """

    def __init__(self, size: int = 200_000) -> None:
        self.size = size
        self.held = 0
        self._calls: dict[Hashable, dict[Hashable, GeneCall]] = {}

    def table(self, key: Hashable) -> dict[Hashable, GeneCall]:
        if self.held > self.size:
            self._calls.clear()
            self.held = 0
        return self._calls.setdefault(key, {})


def match_cohort(
    definitions: Mapping[str, GeneDefinition],
    cohort: Sequence[SampleGenotypes],
    *,
    genes: Collection[str] | None = None,
    top_candidate_only: bool = True,
    find_combinations: bool = False,
    memo: MatchMemo | None = None,
) -> list[list[GeneCall]]:
    """Every gene (or ``genes``) for every sample, in gene-name order per sample: ``match_all`` for each sample."""
    wanted = sorted(definitions if genes is None else genes)
    keys = [v.key for gene in wanted for v in definitions[gene].variants]
    results: list[list[GeneCall]] = [[] for _ in cohort]
    for choice in (False, True):
        rows = [i for i, genotypes in enumerate(cohort) if genotypes.absent_is_reference is choice]
        if not rows:
            continue
        columns = CallColumns.of([cohort[i] for i in rows], keys)
        found = match_columns(
            definitions,
            columns,
            genes=wanted,
            top_candidate_only=top_candidate_only,
            find_combinations=find_combinations,
            memo=memo,
        )
        for row, calls in zip(rows, found, strict=True):
            results[row] = calls
    return results


def match_columns(
    definitions: Mapping[str, GeneDefinition],
    columns: CallColumns,
    *,
    genes: Collection[str] | None = None,
    top_candidate_only: bool = True,
    find_combinations: bool = False,
    memo: MatchMemo | None = None,
) -> list[list[GeneCall]]:
    """Every gene (or ``genes``) for every sample of the columns, in gene-name order per sample."""
    samples = columns.samples
    results: list[list[GeneCall]] = [[] for _ in samples]
    if not samples:
        return results
    found = gene_patterns(
        definitions,
        columns,
        genes=genes,
        top_candidate_only=top_candidate_only,
        find_combinations=find_combinations,
        memo=memo,
    )
    for calls, pattern in found.values():
        for row, index in enumerate(pattern.tolist()):
            call = calls[index]
            name = samples[row]
            results[row].append(call if call.sample == name else call.model_copy(update={"sample": name}))
    return results


def gene_patterns(
    definitions: Mapping[str, GeneDefinition],
    columns: CallColumns,
    *,
    genes: Collection[str] | None = None,
    top_candidate_only: bool = True,
    find_combinations: bool = False,
    memo: MatchMemo | None = None,
) -> dict[str, tuple[list[GeneCall], npt.NDArray[np.intp]]]:
    """Per gene (in gene-name order), the calls of its distinct patterns and each sample's pattern: sample ``i``'s
    call is ``calls[pattern[i]]`` under its own name. Patterns the matcher cannot tell apart share one call object,
    so callers can work per distinct call rather than per sample."""
    memo = memo or MatchMemo()
    found = {}
    for gene in sorted(definitions if genes is None else genes):
        definition = definitions[gene]
        options = (gene, definition.version, columns.absent_is_reference, top_candidate_only, find_combinations)
        found[gene] = _gene_calls(definition, columns, options, memo, top_candidate_only, find_combinations)
    return found


def _gene_calls(
    definition: GeneDefinition,
    columns: CallColumns,
    options: tuple[object, ...],
    memo: MatchMemo,
    top_candidate_only: bool,
    find_combinations: bool,
) -> tuple[list[GeneCall], npt.NDArray[np.intp]]:
    """One call per distinct pattern of the gene's positions (or per class of patterns the matcher cannot tell
    apart, see :func:`_pattern_keys`), and each sample's pattern."""
    ignored = definition.ignored_allele_positions
    used = [(j, v) for j, v in enumerate(definition.variants) if v.key not in ignored]
    samples = len(columns.samples)
    codes = np.zeros((samples, len(used)), dtype=np.int32)
    values: list[list[Value]] = []
    for index, (_, variant) in enumerate(used):
        column = columns.columns.get(variant.key)
        if column is None:
            values.append([None])
            continue
        seen: dict[Value, int] = {}
        mapping = np.array([seen.setdefault(_value(call), len(seen)) for call in column.calls], dtype=np.int32)
        values.append(list(seen))
        codes[:, index] = mapping[column.codes]
    first, pattern = _distinct_rows(codes)
    table = codes[first]
    sites = _Sites.of(definition, used, values)
    kept = _carriable(definition, sites, table)
    keys = _pattern_keys(definition, sites, values, table, kept, find_combinations)
    known = memo.table(options)
    todo = {key: u for u, key in enumerate(keys) if key not in known}
    if todo:
        restricted: dict[bytes, GeneDefinition] = {}
        for key, u in todo.items():
            mask = kept[u]
            shape = mask.tobytes()
            narrowed = restricted.get(shape)
            if narrowed is None:
                narrowed = restricted[shape] = _narrowed(definition, mask)
            known[key] = match_sites(
                narrowed,
                sites.sample(table[u].tolist()),
                sample_name=columns.samples[int(first[u])],
                absent_is_reference=columns.absent_is_reference,
                top_candidate_only=top_candidate_only,
                find_combinations=find_combinations,
            )
            memo.held += 1
    return [known[key] for key in keys], pattern


class _Sites:
    """Per position used and per code there: what the matcher reads of the call and how it stands to the reference."""

    def __init__(
        self,
        read: list[list[tuple[Site | None, list[str]]]],
        simple: list[npt.NDArray[np.bool_]],
        present: list[npt.NDArray[np.bool_]],
        heterozygous: list[npt.NDArray[np.bool_]],
        reference_fits: list[npt.NDArray[np.bool_]],
        reference_wobble: npt.NDArray[np.bool_],
        column_of: dict[int, int],
        used: Sequence[tuple[int, DefinitionVariant]],
    ) -> None:
        self.read = read
        self.simple = simple
        self.present = present
        self.heterozygous = heterozygous
        self.reference_fits = reference_fits
        self.reference_wobble = reference_wobble
        self.column_of = column_of
        self.used = used

    @classmethod
    def of(
        cls,
        definition: GeneDefinition,
        used: Sequence[tuple[int, DefinitionVariant]],
        values: Sequence[Sequence[Value]],
    ) -> _Sites:
        reference = definition.reference.alleles
        read: list[list[tuple[Site | None, list[str]]]] = []
        simple, present, heterozygous, reference_fits = [], [], [], []
        wobble = []
        for index, (j, variant) in enumerate(used):
            cell = reference[j]
            assert cell is not None  # the definition's validator: the reference defines every position
            wobble.append(is_wobble(cell))
            base = variant.ref if is_wobble(cell) else cell
            per_code: list[tuple[Site | None, list[str]]] = []
            flags: list[tuple[bool, bool, bool, bool]] = []
            for value in values[index]:
                notes: list[str] = []
                site = None if value is None else read_site(definition, j, _call(variant, value), notes)
                per_code.append((site, notes))
                if site is None:
                    flags.append((not notes, False, False, True))
                    continue
                alleles = site.alleles
                unphased = site.group is None or site.group[0] == "unphased"
                plain = not notes and len(alleles) == 2 and UNCALLED not in alleles and unphased
                flags.append((plain, True, site.heterozygous, all(allele_matches(base, a) for a in alleles)))
            read.append(per_code)
            simple.append(np.array([f[0] for f in flags]))
            present.append(np.array([f[1] for f in flags]))
            heterozygous.append(np.array([f[2] for f in flags]))
            reference_fits.append(np.array([f[3] for f in flags]))
        column_of = {j: index for index, (j, _) in enumerate(used)}
        return cls(read, simple, present, heterozygous, reference_fits, np.array(wobble, dtype=bool), column_of, used)

    def sample(self, row: Sequence[int]) -> SampleSites:
        """The matcher's view of one pattern: its usable sites, missing positions and notes, in position order."""
        result = SampleSites()
        sites, missing, warnings = result.sites, result.missing, result.warnings
        for per_code, code, (_, variant) in zip(self.read, row, self.used, strict=True):
            site, notes = per_code[code]
            if notes:
                warnings.extend(notes)
            if site is None:
                missing.append(variant)
            else:
                sites.append(site)
        return result

    def lookup(self, table: IntMatrix, per_code: list[npt.NDArray[np.bool_]]) -> npt.NDArray[np.bool_]:
        out = np.empty(table.shape, dtype=bool)
        for index, flags in enumerate(per_code):
            out[:, index] = flags[table[:, index]]
        return out


def _pattern_keys(
    definition: GeneDefinition,
    sites: _Sites,
    values: Sequence[Sequence[Value]],
    table: IntMatrix,
    kept: npt.NDArray[np.bool_],
    find_combinations: bool,
) -> list[Hashable]:
    """A key per distinct pattern; patterns with one key get one call from the matcher.

    A pattern whose every call reads as two plain alleles (no warning, no partial call, no phased heterozygote) is
    keyed by what the matcher's outcome rests on: the positions missing, whether at most one position is
    heterozygous (effectively phased), the named alleles it can carry (:func:`_carriable`) and the calls at the
    positions those alleles define and where the reference's cell is an IUPAC code (which count towards a score
    only at a non-reference genotype). Elsewhere every call agrees with the reference's cell on both chromosomes,
    unless the pattern has a *residue*: a position outside those where the reference's cell misses an allele the
    sample has. No allele it can carry defines such a position, so no named allele fits there and no diplotype can
    be formed: the call is "no combination fits" whatever the other positions hold (PGx genes other than the
    lowest-function ones). An unphased lowest-function gene pairs only the alleles it can carry, so the residue
    does not change its call; an effectively phased one also names the residue's variants, so it is keyed in full,
    as is every other pattern.
    """
    if not len(table):
        return []
    width = table.shape[1]
    simple = sites.lookup(table, sites.simple).all(axis=1)
    missing = ~sites.lookup(table, sites.present)
    phased = sites.lookup(table, sites.heterozygous).sum(axis=1) <= 1
    defines = np.zeros((len(definition.named_alleles), width), dtype=bool)
    for a, allele in enumerate(definition.named_alleles):
        if not allele.is_reference:
            for j, _ in allele.defined:
                index = sites.column_of.get(j)
                if index is not None:
                    defines[a, index] = True
    defined = (kept.astype(np.float32) @ defines.astype(np.float32)) > 0
    watched = defined | sites.reference_wobble[None, :]
    needed = ~sites.lookup(table, sites.reference_fits) & ~sites.reference_wobble[None, :]
    residue = (needed & ~watched).any(axis=1)
    supplied = (needed.astype(np.float32) @ defines.T.astype(np.float32)) * kept
    best = np.sort(supplied, axis=1)[:, ::-1][:, :2] if supplied.shape[1] >= 2 else np.zeros((len(table), 2))
    wanted = needed.sum(axis=1)
    unpaired = residue | ((best[:, 0] < wanted) & (best[:, 0] + best[:, 1] < wanted))
    full = np.zeros(len(table), dtype=bool) if not find_combinations else np.ones(len(table), dtype=bool)
    full |= ~simple
    if definition.lowest_function:
        full |= phased & residue
        cut = np.zeros(len(table), dtype=bool)
    else:
        cut = unpaired & ~full
    keys: list[Hashable] = []
    for u in range(len(table)):
        row = table[u]
        if full[u]:
            keys.append(("full", tuple(values[i][int(c)] for i, c in enumerate(row.tolist()))))
        elif cut[u]:
            keys.append(("none", missing[u].tobytes(), bool(phased[u])))
        else:
            columns = np.flatnonzero(watched[u]).tolist()
            keys.append(
                (
                    "carried",
                    missing[u].tobytes(),
                    bool(phased[u]),
                    kept[u].tobytes(),
                    tuple((i, values[i][int(row[i])]) for i in columns),
                )
            )
    return keys


def _value(call: GenotypeCall | None) -> Value:
    return None if call is None else (call.state, call.alleles, call.phased, call.phase_set)


def _call(
    variant: DefinitionVariant, value: tuple[CallState, tuple[str | None, ...], bool, int | None]
) -> GenotypeCall:
    """A call with the fields the matcher reads (the value's), at the variant's position."""
    return GenotypeCall.model_construct(
        chrom=variant.chrom,
        pos=variant.pos,
        ref=variant.ref,
        state=value[0],
        alleles=value[1],
        phased=value[2],
        phase_set=value[3],
    )


def _carriable(definition: GeneDefinition, sites: _Sites, table: IntMatrix) -> npt.NDArray[np.bool_]:
    """Patterns x named alleles: the allele is the reference, or it defines a cell at a position the pattern has
    and every such cell agrees with one of the alleles the matcher reads there."""
    kept = np.zeros((len(table), len(definition.named_alleles)), dtype=bool)
    agree: dict[tuple[int, str], npt.NDArray[np.bool_]] = {}
    for a, allele in enumerate(definition.named_alleles):
        if allele.is_reference:
            kept[:, a] = True
            continue
        fits = np.ones(len(table), dtype=bool)
        present = np.zeros(len(table), dtype=bool)
        for j, cell in allele.defined:
            index = sites.column_of.get(j)
            if index is None:
                continue
            lookup = agree.get((index, cell))
            if lookup is None:
                lookup = agree[(index, cell)] = np.array(
                    [
                        site is None or any(allele_matches(cell, b) for b in site.alleles)
                        for site, _ in sites.read[index]
                    ]
                )
            column = table[:, index]
            fits &= lookup[column]
            present |= sites.present[index][column]
        kept[:, a] = fits & present
    return kept


def _narrowed(definition: GeneDefinition, mask: npt.NDArray[np.bool_]) -> GeneDefinition:
    """The definition with only the masked named alleles; the positions only ignored alleles define are unchanged."""
    alleles: tuple[NamedAlleleDefinition, ...] = tuple(
        allele for allele, keep in zip(definition.named_alleles, mask.tolist(), strict=True) if keep
    )
    narrowed = definition.model_copy(update={"named_alleles": alleles})
    narrowed.__dict__["ignored_allele_positions"] = definition.ignored_allele_positions
    narrowed.__dict__["reference"] = definition.reference
    return narrowed


def _distinct_rows(codes: IntMatrix) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """The first row of each distinct row and each row's distinct-row number; columns are packed into int64 keys
    (re-numbered whenever the next column would overflow), so numpy sorts integers, not rows."""
    rows = len(codes)
    if not codes.shape[1]:
        return np.zeros(1 if rows else 0, dtype=np.intp), np.zeros(rows, dtype=np.intp)
    packed = np.zeros(rows, dtype=np.int64)
    span = 1
    for index in range(codes.shape[1]):
        column = codes[:, index].astype(np.int64)
        width = int(column.max()) + 1 if rows else 1
        if span * width >= _PACKED:
            _, packed = np.unique(packed, return_inverse=True)
            packed = packed.reshape(-1).astype(np.int64)
            span = int(packed.max()) + 1
        packed = packed * width + column
        span *= width
    _, first, inverse = np.unique(packed, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)
