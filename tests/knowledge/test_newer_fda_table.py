"""FDA Table of Pharmacogenetic Associations entries that changed or were added after the 2021 capture in fda.yaml,
written by hand from ClinPGx's FDA PGx Association rows in PharmCAT 3.1.1: real genotypes reach the table's newer
words, and an entry written by hand takes the place of the capture's, never stands beside it."""

from __future__ import annotations

import pytest

from tailormed.engines.pgx.recommend import recommend_all, recommend_drug
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.medicines import core_medicines
from tailormed.knowledge.pgx.guidelines import GuidelineKnowledge
from tailormed.knowledge.pgx.phenotypes import PhenotypeKnowledge

from .conftest import called


def fda_rows(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, drug: str, calls: dict[str, str]
) -> dict[str, str]:
    """The FDA table's words per ClinPGx association id, for one patient."""
    results = {gene: called(gene, phenotypes, diplotype) for gene, diplotype in calls.items()}
    answers = [a for a in recommend_drug(guidelines, results, name=drug) if a.source == "FDA"]
    rows = [row for answer in answers for row in answer.rows]
    found = {row.sources[0].at.split("; ClinPGx FDA PGx Association ")[-1].split(" ")[0]: row.text for row in rows}
    assert len(found) == len(rows), "an FDA entry is given twice"
    assert all(not row.actionable for row in rows)  # the label's words are shown; CPIC and DPWG carry the action
    return found


@pytest.mark.parametrize("diplotype", ["*1/*2", "*2/*2"])
def test_pantoprazole_row_now_covers_intermediate_metabolizers(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, diplotype: str
) -> None:
    """The 2021 table named poor metabolizers only; it now says adults who are intermediate or poor metabolizers
    need no dose change."""
    rows = fda_rows(guidelines, phenotypes, "pantoprazole", {"CYP2C19": diplotype})
    assert rows == {
        "PA166329582": "Results in higher systemic concentrations. Consider dosage reduction in children who are poor "
        "metabolizers. No dosage adjustment is needed for adult patients who are intermediate or poor metabolizers."
    }


@pytest.mark.parametrize("diplotype", ["*1/*28", "*28/*28"])
def test_irinotecan_row_names_intermediate_metabolizers_and_neutropenia_monitoring(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, diplotype: str
) -> None:
    (text,) = fda_rows(guidelines, phenotypes, "irinotecan", {"UGT1A1": diplotype}).values()
    assert text.startswith("Results in higher systemic active metabolite concentrations and higher adverse reaction")
    assert "Closely monitor for neutropenia during and after treatment." in text
    assert "by at least one level in poor metabolizers" in text


@pytest.mark.parametrize(
    ("drug", "end"),
    [
        ("celecoxib", "Consider alternative therapy in poor metabolizers with juvenile rheumatoid arthritis."),
        ("flurbiprofen", "Use a reduced dosage in poor metabolizers."),
        ("meloxicam", "Consider dose reductions in poor metabolizers. Monitor patients for adverse reactions."),
    ],
)
@pytest.mark.parametrize("diplotype", ["*1/*3", "*3/*3"])
def test_nsaid_rows_reach_cyp2c9_3_carriers(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, drug: str, end: str, diplotype: str
) -> None:
    """The 2021 table named poor metabolizers only; it now names *3 carriers too, with newer words."""
    (text,) = fda_rows(guidelines, phenotypes, drug, {"CYP2C9": diplotype}).values()
    assert text.endswith(end)
    assert fda_rows(guidelines, phenotypes, drug, {"CYP2C9": "*1/*2"}) == {}


