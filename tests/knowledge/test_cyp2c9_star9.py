"""CYP2C9 *9 in the curated core: defined at rs2256871 as PharmCAT 3.1.1 defines it, normal function, so DPWG's rows
for *2/*9 and *3/*9 (phenytoin, siponimod, warfarin) reach a patient with those alleles."""

from __future__ import annotations

import pytest

from tailormed.engines.pgx.matcher import match_gene
from tailormed.engines.pgx.recommend import recommend_drug
from tailormed.knowledge.pgx.definitions import GeneDefinition
from tailormed.knowledge.pgx.guidelines import GuidelineKnowledge
from tailormed.knowledge.pgx.phenotypes import PhenotypeKnowledge
from tailormed.model.genotype import BuildDetection, BuildSource, CallState, GenomeBuild, GenotypeCall, SampleGenotypes

from .conftest import called


def test_star9_is_defined_at_rs2256871(definitions: dict[str, GeneDefinition]) -> None:
    cyp2c9 = definitions["CYP2C9"]
    (star9,) = [allele for allele in cyp2c9.named_alleles if allele.name == "*9"]
    variants = {v.rsid: v for v in cyp2c9.variants}
    position = variants["rs2256871"]
    assert (position.pos, position.ref, position.alts) == (94949217, "A", ("G",))
    assert star9.alleles[cyp2c9.variants.index(position)] == "G"
    assert sum(a is not None for a in star9.alleles) == 1


@pytest.mark.parametrize(
    ("diplotype", "score", "phenotype"),
    [
        ("*1/*9", "2.0", "Normal Metabolizer"),
        ("*2/*9", "1.5", "Intermediate Metabolizer"),
        ("*3/*9", "1.0", "Intermediate Metabolizer"),
    ],
)
def test_star9_counts_as_a_normal_function_allele(
    phenotypes: PhenotypeKnowledge, diplotype: str, score: str, phenotype: str
) -> None:
    result = called("CYP2C9", phenotypes, diplotype)
    assert (result.activity_score, result.phenotype) == (score, phenotype)


@pytest.mark.parametrize(
    ("drug", "diplotype", "recommendation", "words"),
    [
        ("phenytoin", "*3/*9", "PA166399102", "For the other doses, use 70% of the standard dose"),
        ("phenytoin", "*2/*9", "PA166399101", "For the other doses, use 75% of the standard dose"),
        ("siponimod", "*3/*9", "PA166399141", "Use 50% of the normal maintenance dose."),
        ("siponimod", "*2/*9", "PA166399121", "NO action is required for this gene-drug interaction."),
        ("warfarin", "*3/*9", "PA166399122", "use 65% of the standard initial dose."),
        ("warfarin", "*2/*9", "PA166399142", "NO action is required for this gene-drug interaction."),
    ],
)
def test_dpwg_star9_rows_reach_star9_carriers(
    guidelines: GuidelineKnowledge,
    phenotypes: PhenotypeKnowledge,
    drug: str,
    diplotype: str,
    recommendation: str,
    words: str,
) -> None:
    """DPWG writes these diplotypes their own rows; they are preferred over the activity-score rows."""
    results = {"CYP2C9": called("CYP2C9", phenotypes, diplotype)}
    (answer,) = [
        a for a in recommend_drug(guidelines, results, name=drug) if a.source == "DPWG" and "CYP2C9" in a.genes
    ]
    (row,) = answer.rows
    assert words in row.text
    assert f"recommendation {recommendation} " in row.sources[0].at


@pytest.mark.parametrize(
    ("variant", "expected"),
    [({"rs2256871": ("A", "G")}, "*1/*9"), ({"rs2256871": ("A", "G"), "rs1057910": ("A", "C")}, "*3/*9")],
)
def test_rs2256871_in_a_sample_is_called_star9(
    definitions: dict[str, GeneDefinition], variant: dict[str, tuple[str, str]], expected: str
) -> None:
    """Unphased genotypes at every CYP2C9 position of the core: rs2256871 A/G is *9 (it was *1 without the
    definition), beside rs1057910 A/C it is *3/*9."""
    cyp2c9 = definitions["CYP2C9"]
    calls = {}
    for v in cyp2c9.variants:
        alleles = variant.get(v.rsid or "", (v.ref, v.ref))
        state = CallState.REFERENCE if alleles == (v.ref, v.ref) else CallState.VARIANT
        calls[f"{v.chrom}:{v.pos}"] = GenotypeCall(chrom=v.chrom, pos=v.pos, ref=v.ref, alleles=alleles, state=state)
    genotypes = SampleGenotypes(
        sample="S",
        source="t.vcf",
        calls=calls,
        build=BuildDetection(build=GenomeBuild.GRCH38, source=BuildSource.USER, detail="test"),
    )
    assert [d.name for d in match_gene(cyp2c9, genotypes).diplotypes] == [expected]
