"""The curated PGx core: it compiles from its sources, loads with the official loaders, calls and phenotypes
key diplotypes as CPIC does, and every guideline row can be reached by a result the phenotype tables produce."""

from __future__ import annotations

import importlib.util
import itertools
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tailormed.engines.pgx.matcher import match_gene
from tailormed.engines.pgx.phenotype import phenotype_gene
from tailormed.engines.pgx.recommend import match_guideline, recommend_drug
from tailormed.errors import KnowledgeError
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.pgx.definitions import GeneDefinition
from tailormed.knowledge.pgx.guidelines import CriterionKind, GuidelineKnowledge
from tailormed.knowledge.pgx.phenotypes import GenePhenotypes, PhenotypeKnowledge
from tailormed.model.genotype import (
    BuildDetection,
    BuildSource,
    CallState,
    GenomeBuild,
    GenotypeCall,
    SampleGenotypes,
)
from tailormed.model.pgx import (
    CallStatus,
    Diplotype,
    GeneCall,
    GenePhenotype,
    PhenotypeMethod,
    PhenotypeStatus,
    RecommendationStatus,
)

REPO = Path(__file__).resolve().parents[2]

#: The CPIC level-A drugs (and irinotecan, DPWG) the curated core must answer for.
CORE_DRUGS = (
    "clopidogrel",
    "warfarin",
    "simvastatin",
    "atorvastatin",
    "rosuvastatin",
    "pravastatin",
    "lovastatin",
    "pitavastatin",
    "fluvastatin",
    "azathioprine",
    "mercaptopurine",
    "thioguanine",
    "fluorouracil",
    "capecitabine",
    "atazanavir",
    "irinotecan",
    "tacrolimus",
    "efavirenz",
    "rasburicase",
    "abacavir",
    "allopurinol",
    "carbamazepine",
    "phenytoin",
    "fosphenytoin",
    "codeine",
    "tramadol",
    "citalopram",
    "escitalopram",
    "sertraline",
    "voriconazole",
    "ondansetron",
)


def _compiler() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compile_pgx_core", REPO / "scripts" / "compile_pgx_core.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def compiler() -> ModuleType:
    return _compiler()


def test_compiled_files_match_their_sources(compiler: ModuleType) -> None:
    assert compiler.stale_files() == []


def test_compiler_names_the_file_and_place_of_an_error(compiler: ModuleType, tmp_path: Path) -> None:
    curated = compiler.CURATED
    for relative in (compiler.DEFINITIONS_SOURCE, compiler.PHENOTYPES_SOURCE, compiler.GUIDELINES_SOURCE):
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text((curated / relative).read_text(encoding="utf-8"), encoding="utf-8")
    source = tmp_path / compiler.DEFINITIONS_SOURCE
    source.write_text(source.read_text(encoding="utf-8").replace('"*3": {rs4986893: A}', '"*3": {rs4986893: C}'))
    with pytest.raises(KnowledgeError, match=r"'C' is not an ALT of rs4986893") as caught:
        compiler.compile_core(tmp_path)
    assert caught.value.location == "genes.CYP2C19"
    assert str(source) in str(caught.value)


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        ("    - 18400194\n", "    - 18400195\n", "required position(s) [18400195] are not variants of the gene"),
        ("      pick: '*1/*6'\n", "      pick: '*5/*6'\n", "unphased priority pick '*5/*6' is not one of"),
        ("      - '*4/*34'\n", "      - '*4/*99'\n", "unphased priority names unknown allele(s) ['*99']"),
    ],
    ids=["required", "pick", "allele"],
)
def test_compiler_refuses_exemptions_that_do_not_fit_the_gene(
    compiler: ModuleType, tmp_path: Path, old: str, new: str, error: str
) -> None:
    """A required position that is not a variant, a pick outside its set, an unknown allele: refused, naming it."""
    curated = compiler.CURATED
    for relative in (
        compiler.DEFINITIONS_SOURCE,
        compiler.GENERATED_DEFINITIONS,
        compiler.PHENOTYPES_SOURCE,
        compiler.GENERATED_PHENOTYPES,
        compiler.GUIDELINES_SOURCE,
        compiler.GENERATED_GUIDELINES,
        compiler.FDA_GUIDELINES,
        compiler.FDA_LABELS,
    ):
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text((curated / relative).read_text(encoding="utf-8"), encoding="utf-8")
    generated = tmp_path / compiler.GENERATED_DEFINITIONS
    text = generated.read_text(encoding="utf-8")
    assert text.count(old) == 1
    generated.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=re.escape(error)) as caught:
        compiler.compile_core(tmp_path)
    assert caught.value.location is not None and caught.value.location.startswith("genes.NAT2")
    assert caught.value.source == str(generated)


