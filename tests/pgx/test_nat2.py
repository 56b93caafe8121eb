"""NAT2 calls against PharmCAT's own NAT2 matcher cases, with the curated core's definitions and a built release's.

``pharmcat_nat2_tests.tsv`` is PharmCAT's ``src/test/resources/org/pharmgkb/pharmcat/haplotype/NAT2/tests.tsv``
(PharmGKB/PharmCAT, tag v3.1.1, unchanged; MPL-2.0), read by its ``NamedAlleleMatcherNat2Test.nat2Sheet``: each
row gives unphased genotypes at NAT2's five required positions (every other position reference, the listed ones
absent), the diplotypes PharmCAT fits, and, where they are several, the one it reports by its unphased priorities.
The same class's ``requiredPosition`` case (all reference, rs1801279 absent) must give no call.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tailormed.engines.pgx.matcher import match_gene
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.pgx.definitions import GeneDefinition, load_definitions
from tailormed.model.genotype import (
    BuildDetection,
    BuildSource,
    CallState,
    GenomeBuild,
    GenotypeCall,
    SampleGenotypes,
)
from tailormed.model.pgx import CallStatus

SHEET = Path(__file__).with_name("pharmcat_nat2_tests.tsv")
REQUIRED = ("rs1801279", "rs1801280", "rs1799930", "rs1208", "rs1799931")


def genotypes(definition: GeneDefinition, case: dict[str, Any]) -> SampleGenotypes:
    """As PharmCAT's TestVcfBuilder writes the case: every NAT2 position reference, the edited ones with the two
    given bases (phased if the case says so), the missing ones absent."""
    edits = {e["id"]: tuple(e["cpicAlleles"]) for e in case["edits"]}
    calls = {}
    for variant in definition.variants:
        if variant.rsid in case["missing"]:
            continue
        alleles = edits.get(variant.rsid or "", (variant.ref, variant.ref))
        state = CallState.REFERENCE if set(alleles) == {variant.ref} else CallState.VARIANT
        calls[variant.key] = GenotypeCall(
            chrom=variant.chrom, pos=variant.pos, ref=variant.ref, alleles=alleles, state=state, phased=case["phased"]
        )
    build = BuildDetection(build=GenomeBuild.GRCH38, source=BuildSource.USER, detail="test")
    return SampleGenotypes(sample="sample", source="test", build=build, calls=calls)


def _rows() -> list[tuple[int, dict[str, Any], list[str], str | None]]:
    """Per sheet row: its number as PharmCAT counts it, the case, the fitting diplotypes and the pick."""
    rows = []
    for number, line in enumerate(SHEET.read_text(encoding="utf-8").splitlines()[1:], start=2):
        cells = line.split("\t")
        missing = [] if cells[0] in ("", "none") else [part.split("(")[0].strip() for part in cells[0].split("),")]
        edits = [{"id": rsid, "cpicAlleles": cells[2 + i].split("/")} for i, rsid in enumerate(REQUIRED)]
        case = {"edits": edits, "missing": missing, "phased": False}
        fits = [] if cells[7] == "not called" else [d.strip() for d in cells[7].split(" or ")]
        pick = cells[8].strip() if len(cells) > 8 and cells[8].strip() else None
        rows.append((number, case, fits, pick))
    return rows


ROWS = _rows()


@pytest.fixture(scope="module")
def core_nat2(core: KnowledgeBundle) -> GeneDefinition:
    return load_definitions(core, "pgx-core-definitions")["NAT2"]


def test_the_sheet_has_ambiguous_rows_resolved_by_priority_and_rows_with_missing_positions() -> None:
    assert len(ROWS) == 75
    assert sum(1 for _, _, fits, pick in ROWS if pick and len(fits) > 1) >= 30
    assert sum(1 for _, case, _, _ in ROWS if case["missing"]) >= 20


@pytest.mark.parametrize("source", ["core", "pharmcat"])
@pytest.mark.parametrize(("number", "case", "fits", "pick"), ROWS, ids=[f"row_{r[0]:03d}" for r in ROWS])
def test_pharmcat_nat2_sheet(
    source: str,
    number: int,
    case: dict[str, Any],
    fits: list[str],
    pick: str | None,
    core_nat2: GeneDefinition,
    definitions: dict[str, GeneDefinition],
) -> None:
    definition = core_nat2 if source == "core" else definitions["NAT2"]
    call = match_gene(definition, genotypes(definition, case))
    names = [d.name for d in call.diplotypes]
    if not fits:
        assert names == [] and call.status is CallStatus.NO_CALL
    elif pick is not None:
        assert names == [pick] and call.status is CallStatus.CALLED
        assert any("PharmCAT's unphased priority" in w for w in call.warnings)
    else:
        assert names == fits
        assert call.status is (CallStatus.CALLED if len(fits) == 1 else CallStatus.AMBIGUOUS)


def test_without_the_priorities_other_diplotypes_are_reported(core_nat2: GeneDefinition) -> None:
    """The picks come from the priority list: without it the matcher keeps the top-scoring fits (a pair with the
    reference *1 scores its 47 positions), another diplotype or several."""
    bare = core_nat2.model_copy(
        update={"exemptions": core_nat2.exemptions.model_copy(update={"unphased_priorities": ()})}
    )
    changed = {}
    for number, case, _, pick in ROWS:
        if pick is not None:
            names = [d.name for d in match_gene(bare, genotypes(bare, case)).diplotypes]
            if names != [pick]:
                changed[number] = names
    assert changed[19] == ["*1/*16"] and changed[16] == ["*1/*30"] and len(changed[8]) == 3
    assert len(changed) == 32


@pytest.mark.parametrize("absent", REQUIRED)
def test_a_missing_required_position_gives_no_call_and_says_which(absent: str, core_nat2: GeneDefinition) -> None:
    """PharmCAT's requiredPosition case (rs1801279 absent, the rest reference) and each other required position: no
    call, and the call's note names the position; another position absent still gives a call."""
    case: dict[str, Any] = {"edits": [], "missing": [absent], "phased": False}
    call = match_gene(core_nat2, genotypes(core_nat2, case))
    assert call.status is CallStatus.NO_CALL and call.diplotypes == []
    assert f"required positions missing: {absent}" in call.warnings
    other = next(v.rsid for v in core_nat2.variants if v.rsid not in REQUIRED)
    present = match_gene(core_nat2, genotypes(core_nat2, {**case, "missing": [other]}))
    assert [d.name for d in present.diplotypes] == ["*1/*1"]


def test_phased_data_need_no_priority(core_nat2: GeneDefinition) -> None:
    """*4/*34 phased in trans is called as such: the priority list is for unphased data only."""
    edits = [{"id": "rs1799930", "cpicAlleles": ["G", "A"]}, {"id": "rs1208", "cpicAlleles": ["A", "G"]}]
    call = match_gene(core_nat2, genotypes(core_nat2, {"edits": edits, "missing": [], "phased": True}))
    assert [d.name for d in call.diplotypes] == ["*4/*34"] and call.status is CallStatus.CALLED
