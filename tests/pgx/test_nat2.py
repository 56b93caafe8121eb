"""NAT2 calls against PharmCAT's own NAT2 matcher cases, with the curated core's definitions and a built release's.

``pharmcat_nat2_tests.tsv`` is PharmCAT's ``src/test/resources/org/pharmgkb/pharmcat/haplotype/NAT2/tests.tsv``
(PharmGKB/PharmCAT, tag v3.1.1, unchanged; MPL-2.0), read by its ``NamedAlleleMatcherNat2Test.nat2Sheet``: each
row gives unphased genotypes at NAT2's five required positions (every other position reference, the listed ones
absent), the diplotypes PharmCAT fits, and, where they are several, the one it reports by its unphased priorities.
The same class's ``requiredPosition`` case (all reference, rs1801279 absent) must give no call.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tailormed.engines.pgx.matcher import match_gene
from tailormed.engines.pgx.phenotype import phenotype_gene
from tailormed.engines.pgx.recommend import recommend_drug
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.pgx.definitions import GeneDefinition, load_definitions
from tailormed.knowledge.pgx.guidelines import load_guidelines
from tailormed.knowledge.pgx.phenotypes import load_phenotypes
from tailormed.model.genotype import (
    BuildDetection,
    BuildSource,
    CallState,
    GenomeBuild,
    GenotypeCall,
    SampleGenotypes,
)
from tailormed.model.pgx import CallStatus, RecommendationStatus

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


RAPID_OR_INTERMEDIATE = (
    "Consider a starting total daily dose of at least 75 mg. Titrate up to 300 mg total daily hydralazine dose as "
    "tolerated. NAT2 {} metabolizers typically require a 50-100% higher maintenance dose compared to poor metabolizers."
)
POOR = (
    "Initiate therapy at a total daily dose of 40 to 75 mg. Carefully titrate dose upward to clinical effect or "
    "guideline-recommended dose; use caution with total daily hydralazine doses of 200 mg or more."
)


def _sheet_case(call: str) -> dict[str, Any]:
    """The sheet's genotype set whose call (or pick) is ``call``, with no position absent."""
    return next(c for _, c, fits, pick in ROWS if not c["missing"] and (pick or (fits[0] if fits else None)) == call)


@pytest.mark.parametrize(
    ("call", "phenotype", "text"),
    [
        ("*1/*1", "Rapid Metabolizer", RAPID_OR_INTERMEDIATE.format("rapid")),
        ("*1/*5", "Intermediate Metabolizer", RAPID_OR_INTERMEDIATE.format("intermediate")),
        ("*1/*6", "Intermediate Metabolizer", RAPID_OR_INTERMEDIATE.format("intermediate")),  # unphased pick
        ("*5/*6", "Poor Metabolizer", POOR),  # unphased pick among *5/*6, *1/*30, *16/*34
        ("*6/*7", "Poor Metabolizer", POOR),
    ],
)
def test_cpic_hydralazine_rows_from_nat2_genotypes(
    core: KnowledgeBundle, core_nat2: GeneDefinition, call: str, phenotype: str, text: str
) -> None:
    """PharmCAT's sheet genotypes, called by the core, reach CPIC's hydralazine row for their phenotype (CPIC 2025,
    PMID 40974042, as ClinPGx annotation PA166416341 version 4 gives it)."""
    case = _sheet_case(call)
    gene_call = match_gene(core_nat2, genotypes(core_nat2, case))
    assert [d.name for d in gene_call.diplotypes] == [call]
    result = phenotype_gene(gene_call, load_phenotypes(core, "pgx-core-phenotypes").gene("NAT2"))
    assert result.phenotype == phenotype
    answers = recommend_drug(load_guidelines(core, "pgx-core-guidelines"), {"NAT2": result}, name="hydralazine")
    (answer,) = [a for a in answers if a.source == "CPIC"]  # the FDA table's NAT entry answers too
    assert (answer.source, answer.status, answer.citations[0]) == (
        "CPIC",
        RecommendationStatus.MATCHED,
        "PMID:40974042",
    )
    (row,) = answer.rows
    assert (row.classification, row.text, row.dosing_information) == ("Moderate", text, True)
    assert row.sources[0].at.startswith("PA166416341 (annotation version 4) recommendation")


def test_an_indeterminate_or_missing_nat2_result_gets_no_dose_advice(
    core: KnowledgeBundle, core_nat2: GeneDefinition
) -> None:
    """An uncertain-function allele (*10, by its own defining bases) gives the 'No recommendation.' row; a required
    position missing gives no call and no hydralazine row to act on."""
    ten = next(a for a in core_nat2.named_alleles if a.name == "*10")
    edits = [
        {"id": core_nat2.variants[i].rsid, "cpicAlleles": [core_nat2.variants[i].ref, cell]} for i, cell in ten.defined
    ]
    gene_call = match_gene(core_nat2, genotypes(core_nat2, {"edits": edits, "missing": [], "phased": False}))
    assert [d.name for d in gene_call.diplotypes] == ["*1/*10"]
    tables = load_phenotypes(core, "pgx-core-phenotypes").gene("NAT2")
    guidelines = load_guidelines(core, "pgx-core-guidelines")
    result = phenotype_gene(gene_call, tables)
    assert result.phenotype == "Indeterminate"
    (answer,) = [a for a in recommend_drug(guidelines, {"NAT2": result}, name="hydralazine") if a.source == "CPIC"]
    assert [(r.classification, r.text, r.actionable) for r in answer.rows] == [
        ("No recommendation", "No recommendation.", False)
    ]
    missing = match_gene(core_nat2, genotypes(core_nat2, {"edits": [], "missing": ["rs1208"], "phased": False}))
    answers = recommend_drug(guidelines, {"NAT2": phenotype_gene(missing, tables)}, name="hydralazine")
    (answer,) = [a for a in answers if a.source == "CPIC"]
    assert answer.status is not RecommendationStatus.MATCHED and not answer.rows