def test_manifest_lists_the_three_sources(core: KnowledgeBundle) -> None:
    for name in ("pgx-core-definitions", "pgx-core-phenotypes", "pgx-core-guidelines"):
        record = core.source(name)
        assert record.version == "2026-11-22" or name == "pgx-core-guidelines"  # names its captures instead
        assert record.licence.startswith("CC-BY-4.0")
        assert core.is_curated(name)


def test_definitions_cover_the_core_genes(definitions: dict[str, GeneDefinition]) -> None:
    assert set(definitions) == {
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
    }
    assert definitions["CYP2C19"].reference.name == "*1"
    nat2 = definitions["NAT2"]
    assert (len(nat2.variants), len(nat2.named_alleles)) == (47, 59)
    assert nat2.exemptions.required_positions == (18400194, 18400344, 18400593, 18400806, 18400860)
    priorities = nat2.exemptions.unphased_priorities
    assert len(priorities) == 29 and (priorities[0].candidates, priorities[0].pick) == (("*1/*6", "*4/*34"), "*1/*6")
    assert {a.name for a in definitions["CYP2C9"].named_alleles} >= {"*1", "*2", "*3", "*5", "*6", "*8", "*11"}
    ugt = definitions["UGT1A1"]
    repeat = next(v for v in ugt.variants if v.rsid == "rs3064744")
    assert (repeat.pos, repeat.ref, repeat.alts) == (233760233, "CAT", ("C", "CATAT", "CATATAT"))
    dpyd = definitions["DPYD"]
    assert dpyd.lowest_function and dpyd.undocumented_as_reference
    assert dpyd.allele_activity["c.1905+1G>A (*2A)"] == 0.0
    assert dpyd.allele_activity["c.2846A>T"] == 0.5


def test_every_alt_at_a_core_position_is_named(definitions: dict[str, GeneDefinition]) -> None:
    """No ALT seen at a core position can be silently read as reference or left unmatched."""
    for gene, definition in definitions.items():
        for index, variant in enumerate(definition.variants):
            carried = {a.alleles[index] for a in definition.named_alleles if not a.is_reference}
            assert set(variant.alts) <= carried, (
                f"{gene} {variant.rsid}: no allele carries {set(variant.alts) - carried}"
            )