@pytest.mark.parametrize("drug", ["phenytoin", "fosphenytoin"])
def test_phenytoin_entries_added_to_the_table(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, drug: str
) -> None:
    rows = fda_rows(guidelines, phenotypes, drug, {"CYP2C9": "*1/*3", "HLA-B": "*15:02/*07:02"})
    cyp2c9, hla_b = (rows[k] for k in sorted(rows))  # ids: CYP2C9 before HLA-B for both drugs
    assert f"Consider avoiding {drug} as an alternative to carbamazepine in patients who are CYP2C9*3" in cyp2c9
    assert (
        f"Consider avoiding {drug} as an alternative to carbamazepine in patients who are positive for HLA-B*15:02"
        in (hla_b)
    )
    assert fda_rows(guidelines, phenotypes, drug, {"CYP2C9": "*1/*1", "HLA-B": "*07:02/*08:01"}) == {}


@pytest.mark.parametrize(
    ("drug", "gene", "diplotype", "section", "start"),
    [
        ("abrocitinib", "CYP2C19", "*2/*2", 1, "Results in higher systemic concentrations and may result in higher"),
        ("nateglinide", "CYP2C9", "*3/*3", 1, "Results in higher systemic concentrations and may result in higher"),
        ("oliceridine", "CYP2D6", "*4/*4", 1, "Results in higher systemic concentrations and higher adverse reaction"),
        ("mavacamten", "CYP2C19", "*1/*2", 2, "Results in higher systemic concentrations and may have higher adverse"),
        ("lansoprazole", "CYP2C19", "*2/*2", 3, "Results in higher systemic concentrations."),
        ("ibuprofen", "CYP2C9", "*3/*3", 3, "May result in higher systemic concentrations."),
        ("belzutifan", "CYP2C19", "*2/*2", 1, "Results in higher systemic concentrations and may result in higher"),
        ("viloxazine", "CYP2D6", "*4/*4", 3, "May result in higher systemic concentrations."),
    ],
)
def test_entries_the_table_added_since_2021(
    guidelines: GuidelineKnowledge,
    phenotypes: PhenotypeKnowledge,
    drug: str,
    gene: str,
    diplotype: str,
    section: int,
    start: str,
) -> None:
    results = {gene: called(gene, phenotypes, diplotype)}
    answers = [a for a in recommend_drug(guidelines, results, name=drug) if a.source == "FDA"]
    (row,) = [row for answer in answers for row in answer.rows]
    assert row.text.startswith(start)
    assert row.sources[0].cite.endswith("/table-pharmacogenetic-associations")
    assert "as PharmCAT 3.1.1's prescribing_guidance.json carries it" in row.sources[0].at
    assert row.classification.startswith(f"FDA section {section}:")


NEWER_FDA = "FDA table as ClinPGx carried it 2025-11-05 (PharmCAT 3.1.1)"


@pytest.mark.parametrize(
    ("guideline", "calls", "version"),
    [
        # an FDA entry written anew from PharmCAT 3.1.1, and one the 2021 capture still gives
        ("fda-pantoprazole-cyp2c19", {"CYP2C19": "*2/*2"}, NEWER_FDA),
        ("fda-donepezil-cyp2d6", {"CYP2D6": "*4/*4"}, "FDA table as captured 2021-03-22"),
        # a DPWG guideline replaced by its newer annotation, and one the 2024-03-25 export still gives
        ("dpwg-pantoprazole-and-cyp2c19", {"CYP2C19": "*2/*2"}, "ClinPGx 2025-11-05 (PharmCAT 3.1.1)"),
        ("dpwg-sertraline-and-cyp2c19", {"CYP2C19": "*2/*2"}, "2024-03-25"),
        (
            "core-fda-warfarin",
            {"CYP2C9": "*1/*3", "VKORC1": "rs9923231 reference (C)/rs9923231 variant (T)"},
            "Coumadin label, 2010 genotype dose table",
        ),
    ],
)
def test_each_answer_names_the_capture_its_rows_follow(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, guideline: str, calls: dict[str, str], version: str
) -> None:
    """Reports print the source and version beside the words: the version says which capture the words are from."""
    results = {gene: called(gene, phenotypes, diplotype) for gene, diplotype in calls.items()}
    (answer,) = [a for a in recommend_all(guidelines, results) if a.guideline_id == guideline]
    assert answer.rows
    assert answer.version == version