def test_pharmcat_example2_nat2_call_reaches_the_row_pharmcat_reports(
    core: KnowledgeBundle, core_nat2: GeneDefinition, shared_data: Path
) -> None:
    """PharmCAT's example 2 VCF: NAT2 *1/*1 (match score 94), rapid; its report's CPIC hydralazine recommendation
    is the row the core gives."""
    folder = shared_data / "pgx/pharmcat/examples"
    calls: dict[str, GenotypeCall] = {}
    wanted = {v.key: v for v in core_nat2.variants}
    for line in (folder / "pharmcat.example2.vcf").read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if line.startswith("#") or f"{fields[0]}:{fields[1]}" not in wanted:
            continue
        sequences = [fields[3], *fields[4].split(",")]
        gt = fields[9].split(":")[0].replace("|", "/").split("/")
        alleles = tuple(sequences[int(i)] for i in gt)
        state = CallState.REFERENCE if set(alleles) == {fields[3]} else CallState.VARIANT
        calls[f"{fields[0]}:{fields[1]}"] = GenotypeCall(
            chrom=fields[0], pos=int(fields[1]), ref=fields[3], alleles=alleles, state=state
        )
    build = BuildDetection(build=GenomeBuild.GRCH38, source=BuildSource.USER, detail="test")
    sample = SampleGenotypes(sample="example2", source="example2", build=build, calls=calls)
    gene_call = match_gene(core_nat2, sample)
    assert [(d.name, d.score) for d in gene_call.diplotypes] == [("*1/*1", 94)]
    result = phenotype_gene(gene_call, load_phenotypes(core, "pgx-core-phenotypes").gene("NAT2"))
    answers = recommend_drug(load_guidelines(core, "pgx-core-guidelines"), {"NAT2": result}, name="hydralazine")
    (answer,) = [a for a in answers if a.source == "CPIC"]
    report = json.loads((folder / "pharmcat.example2.report.json").read_text(encoding="utf-8"))
    (theirs,) = report["drugs"]["CPIC Guideline Annotation"]["hydralazine"]["guidelines"][0]["annotations"]
    assert [row.text for row in answer.rows] == [theirs["drugRecommendation"]]
    assert answer.rows[0].classification == theirs["classification"]


@pytest.mark.parametrize(
    ("drug", "association", "text"),
    [
        (
            "amifampridine",
            "PA166329543",
            "Results in higher systemic concentrations and higher adverse reaction risk. Use lowest recommended "
            "starting dosage and monitor for adverse reactions. Refer to FDA labeling for specific dosing "
            "recommendations.",
        ),
        (
            "amifampridine phosphate",
            "PA166329544",
            "Results in higher systemic concentrations. Use lowest recommended starting dosage (15 mg/day) and monitor "
            "for adverse reactions.",
        ),
    ],
)
def test_fda_table_amifampridine_rows_reach_nat2_poor_metabolizers_only(
    core: KnowledgeBundle, core_nat2: GeneDefinition, drug: str, association: str, text: str
) -> None:
    """The FDA table's NAT2 rows (as ClinPGx carried them 2025-11-05): a poor metabolizer called by the core gets the
    table's words, shown beside guidance rather than acted on; a rapid metabolizer gets no row."""
    tables = load_phenotypes(core, "pgx-core-phenotypes").gene("NAT2")
    guidelines = load_guidelines(core, "pgx-core-guidelines")
    for call, rows in (("*5/*6", [text]), ("*1/*1", [])):
        gene_call = match_gene(core_nat2, genotypes(core_nat2, _sheet_case(call)))
        answers = recommend_drug(guidelines, {"NAT2": phenotype_gene(gene_call, tables)}, name=drug)
        (answer,) = [a for a in answers if a.source == "FDA"]  # the table's entry; the label's is its own answer
        assert [row.text for row in answer.rows] == rows
        assert not any(row.actionable for row in answer.rows)
        assert all(f"ClinPGx FDA PGx Association {association} " in row.sources[0].at for row in answer.rows)


def test_an_allele_without_a_function_in_pharmcats_table_gives_no_phenotype(
    core: KnowledgeBundle, core_nat2: GeneDefinition
) -> None:
    """*70-*75 are defined but have no function in PharmCAT's NAT2 table: a call with one of them is kept, its
    phenotype is not guessed, and hydralazine gets no row."""
    seventy = next(a for a in core_nat2.named_alleles if a.name == "*70")
    edits = [
        {"id": core_nat2.variants[i].rsid, "cpicAlleles": [core_nat2.variants[i].ref, cell]}
        for i, cell in seventy.defined
    ]
    gene_call = match_gene(core_nat2, genotypes(core_nat2, {"edits": edits, "missing": [], "phased": False}))
    assert [d.name for d in gene_call.diplotypes] == ["*1/*70"]
    result = phenotype_gene(gene_call, load_phenotypes(core, "pgx-core-phenotypes").gene("NAT2"))
    assert result.phenotype is None and "no phenotype in the NAT2 table for *70" in result.notes
    answers = recommend_drug(load_guidelines(core, "pgx-core-guidelines"), {"NAT2": result}, name="hydralazine")
    (answer,) = [a for a in answers if a.source == "CPIC"]
    assert not answer.rows