@pytest.mark.parametrize(
    ("gene", "diplotype", "phenotype", "score"),
    [
        ("CYP2C19", ("*17", "*17"), "Ultrarapid Metabolizer", None),
        ("CYP2C19", ("*1", "*17"), "Rapid Metabolizer", None),
        ("CYP2C19", ("*2", "*17"), "Intermediate Metabolizer", None),
        ("CYP2C19", ("*2", "*3"), "Poor Metabolizer", None),
        ("CYP2C9", ("*1", "*3"), "Intermediate Metabolizer", "1.0"),
        ("CYP2C9", ("*2", "*3"), "Poor Metabolizer", "0.5"),
        ("CYP2C9", ("*1", "*27"), "Indeterminate", "n/a"),
        ("DPYD", ("Reference", "c.2846A>T"), "Intermediate Metabolizer", "1.5"),
        ("DPYD", ("c.1905+1G>A (*2A)", "c.2846A>T"), "Poor Metabolizer", "0.5"),
        ("SLCO1B1", ("*1", "*15"), "Decreased Function", None),
        ("SLCO1B1", ("*37", "*37"), "Normal Function", None),
        ("TPMT", ("*1", "*3A"), "Intermediate Metabolizer", None),
        ("NUDT15", ("*3", "*6"), "Possible Intermediate Metabolizer", None),
        ("UGT1A1", ("*28", "*80+*28"), "Poor Metabolizer", None),
        ("UGT1A1", ("*1", "*80"), "Indeterminate", None),
        ("CYP2B6", ("*4", "*6"), "Intermediate Metabolizer", None),
        ("VKORC1", ("rs9923231 reference (C)", "rs9923231 variant (T)"), "-1639 AG", None),
        ("G6PD", ("A- 202A_376G", "B (reference)"), "Variable", None),
        ("G6PD", ("A- 202A_376G",), "Deficient", None),
        ("NAT2", ("*4", "*4"), "Rapid Metabolizer", None),
        ("NAT2", ("*4", "*5"), "Intermediate Metabolizer", None),
        ("NAT2", ("*5", "*6"), "Poor Metabolizer", None),
        ("NAT2", ("*4", "*10"), "Indeterminate", None),
        ("CYP2D6", ("*1", "*4"), "Intermediate Metabolizer", "1.0"),
        ("CYP2D6", ("*1", "*1x2"), "Ultrarapid Metabolizer", "3.0"),
        ("CYP2D6", ("*1", "*41x3"), "Normal Metabolizer", "1.75"),
    ],
)
def test_phenotype_rows_follow_cpic(
    phenotypes: PhenotypeKnowledge, gene: str, diplotype: tuple[str, ...], phenotype: str, score: str | None
) -> None:
    table = phenotypes.gene(gene)
    assert table is not None
    row = table.lookup(diplotype)
    if gene == "CYP2D6":  # every CPIC allele with its value; the score is summed, not listed per diplotype
        assert row is None
        call = GeneCall(
            sample="s1",
            gene=gene,
            status=CallStatus.CALLED,
            diplotypes=[Diplotype(allele1=diplotype[0], allele2=diplotype[1])],
        )
        result = phenotype_gene(call, table)
        assert (result.phenotype, result.activity_score) == (phenotype, score)
        return
    assert row is not None
    assert (row.phenotype, row.activity_score) == (phenotype, score)
    assert row.lookup_key == (score if table.method == PhenotypeMethod.ACTIVITY_SCORE else phenotype)


def test_allele_functions_and_activity_values(phenotypes: PhenotypeKnowledge) -> None:
    cyp2c9 = phenotypes.gene("CYP2C9")
    assert cyp2c9 is not None
    assert {n: cyp2c9.alleles[n].activity_value for n in ("*1", "*2", "*3", "*5", "*6", "*8", "*11")} == {
        "*1": "1.0",
        "*2": "0.5",
        "*3": "0.0",
        "*5": "0.5",
        "*6": "0.0",
        "*8": "0.5",
        "*11": "0.5",
    }
    hla = phenotypes.gene("HLA-B")
    assert hla is not None and hla.method == PhenotypeMethod.ALLELE_STATUS
    assert set(hla.alleles_of_interest) == {"*15:02", "*15:11", "*57:01", "*58:01"}


def _genotypes(definition: GeneDefinition, bases: dict[str, tuple[str, ...]]) -> SampleGenotypes:
    """Every core position of the gene called; ``bases`` (rsID -> alleles) overrides the reference."""
    calls = {}
    for variant in definition.variants:
        alleles = bases.get(variant.rsid or "", (variant.ref, variant.ref))
        state = CallState.REFERENCE if all(a == variant.ref for a in alleles) else CallState.VARIANT
        calls[variant.key] = GenotypeCall(
            chrom=variant.chrom, pos=variant.pos, ref=variant.ref, alleles=alleles, state=state
        )
    return SampleGenotypes(
        sample="s1",
        source="test",
        build=BuildDetection(build=GenomeBuild.GRCH38, source=BuildSource.USER, detail="test"),
        calls=calls,
    )