def test_the_core_version_counts_the_guidelines_of_each_capture(
    guidelines: GuidelineKnowledge, core: KnowledgeBundle
) -> None:
    by_source = dict(part.split(": ", 1) for part in guidelines.version.split("; "))
    assert set(by_source) == {"CPIC", "DPWG", "FDA", "FDA label"}
    fda = [g for g in guidelines.guidelines if g.source == "FDA"]
    newer = sum(g.version == NEWER_FDA for g in fda)
    older = sum(g.version == "FDA table as captured 2021-03-22" for g in fda)
    assert newer >= 16 and older >= 90
    assert f"{NEWER_FDA} ({newer} guidelines)" in by_source["FDA"]
    assert f"FDA table as captured 2021-03-22 ({older} guidelines)" in by_source["FDA"]
    assert "ClinPGx 2025-11-05 (PharmCAT 3.1.1)" in by_source["DPWG"] and "2024-03-25" in by_source["DPWG"]
    labels = sum(g.source == "FDA label" for g in guidelines.guidelines)
    assert by_source["FDA label"] == f"ClinPGx label annotations 2025-11-05 (PharmCAT 3.1.1) ({labels} guidelines)"
    # the knowledge version every report lists names both captures of both kinds of source, and the labels' one
    record = core.source("pgx-core-guidelines").version
    assert "2024-03-25" in record and "2021-03-22" in record and record.count("2025-11-05 (PharmCAT 3.1.1)") == 3


@pytest.mark.parametrize(
    ("drug", "atc"),
    [("viloxazine", "N06AX09"), ("abrocitinib", "D11AH08"), ("belzutifan", "L01XX74"), ("mavacamten", "C01EB24")],
)
def test_a_drug_the_table_added_is_known_by_its_name_and_atc_code(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, drug: str, atc: str
) -> None:
    """A medication list naming the drug, or coding it by ATC, reaches the table's entry (the WHO ATC index gives
    the code; no source read gives these drugs an RxNorm ingredient code)."""
    vocabulary = core_medicines()
    medicine = vocabulary.medicine(drug)
    assert medicine is not None and atc in medicine.atc
    found = vocabulary.resolve(None, atc=atc)
    assert found is not None and found.ingredients == (drug,)
    assert any(g.id.startswith(f"fda-{drug}-") for g in guidelines.for_drug(drug, None, atc))


@pytest.mark.parametrize(("written", "drug"), [("Camzyos 5 mg", "mavacamten"), ("QELBREE 100 mg", "viloxazine")])
def test_the_brand_of_a_drug_the_table_added_resolves_to_it(written: str, drug: str) -> None:
    """The brand (openFDA NDC directory) reaches the ingredient, so a medication list naming it gets its words."""
    found = core_medicines().resolve(written)
    assert found is not None and found.ingredients == (drug,)


@pytest.mark.parametrize(
    ("drug", "association", "start"),
    [
        ("amifampridine", "PA166329543", "Results in higher systemic concentrations and higher adverse reaction risk."),
        ("isoniazid", "PA166329609", "May result in higher systemic concentrations and adverse reaction risk."),
        ("procainamide", "PA166329620", "Alters systemic parent drug and metabolite concentrations."),
        ("sulfasalazine", "PA166329623", "Results in higher systemic metabolite concentrations"),
        ("hydralazine", "PA166329647", "Results in higher systemic concentrations."),
    ],
)
def test_nat2_poor_metabolizers_get_the_tables_nat_entries(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, drug: str, association: str, start: str
) -> None:
    """The table's NAT entries ("Nonspecific (NAT)", which ClinPGx reads as NAT2, and amifampridine's NAT2) reach
    NAT2 poor metabolizers called from genotypes (PharmCAT's NAT2 table: *5/*6 poor, *1/*5 intermediate)."""
    rows = fda_rows(guidelines, phenotypes, drug, {"NAT2": "*5/*6"})
    assert list(rows) == [association] and rows[association].startswith(start)
    assert fda_rows(guidelines, phenotypes, drug, {"NAT2": "*1/*5"}) == {}
