"""Genome-build markers: SNV sites whose position and reference base are known in GRCh37 and GRCh38.

A VCF's REF alleles at these sites tell which build it was called against when its header does not.
The curated list (``curated/build-markers/markers.json``) is derived from PyPGx's variant table by
:func:`select_build_markers` (run ``scripts/generate_build_markers.py`` to regenerate it), so it is
reproducible and every marker can be checked against its source.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pydantic import TypeAdapter, ValidationError

from tailormed.errors import KnowledgeError
from tailormed.knowledge import CURATED_DIR
from tailormed.knowledge.files import parse_model, read_json
from tailormed.knowledge.sourcing import Sourced
from tailormed.model.genotype import BuildMarker

if TYPE_CHECKING:  # the markers are read without PyPGx's tables (a VCF's polygenic scoring reads only them)
    from tailormed.knowledge.bundle import KnowledgeBundle
    from tailormed.knowledge.pypgx import PypgxVariant

SOURCE = "build-markers"
MARKERS_FILE = "markers.json"
SOURCES_FILE = "sources.yaml"
FORMS_FILE = "grch37-forms.json"
#: Genes whose every PyPGx-listed definition variant keeps its GRCh37 form in the core (``FORMS_FILE``), not only the
#: ones that qualify as markers: indels (UGT1A1's TA repeat, CYP2C9*6, CYP3A5*7, NUDT15's GGAGTC insertion, CYP2D6's
#: many) and the sites where the builds' bases differ are read from GRCh37 VCFs only through these. The list is the
#: curated core's genes; a test checks it covers them.
FORM_GENES = (
    "ABCG2",
    "CACNA1S",
    "CYP2B6",
    "CYP2C19",
    "CYP2C9",
    "CYP2D6",
    "CYP3A5",
    "CYP4F2",
    "DPYD",
    "G6PD",
    "NAT2",
    "NUDT15",
    "SLCO1B1",
    "TPMT",
    "UGT1A1",
    "VKORC1",
)


class MarkerSources(Sourced):
    """Where every marker's positions and reference bases come from (the PyPGx variant table)."""


def marker_sources(bundle: KnowledgeBundle) -> MarkerSources:
    """The provenance of a bundle's build markers, validated (sources are required)."""
    return parse_model(
        bundle.read_yaml(SOURCE, SOURCES_FILE), MarkerSources, "build-marker sources", bundle.path(SOURCE, SOURCES_FILE)
    )


T = TypeVar("T")

_BASES = frozenset("ACGT")
_CHROM_ORDER = [f"chr{n}" for n in range(1, 23)] + ["chrX"]


def _marker_list(bundle: KnowledgeBundle, file: str, what: str) -> list[BuildMarker]:
    """One JSON list of markers from the build-markers source."""
    return _validated(bundle.read_json(SOURCE, file), what, bundle.path(SOURCE, file))


def _validated(data: object, what: str, path: Path) -> list[BuildMarker]:
    """``data`` (a file's JSON) as a list of markers; a bad entry is refused naming its index."""
    if not isinstance(data, list):
        raise KnowledgeError(f"expected a JSON list of {what}s", source=path)
    try:  # validated as one list (a third of the time of one model_validate per marker); the first error is reported
        return _MARKERS.validate_python(data)
    except ValidationError as exc:
        problem = exc.errors()[0]
        index, *where = problem["loc"]
        raise KnowledgeError(
            f"invalid {what}: {'.'.join(str(part) for part in where)}: {problem['msg']}",
            source=path,
            location=f"{what.split()[-1]} {index}",
        ) from exc


_MARKERS = TypeAdapter(list[BuildMarker])


def build_markers(bundle: KnowledgeBundle) -> list[BuildMarker]:
    """The build markers of a bundle: the curated core's (:func:`core_build_markers`)."""
    return _marker_list(bundle, MARKERS_FILE, "marker")


def core_build_markers() -> list[BuildMarker]:
    """The curated core's build markers, read without opening a knowledge bundle. They are every bundle's: a built
    source never takes a curated source's name (only :data:`~tailormed.knowledge.bundle.REPLACEABLE` ones may), so
    a caller that needs nothing else from the knowledge skips the bundle's opening (the curated index, a checksum
    of every curated file and a built bundle's manifest: about five times as long as reading the markers)."""
    path = CURATED_DIR / SOURCE / MARKERS_FILE
    return _validated(read_json(path), "marker", path)


def grch37_forms(bundle: KnowledgeBundle) -> list[BuildMarker]:
    """The GRCh37 forms (position and REF in both builds, SNVs and indels) of the ``FORM_GENES``' variants."""
    if FORMS_FILE not in bundle.source(SOURCE).files:
        return []
    return _marker_list(bundle, FORMS_FILE, "GRCh37 form")