@pytest.mark.parametrize(
    ("gene", "bases", "expected"),
    [
        ("CYP2C19", {}, "*1/*1"),
        ("CYP2C19", {"rs4244285": ("G", "A")}, "*1/*2"),
        ("CYP2C19", {"rs4244285": ("G", "A"), "rs12248560": ("C", "T")}, "*2/*17"),
        ("TPMT", {"rs1142345": ("T", "C"), "rs1800460": ("C", "T")}, "*1/*3A"),
        ("SLCO1B1", {"rs2306283": ("A", "G"), "rs4149056": ("T", "C")}, "*1/*15"),
        ("NUDT15", {"rs746071566": ("AGGAGTC", "AGGAGTCGGAGTC"), "rs116855232": ("C", "T")}, "*1/*2"),
        ("UGT1A1", {"rs887829": ("T", "T"), "rs3064744": ("CATAT", "CATAT")}, "*80+*28/*80+*28"),
        ("CYP3A5", {"rs776746": ("C", "C")}, "*3/*3"),
        ("CYP2B6", {"rs3745274": ("G", "T"), "rs2279343": ("A", "G")}, "*1/*6"),
        ("DPYD", {"rs3918290": ("C", "T")}, "Reference/c.1905+1G>A (*2A)"),
    ],
)
def test_matcher_calls_core_alleles(
    definitions: dict[str, GeneDefinition], gene: str, bases: dict[str, tuple[str, ...]], expected: str
) -> None:
    call = match_gene(definitions[gene], _genotypes(definitions[gene], bases))
    assert [d.name for d in call.diplotypes] == [expected]


def test_male_g6pd_call_is_phenotyped_from_one_allele(
    definitions: dict[str, GeneDefinition], phenotypes: PhenotypeKnowledge
) -> None:
    definition = definitions["G6PD"]
    calls = {
        v.key: GenotypeCall(
            chrom=v.chrom,
            pos=v.pos,
            ref=v.ref,
            alleles=("C",) if v.rsid == "rs1050829" else ("T",) if v.rsid == "rs1050828" else (v.ref,),
            state=CallState.VARIANT if v.rsid in ("rs1050829", "rs1050828") else CallState.REFERENCE,
        )
        for v in definition.variants
    }
    genotypes = SampleGenotypes(
        sample="m1",
        source="test",
        build=BuildDetection(build=GenomeBuild.GRCH38, source=BuildSource.USER, detail="test"),
        calls=calls,
    )
    call = match_gene(definition, genotypes)
    assert [d.allele1 for d in call.diplotypes] == ["A- 202A_376G"]
    result = phenotype_gene(call, phenotypes.gene("G6PD"))
    assert result.phenotype == "Deficient"


def _producible(table: GenePhenotypes | None) -> list[dict[str, object]]:
    """Every result a gene's table can give, as GenePhenotype fields; a gene without a table is never called."""
    if table is None:
        return [{"status": PhenotypeStatus.NOT_CALLED}]
    if table.method == PhenotypeMethod.ALLELE_STATUS:
        combos = itertools.product((True, False), repeat=len(table.alleles_of_interest))
        return [
            {
                "status": PhenotypeStatus.ASSIGNED,
                "allele_statuses": dict(zip(table.alleles_of_interest, c, strict=True)),
            }
            for c in combos
        ]
    pairs = {(row.phenotype, row.activity_score) for row in table.diplotypes}
    pairs |= {(p, s) for s, p in table.score_phenotypes.items()}
    return [
        {"status": PhenotypeStatus.ASSIGNED, "phenotype": p, "activity_score": s} for p, s in sorted(pairs, key=str)
    ]


