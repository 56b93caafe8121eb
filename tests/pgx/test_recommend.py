"""CPIC/DPWG recommendation matching across genes, against the guideline data and PharmCAT's example report."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tailormed.engines.pgx import recommend
from tailormed.engines.pgx.phenotype import phenotype_all
from tailormed.engines.pgx.recommend import recommend_all, recommend_drug
from tailormed.errors import KnowledgeError
from tailormed.knowledge.importers import pharmcat_guidelines, pharmcat_phenotypes
from tailormed.knowledge.importers.pharmcat_guidelines import html_to_text
from tailormed.knowledge.pgx.guidelines import CriterionKind, GuidelineKnowledge, read_guidelines
from tailormed.knowledge.pgx.phenotypes import PhenotypeKnowledge, read_phenotypes
from tailormed.model.pgx import CallOrigin, CallStatus, Diplotype, GeneCall, GenePhenotype, RecommendationStatus


@pytest.fixture(scope="module")
def knowledge(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[PhenotypeKnowledge,
                                                                                  GuidelineKnowledge]:
    out = tmp_path_factory.mktemp("kb")
    phenotype_root = pharmcat_phenotypes.detect(shared_data)
    guideline_root = pharmcat_guidelines.detect(shared_data)
    assert phenotype_root is not None and guideline_root is not None
    pharmcat_phenotypes.build(phenotype_root, out / "p")
    record = pharmcat_guidelines.build(guideline_root, out / "g")
    assert record.version == "2024-03-25-16-13"
    assert record.notes is not None and record.notes.startswith("56 CPIC + 62 DPWG guidelines, 2525 rows")
    return read_phenotypes(out / "p" / "phenotypes.json"), read_guidelines(out / "g" / "guidelines.json")


def results(tables: PhenotypeKnowledge, *calls: GeneCall) -> dict[str, GenePhenotype]:
    return phenotype_all(calls, tables)


def call(gene: str, a: str, b: str, outside: bool = False) -> GeneCall:
    origin = CallOrigin.OUTSIDE_CALL if outside else CallOrigin.MATCHER
    return GeneCall(sample="s", gene=gene, status=CallStatus.CALLED, diplotypes=[Diplotype(allele1=a, allele2=b)],
                    origin=origin)


def test_amitriptyline_needs_cyp2c19_and_cyp2d6(knowledge: tuple[PhenotypeKnowledge, GuidelineKnowledge]) -> None:
    tables, guidelines = knowledge
    found = results(tables, call("CYP2C19", "*2", "*17"), call("CYP2D6", "*1", "*4", outside=True))
    cpic = next(r for r in recommend_drug(guidelines, found, "Amitriptyline") if r.source == "CPIC")
    assert cpic.status is RecommendationStatus.MATCHED and len(cpic.rows) == 1
    row = cpic.rows[0]
    assert row.matched_on == {"CYP2C19": "Intermediate Metabolizer", "CYP2D6": "activity score 1.0"}
    assert row.classification == "Optional"
    assert row.text.startswith("Consider a 25% reduction of recommended starting dose.")
    assert row.actionable and "PMID:27997040" in cpic.citations


def test_gene_not_called_is_never_assumed_normal(knowledge: tuple[PhenotypeKnowledge, GuidelineKnowledge]) -> None:
    tables, guidelines = knowledge
    found = results(tables, call("CYP2C19", "*2", "*2"))
    cpic = next(r for r in recommend_drug(guidelines, found, "amitriptyline") if r.source == "CPIC")
    # CPIC wrote rows for "CYP2D6 no result"; the answer says CYP2D6 was not called
    assert cpic.rows[0].matched_on["CYP2D6"] == "no result"
    assert cpic.not_assessed[0].item == "CYP2D6" and "not called" in cpic.not_assessed[0].reason
    dpwg = next(r for r in recommend_drug(guidelines, found, "amitriptyline") if r.source == "DPWG")
    assert dpwg.status is RecommendationStatus.NOT_ASSESSED and dpwg.rows == []
    assert dpwg.not_assessed[0].reason == "cannot be assessed: CYP2D6 not called"


def test_fluvastatin_cyp2c9_and_slco1b1(knowledge: tuple[PhenotypeKnowledge, GuidelineKnowledge]) -> None:
    tables, guidelines = knowledge
    found = results(tables, call("CYP2C9", "*1", "*3"), call("SLCO1B1", "*5", "*5"))
    (cpic,) = recommend_drug(guidelines, found, "fluvastatin")
    assert cpic.rows[0].matched_on == {"CYP2C9": "activity score 1.0", "SLCO1B1": "Poor Function"}
    assert cpic.rows[0].text.startswith("Prescribe an alternative statin")


def test_phenytoin_cyp2c9_and_hla_b_by_population(knowledge: tuple[PhenotypeKnowledge, GuidelineKnowledge]) -> None:
    tables, guidelines = knowledge
    found = results(tables, call("CYP2C9", "*1", "*1"), call("HLA-B", "*15:02", "*07:02", outside=True))
    answers = recommend_drug(guidelines, found, "PHENYTOIN")
    cpic = next(r for r in answers if r.source == "CPIC")
    assert {(r.population, r.classification) for r in cpic.rows} == {("PHT naive", "Strong"),
                                                                       ("PHT use >3mos", "Optional")}
    assert cpic.rows[0].matched_on["HLA-B"] == "*15:02 positive"
    # the same guideline file also covers fosphenytoin: those rows do not leak into phenytoin's answer
    assert all(r.text for r in cpic.rows) and len(cpic.rows) == 2


def test_dpwg_diplotype_row_preferred_and_legacy_keys(knowledge: tuple[PhenotypeKnowledge, GuidelineKnowledge]) -> None:
    tables, guidelines = knowledge
    assert guidelines.legacy_key_map["DPYD 0.5 (Phenotyping)"] == "activity score 0.5"
    assert guidelines.legacy_key_map["HLA-B 1511 and 1502"] == "allele statuses *15:11 positive and *15:02 positive"
    found = results(tables, call("CYP2C9", "*1", "*3"))
    dpwg = next(r for r in recommend_drug(guidelines, found, "warfarin") if r.genes == ["CYP2C9"])
    assert [r.matched_on for r in dpwg.rows] == [{"CYP2C9": "*1/*3"}]
    assert dpwg.rows[0].text.startswith("- use 65% of the standard initial dose")
    dpyd = results(tables, call("DPYD", "Reference", "c.1905+1G>A (*2A)"))
    (capecitabine,) = [r for r in recommend_drug(guidelines, dpyd, "capecitabine") if r.source == "DPWG"]
    assert capecitabine.rows[0].text.startswith("Start with 50% of the standard dose")


def test_drug_found_by_rxnorm_and_atc(knowledge: tuple[PhenotypeKnowledge, GuidelineKnowledge]) -> None:
    _, guidelines = knowledge
    assert {g.source for g in guidelines.for_drug(rxnorm="2670")} == {"CPIC", "DPWG"}  # codeine
    assert [g.id for g in guidelines.for_drug(atc="B01AC04") if g.source == "CPIC"]  # clopidogrel
    criteria = {c.kind for g in guidelines.guidelines for r in g.recommendations for c in r.criteria}
    assert criteria == set(CriterionKind)


def test_pharmcat_example2_recommendations_agree(
    knowledge: tuple[PhenotypeKnowledge, GuidelineKnowledge], shared_data: Path
) -> None:
    """Same populations and strengths as PharmCAT 3.1 reports for example 2, where our data can say.

    Known differences (our guidelines are the 2024-03-25 snapshot, PharmCAT's report uses 2025-11 data): G6PD and
    RYR1 drugs (no phenotype tables here), guidelines published later (CPIC hydralazine/NAT2; DPWG mavacamten,
    atazanavir, rosuvastatin), CPIC warfarin (algorithm-based, handled by the dosing module) and DPWG rows now
    labelled 'Unspecified' instead of 'N/A'.
    """
    tables, guidelines = knowledge
    folder = shared_data / "pgx/pharmcat/examples"
    genes = json.loads((folder / "pharmcat.example2.phenotype.json").read_text())["geneReports"]
    calls = [
        GeneCall(sample="ex2", gene=gene, status=CallStatus.CALLED,
                 diplotypes=[Diplotype(allele1=d["allele1"]["name"], allele2=(d["allele2"] or {}).get("name", ""))
                             for d in report["sourceDiplotypes"]])
        for gene, report in genes.items()
        if report["callSource"] == "MATCHER"
    ]
    found = phenotype_all(calls, tables)
    drugs = json.loads((folder / "pharmcat.example2.report.json").read_text())["drugs"]
    unknown_here = {"G6PD", "RYR1", "NAT2"}
    compared = 0
    for source, key in (("CPIC", "CPIC Guideline Annotation"), ("DPWG", "DPWG Guideline Annotation")):
        for drug, entry in drugs[key].items():
            ours = [r for r in recommend_drug(guidelines, found, drug) if r.source == source]
            if not ours or drug == "warfarin" or unknown_here & {g for r in ours for g in r.genes}:
                continue
            expected = {
                (a.get("population"), "N/A" if a["classification"] == "Unspecified" else a["classification"])
                for g in entry["guidelines"] for a in g["annotations"] if a["genotypes"]
            }
            mine = {(row.population, row.classification) for r in ours for row in r.rows}
            assert mine == expected, (source, drug)
            compared += 1
    assert compared >= 100


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=200))
def test_html_to_text_never_fails(html: str) -> None:
    text = html_to_text(html)
    assert "<p>" not in text or "<p>" in html.replace("&lt;", "<")


def test_damaged_guideline_file_names_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "guidelines"
    folder.mkdir()
    (folder / "CPIC_x_and_CYP2C9.json").write_text(json.dumps({
        "guideline": {"id": "G1", "name": "x", "source": "CPIC", "relatedChemicals": [{"name": "x"}],
                      "relatedGenes": []},
        "recommendations": [{"id": "r1", "lookupKey": {"CYP2C9": 3}}], "version": "v"}))
    assert pharmcat_guidelines.detect(tmp_path) == folder.resolve()
    with pytest.raises(KnowledgeError, match=r"CPIC_x_and_CYP2C9.json, recommendations\[0\].lookupKey.CYP2C9"):
        pharmcat_guidelines.build(folder, tmp_path / "out")


def test_people_with_the_same_results_share_each_guideline_answer(
    knowledge: tuple[PhenotypeKnowledge, GuidelineKnowledge],
) -> None:
    """A guideline's answer rests on its genes' results, never on whose they are: a cohort's people with the same
    results are answered once, with what a guideline that has answered no one gives."""
    tables, guidelines = knowledge
    calls = [call("CYP2C19", "*2", "*17"), call("CYP2D6", "*1", "*4", outside=True), call("SLCO1B1", "*5", "*5")]
    first = results(tables, *calls)
    second = {gene: result.model_copy(update={"sample": "another"}) for gene, result in first.items()}
    answers, again = recommend_all(guidelines, first), recommend_all(guidelines, second)
    assert all(a is b for a, b in zip(answers, again, strict=True))
    fresh = recommend_all(guidelines.model_copy(deep=True), second)
    assert [a.model_dump() for a in answers] == [a.model_dump() for a in fresh]
    other = recommend_all(guidelines, results(tables, call("CYP2C19", "*1", "*1"), *calls[1:]))
    reading = [i for i, a in enumerate(answers) if "CYP2C19" in a.genes]
    assert reading and all(other[i].model_dump() != answers[i].model_dump() for i in reading)
    assert all(other[i] is answers[i] for i, a in enumerate(answers) if "CYP2C19" not in a.genes)


def test_kept_answers_stay_within_their_bound_and_give_the_same_advice(
    knowledge: tuple[PhenotypeKnowledge, GuidelineKnowledge], monkeypatch: pytest.MonkeyPatch
) -> None:
    tables, guidelines = knowledge
    monkeypatch.setattr(recommend, "ANSWERS_KEPT", 5)
    fresh = guidelines.model_copy(deep=True)
    found = results(tables, call("CYP2C19", "*2", "*17"), call("CYP2C9", "*1", "*3"))
    answers = recommend_all(fresh, found)
    assert len(answers) > 5 and sum(len(kept.answers) for kept in recommend._KEPT.values()) <= 5
    assert [a.model_dump() for a in recommend_all(fresh, found)] == [a.model_dump() for a in answers]


def test_rows_looked_up_per_gene_result_are_the_rows_a_full_scan_matches(
    knowledge: tuple[PhenotypeKnowledge, GuidelineKnowledge], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each drug's rows are found gene by gene from the rows kept for a result's rows key; for every guideline and
    drug, over results from every diplotype of the tables (and genes not called, unphased DPYD pairs), they are the
    rows that hold when every criterion is tested, and ``actionable`` says what the whole answer says."""
    tables, guidelines = knowledge
    monkeypatch.setattr(recommend, "ANSWERS_KEPT", 50)
    fresh = guidelines.model_copy(deep=True)
    per_gene = _results_per_gene(tables)
    rng = random.Random(16)
    checked = actionable = 0
    for guideline, drug in recommend.every_drug(fresh):
        rows = [row for row in guideline.recommendations if row.applies_to(drug)]
        reads = recommend.genes_read(guideline)
        for _ in range(40):
            results = {gene: r for gene in reads if (r := rng.choice(per_gene.get(gene, [None]))) is not None}
            scanned = [
                row
                for row in rows
                if all(recommend.criterion_holds(c, results.get(c.gene)) for c in row.criteria)
                and recommend.condition_holds(row.condition, results.get(row.condition.gene) if row.condition else None)
            ]
            if any(c.kind == CriterionKind.DIPLOTYPE for row in scanned for c in row.criteria):
                scanned = [row for row in scanned if any(c.kind == CriterionKind.DIPLOTYPE for c in row.criteria)]
            assert recommend._matched(guideline, drug, results) == scanned, (guideline.id, drug, results)
            whole = recommend.match_guideline(guideline, drug, results)
            assert [row.row_id for row in whole.rows] == [row.id for row in scanned]
            assert recommend.actionable(guideline, drug, results) is whole.actionable
            checked += 1
            actionable += whole.actionable
    assert checked > 5000 and 100 < actionable < checked


def _results_per_gene(tables: PhenotypeKnowledge) -> dict[str, list[GenePhenotype | None]]:
    """Per gene: not called, and the result of every diplotype its table lists (and unphased DPYD pairs)."""
    per_gene: dict[str, list[GenePhenotype | None]] = {}
    for gene, table in tables.genes.items():
        options: list[GenePhenotype | None] = [None]
        for row in table.diplotypes:
            pair = (*row.alleles, *row.alleles)[:2]
            options.append(phenotype_all([call(gene, pair[0], pair[1])], tables)[gene])
        per_gene[gene] = options
    dpyd = tables.genes["DPYD"]
    named = [name for name in dpyd.alleles if name != "Reference"][:12]
    per_gene["DPYD"] += [phenotype_all([call("DPYD", a, b)], tables)["DPYD"] for a in named for b in named if a < b]
    return per_gene


def test_guidelines_of_one_key_shape_key_every_result_of_the_gene_alike(
    knowledge: tuple[PhenotypeKnowledge, GuidelineKnowledge],
) -> None:
    """A cohort numbers a gene's results once per key shape, not per guideline: guidelines with equal shapes give
    every result equal rows and named keys."""
    tables, guidelines = knowledge
    per_gene = _results_per_gene(tables)
    shapes: dict[tuple[str, object], list[tuple[object, object]]] = {}
    for guideline in guidelines.guidelines:
        for gene in recommend.genes_read(guideline):
            results = per_gene.get(gene, [None])
            keys = [(recommend.rows_key(guideline, gene, r), recommend.named_key(guideline, gene, r)) for r in results]
            shapes.setdefault((gene, recommend.key_shape(guideline, gene)), []).append(tuple(keys))  # type: ignore[arg-type]
    assert len(shapes) > 20
    assert all(len(set(keyed)) == 1 for keyed in shapes.values())
    assert sum(len(keyed) for keyed in shapes.values()) > 2 * len(shapes)  # most shapes are shared