def select_grch37_forms(variants: Iterable[PypgxVariant], genes: Sequence[str] = FORM_GENES) -> list[BuildMarker]:
    """Every variant of ``genes`` as its GRCh37 and GRCh38 position and REF, with its synonyms (the same change
    written another way in a build), in GRCh38 order; each one a PyPGx variant-table row's own values."""
    wanted = set(genes)
    forms: dict[tuple[str, int, str, int, str], BuildMarker] = {}
    for v in variants:
        if v.gene not in wanted:
            continue
        pairs = [(v.grch37, v.grch38), *zip(v.grch37_synonyms, v.grch38_synonyms, strict=False)]
        for as37, as38 in pairs:
            form = BuildMarker(
                chrom=as38.chrom,
                grch37_pos=as37.pos,
                grch37_ref=as37.ref,
                grch38_pos=as38.pos,
                grch38_ref=as38.ref,
                id=v.rsid,
            )
            forms.setdefault((form.chrom, form.grch38_pos, form.grch38_ref, form.grch37_pos, form.grch37_ref), form)
    return sorted(forms.values(), key=lambda m: (m.chrom, m.grch38_pos, m.grch38_ref, m.grch37_pos))


def select_build_markers(variants: Iterable[PypgxVariant], limit: int | None = None) -> list[BuildMarker]:
    """Pick discriminating SNV sites (all of them, or up to ``limit`` spread over chromosomes and genes).

    All sites is the default: they sit in pharmacogenes, exactly where a small PGx panel or WGS extract has
    records, so even a VCF of a handful of records carries enough REF bases to reveal its build.

    A site qualifies when it is a single-base substitution with a one-base reference in both builds, on an
    autosome or chrX (chrM is the same sequence in both builds; hg19's chrM is not even rCRS), its position
    is unique in the table, and its (chrom, position, base) in one build is not also a site's
    (chrom, position, base) in the other — so a REF match can only support one build. Sites are taken
    round-robin over chromosomes, and within a chromosome round-robin over genes, preferring sites with an
    rsID, then by GRCh38 position.
    """
    eligible = _discriminating(_snv_sites(variants))
    by_chrom: dict[str, dict[str, list[tuple[str, BuildMarker]]]] = defaultdict(lambda: defaultdict(list))
    for gene, marker in eligible:
        by_chrom[marker.chrom][gene].append((gene, marker))
    queues = []
    for chrom in _CHROM_ORDER:
        genes = by_chrom.get(chrom)
        if genes:
            ordered = {g: sorted(sites, key=lambda s: (s[1].id is None, s[1].grch38_pos)) for g, sites in genes.items()}
            queues.append(_round_robin([iter(ordered[g]) for g in sorted(ordered)]))
    picked = list(islice(_round_robin(queues), limit))
    return sorted((marker for _, marker in picked), key=lambda m: (_CHROM_ORDER.index(m.chrom), m.grch38_pos))


def write_markers(markers: Sequence[BuildMarker], path: Path) -> None:
    """Write markers as the curated JSON list (one object per line, so diffs stay readable)."""
    lines = [json.dumps(m.model_dump(mode="json"), separators=(", ", ": ")) for m in markers]
    path.write_text("[\n" + ",\n".join(f"  {line}" for line in lines) + "\n]\n", encoding="utf-8")


def _snv_sites(variants: Iterable[PypgxVariant]) -> list[tuple[str, BuildMarker]]:
    rows: dict[tuple[str, int, int], list[tuple[str, BuildMarker]]] = defaultdict(list)
    for v in variants:
        if v.grch37.chrom not in _CHROM_ORDER:
            continue
        bases = {v.grch37.ref, v.grch38.ref, v.grch37.alt, v.grch38.alt}
        if not bases <= _BASES:
            continue
        marker = BuildMarker(
            chrom=v.grch37.chrom,
            grch37_pos=v.grch37.pos,
            grch37_ref=v.grch37.ref,
            grch38_pos=v.grch38.pos,
            grch38_ref=v.grch38.ref,
            id=v.rsid,
        )
        rows[(marker.chrom, marker.grch37_pos, marker.grch38_pos)].append((v.gene, marker))
    sites = []
    positions37: dict[tuple[str, int], int] = defaultdict(int)
    positions38: dict[tuple[str, int], int] = defaultdict(int)
    for (chrom, pos37, pos38), entries in rows.items():
        positions37[(chrom, pos37)] += 1
        positions38[(chrom, pos38)] += 1
        refs = {(m.grch37_ref, m.grch38_ref) for _, m in entries}
        if len(refs) == 1:
            sites.append(min(entries, key=lambda e: e[0]))
    return [
        (gene, m)
        for gene, m in sites
        if positions37[(m.chrom, m.grch37_pos)] == 1 and positions38[(m.chrom, m.grch38_pos)] == 1
    ]


def _discriminating(sites: list[tuple[str, BuildMarker]]) -> list[tuple[str, BuildMarker]]:
    as37 = {(m.chrom, m.grch37_pos, m.grch37_ref) for _, m in sites}
    as38 = {(m.chrom, m.grch38_pos, m.grch38_ref) for _, m in sites}
    ambiguous = as37 & as38
    return [
        (gene, m)
        for gene, m in sites
        if (m.chrom, m.grch37_pos, m.grch37_ref) not in ambiguous
        and (m.chrom, m.grch38_pos, m.grch38_ref) not in ambiguous
    ]


def _round_robin(iterables: Sequence[Iterable[T]]) -> Iterator[T]:
    """Items from each iterable in turn, dropping those that run out."""
    active = [iter(it) for it in iterables]
    while active:
        still = []
        for it in active:
            for item in islice(it, 1):
                yield item
                still.append(it)
        active = still