def test_every_producible_result_gets_a_recommendation(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    unmatched = []
    checked = 0
    for guideline in guidelines.guidelines:
        if guideline.source != "CPIC":
            continue  # DPWG writes rows only for the results that need action
        options = [_producible(phenotypes.gene(gene)) for gene in guideline.genes]
        for drug in guideline.drugs:
            for combo in itertools.product(*options):
                results = {
                    gene: GenePhenotype(
                        gene=gene, sample="s1", method=t.method if (t := phenotypes.gene(gene)) else None, **fields
                    )
                    for gene, fields in zip(guideline.genes, combo, strict=True)
                }
                answer = match_guideline(guideline, drug.name, results)
                checked += 1
                if answer.status != RecommendationStatus.MATCHED:
                    unmatched.append(
                        (guideline.id, drug.name, {g: r.lookup_value or r.allele_statuses for g, r in results.items()})
                    )
    assert checked > 300
    assert unmatched == []


def test_guideline_keys_are_values_the_tables_produce(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    problems = []
    for guideline in guidelines.guidelines:
        for row in guideline.recommendations:
            for criterion in row.criteria:
                table = phenotypes.gene(criterion.gene)
                if criterion.kind == CriterionKind.NO_RESULT:
                    continue
                if table is None:
                    problems.append((row.id, criterion.gene, "no phenotype table"))
                elif criterion.kind == CriterionKind.ACTIVITY_SCORE:
                    problems += [
                        (row.id, criterion.gene, v) for v in criterion.values if v not in table.activity_scores
                    ]
                elif criterion.kind == CriterionKind.PHENOTYPE:
                    terms = {r.phenotype for r in table.diplotypes} | set(table.phenotype_terms)
                    problems += [(row.id, criterion.gene, v) for v in criterion.values if v not in terms]
                elif criterion.kind == CriterionKind.DIPLOTYPE:
                    problems += [(row.id, criterion.gene, v) for v in criterion.values if table.allele(v) is None]
                elif criterion.kind == CriterionKind.ALLELE_STATUS:
                    allele = criterion.values[0].split(" ")[0]
                    if allele not in table.alleles_of_interest:
                        problems.append((row.id, criterion.gene, criterion.values[0]))
                else:
                    problems.append((row.id, criterion.gene, f"unexpected kind {criterion.kind}"))
    assert problems == []


def test_core_drugs_have_cited_guidelines(guidelines: GuidelineKnowledge) -> None:
    for drug in CORE_DRUGS:
        found = guidelines.for_drug(drug)
        assert found, f"no curated guideline for {drug}"
        assert all(g.recommendations for g in found) and all(g.pmids for g in found if g.source == "CPIC")
        refs = [g.covers(drug) for g in found]
        assert all(ref is not None and ref.rxnorm for ref in refs)
    clopidogrel = guidelines.for_drug("clopidogrel")[0]
    assert clopidogrel.pmids[0] == "PMID:35034351"
    warfarin = guidelines.for_drug(rxnorm="11289")[0]  # the label's genotype table (CPIC gives an algorithm)
    assert warfarin.source == "FDA" and all(row.sources for row in warfarin.recommendations)


def test_dpwg_rows_carry_no_cpic_grade(guidelines: GuidelineKnowledge) -> None:
    """CPIC grades its advice Strong, Moderate or Optional; DPWG has no such grade, so no DPWG row may carry one
    (issue 13 found DPWG irinotecan labelled 'Strong')."""
    dpwg = [g for g in guidelines.guidelines if g.source == "DPWG"]
    assert any("irinotecan" in g.name for g in dpwg)
    graded = {(g.id, r.classification) for g in dpwg for r in g.recommendations}
    assert not {item for item in graded if item[1] in {"Strong", "Moderate", "Optional"}}, graded


def test_clopidogrel_poor_metabolizer_is_told_to_avoid(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    call = GeneCall(
        sample="s1", gene="CYP2C19", status=CallStatus.CALLED, diplotypes=[Diplotype(allele1="*2", allele2="*2")]
    )
    result = phenotype_gene(call, phenotypes.gene("CYP2C19"))
    answers = recommend_drug(guidelines, {"CYP2C19": result}, name="Clopidogrel")
    rows = {row.population: row for row in answers[0].rows}
    assert rows["CVI ACS PCI"].classification == "Strong"
    assert rows["CVI ACS PCI"].alternate_drug_available and rows["CVI ACS PCI"].actionable
    assert "prasugrel or ticagrelor" in rows["CVI ACS PCI"].text


def test_warfarin_gets_the_label_range_for_cyp2c9_and_vkorc1_only(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    def result(gene: str, a: str, b: str) -> GenePhenotype:
        call = GeneCall(sample="s1", gene=gene, status=CallStatus.CALLED, diplotypes=[Diplotype(allele1=a, allele2=b)])
        return phenotype_gene(call, phenotypes.gene(gene))

    results = {
        "CYP2C9": result("CYP2C9", "*1", "*3"),
        "VKORC1": result("VKORC1", "rs9923231 variant (T)", "rs9923231 variant (T)"),
        "CYP4F2": result("CYP4F2", "*1", "*3"),
    }
    answer = recommend_drug(guidelines, results, name="warfarin")[0]
    texts = [row.text for row in answer.rows]
    assert len(texts) == 1 and "0.5-2 mg/day" in texts[0]  # label Table 5: AA with *1/*3
    assert not any("5-10%" in t for t in texts)  # CPIC's CYP4F2 percentage is not quoted, so it is not advised
