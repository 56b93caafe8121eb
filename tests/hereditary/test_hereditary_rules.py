"""Gene rules the ClinVar subset has no records for (X-linked, TTN truncating, HFE p.C282Y), on the real ACMG SF
lists with ClinVar-style records written here, and genotypes handed to the engine directly."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tailormed.engines.hereditary import assess_hereditary, hereditary_findings
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.hereditary import acmg, clinvar
from tailormed.knowledge.hereditary.load import HereditaryKnowledge
from tailormed.knowledge.hereditary.management import load_management
from tailormed.knowledge.hereditary.models import ClinvarVariant, Significance
from tailormed.model.finding import Priority
from tailormed.model.genotype import BuildDetection, BuildSource, CallState, GenomeBuild, GenotypeCall, SampleGenotypes
from tailormed.model.patient import Sex
from tailormed.model.payloads import HereditaryVariantData

# ClinVar-style records written for these rules; only HFE p.C282Y (GRCh38 chr6:26092913 G>A) is a position the rule
# itself names, the others are illustrative alleles on the named genes.
GLA = ClinvarVariant(
    chrom="chrX",
    pos=101398785,
    ref="T",
    alt="C",
    variation_id="10730",
    genes=("GLA",),
    clnsig="Pathogenic",
    significance=Significance.PLP,
    review_status="reviewed_by_expert_panel",
    stars=3,
    consequences=("missense_variant",),
)
ABCD1 = ClinvarVariant(
    chrom="chrX",
    pos=153724856,
    ref="C",
    alt="T",
    variation_id="11100",
    genes=("ABCD1",),
    clnsig="Pathogenic",
    significance=Significance.PLP,
    review_status="criteria_provided,_single_submitter",
    stars=1,
)
TTN_STOP = ClinvarVariant(
    chrom="chr2",
    pos=178527000,
    ref="G",
    alt="A",
    variation_id="1",
    genes=("TTN",),
    clnsig="Pathogenic",
    significance=Significance.PLP,
    review_status="criteria_provided,_single_submitter",
    stars=1,
    consequences=("nonsense",),
)
TTN_MISSENSE = TTN_STOP.model_copy(
    update={"pos": 178528000, "variation_id": "2", "consequences": ("missense_variant",)}
)
C282Y = ClinvarVariant(
    chrom="chr6",
    pos=26092913,
    ref="G",
    alt="A",
    variation_id="9",
    genes=("HFE",),
    clnsig="Pathogenic",
    significance=Significance.PLP,
    review_status="criteria_provided,_multiple_submitters,_no_conflicts",
    stars=2,
)
OTHER_HFE = C282Y.model_copy(update={"pos": 26093141, "ref": "C", "alt": "G", "variation_id": "10"})


def knowledge(bundle: KnowledgeBundle, variants: Sequence[ClinvarVariant], version: str = "3.2") -> HereditaryKnowledge:
    return HereditaryKnowledge(
        clinvar=list(variants),
        release=clinvar.load_release(bundle),
        acmg=acmg.load_acmg(bundle, version),
        curated=load_management(bundle),
    )


def genotypes(calls: dict[ClinvarVariant, tuple[str, ...]]) -> SampleGenotypes:
    made = {}
    for v, alleles in calls.items():
        state = CallState.REFERENCE if all(a == v.ref for a in alleles) else CallState.VARIANT
        made[v.key] = GenotypeCall(chrom=v.chrom, pos=v.pos, ref=v.ref, alleles=alleles, state=state)
    build = BuildDetection(build=GenomeBuild.GRCH38, source=BuildSource.USER, detail="test")
    return SampleGenotypes(sample="S", source="test.vcf", build=build, calls=made)


@pytest.mark.parametrize(
    ("alleles", "sex", "reportable", "zygosity"),
    [
        (("C",), Sex.MALE, True, "hemizygous"),
        (("T", "C"), Sex.FEMALE, True, "heterozygous"),
        (("C", "C"), Sex.MALE, True, "hemizygous"),
    ],
)
def test_gla_is_reported_in_either_sex(
    hereditary_bundle: KnowledgeBundle, alleles: tuple[str, ...], sex: Sex, reportable: bool, zygosity: str
) -> None:
    result = assess_hereditary(genotypes({GLA: alleles}), knowledge(hereditary_bundle, [GLA]), sex=sex)
    [row] = result.rows
    assert row.reportable is reportable and row.zygosity.value == zygosity and row.inheritance == "XL"
    assert row.condition == "Fabry disease"


@pytest.mark.parametrize(("alleles", "reportable"), [(("T",), True), (("C", "T"), False), (("T", "T"), True)])
def test_abcd1_needs_hemizygous_or_biallelic(
    hereditary_bundle: KnowledgeBundle, alleles: tuple[str, ...], reportable: bool
) -> None:
    found = knowledge(hereditary_bundle, [ABCD1], "3.3")
    [row] = assess_hereditary(genotypes({ABCD1: alleles}), found).rows
    assert row.reportable is reportable
    if not reportable:
        assert row.reason.startswith("carrier")
    assert assess_hereditary(genotypes({ABCD1: alleles}), knowledge(hereditary_bundle, [ABCD1])).rows[0].reason == (
        "not an ACMG SF v3.2 gene"
    )


def test_ttn_only_truncating_variants(hereditary_bundle: KnowledgeBundle) -> None:
    found = knowledge(hereditary_bundle, [TTN_STOP, TTN_MISSENSE])
    rows = assess_hereditary(genotypes({TTN_STOP: ("G", "A"), TTN_MISSENSE: ("G", "A")}), found).rows
    by_id = {row.observation.variant.variation_id: row for row in rows}
    assert by_id["1"].reportable and "truncating (nonsense)" in by_id["1"].reason
    assert not by_id["2"].reportable and by_id["2"].reason.startswith("not truncating (missense_variant)")


@pytest.mark.parametrize(
    ("calls", "reportable"),
    [
        ({C282Y: ("A", "A")}, [True]),
        ({C282Y: ("G", "A")}, [False]),
        ({C282Y: ("G", "A"), OTHER_HFE: ("C", "G")}, [False, False]),
    ],
)
def test_hfe_only_c282y_homozygotes(
    hereditary_bundle: KnowledgeBundle, calls: dict[ClinvarVariant, tuple[str, ...]], reportable: list[bool]
) -> None:
    rows = assess_hereditary(genotypes(calls), knowledge(hereditary_bundle, list(calls))).rows
    assert [row.reportable for row in rows] == reportable
    assert all("p.C282Y homozygotes only" in row.reason for row in rows)


def test_findings_carry_payload_evidence_and_limits(hereditary_bundle: KnowledgeBundle) -> None:
    found = knowledge(hereditary_bundle, [C282Y])
    result = assess_hereditary(genotypes({C282Y: ("A", "A")}), found)
    [finding] = hereditary_findings(result, found, [])
    assert finding.priority is Priority.ACTIONABLE and finding.genes == ["HFE"]
    data = HereditaryVariantData.model_validate(finding.data)
    assert data.reportable and data.clinvar_id == "9" and data.management and "phlebotomy" in data.management
    assert [e.source for e in finding.evidence] == ["clinvar", "acmg-sf", "hereditary-management"]
    carrier = hereditary_findings(assess_hereditary(genotypes({C282Y: ("G", "A")}), found), found, [])
    assert [f.priority for f in carrier] == [Priority.INFORMATIONAL, Priority.INFORMATIONAL]
    assert carrier[-1].id == "hereditary:none-reportable"


def test_scn5a_management_gives_the_brugada_advice_with_its_source(hereditary_bundle: KnowledgeBundle) -> None:
    """The SCN5A entry says what the ESC guideline recommends in Brugada syndrome, and quotes it."""
    entries = load_management(hereditary_bundle).management
    (entry,) = [e for e in entries if "SCN5A" in e.genes and "Brugada" in e.condition]
    assert "brugadadrugs.org" in entry.management and "fever" in entry.management
    assert not entry.unsourced
    assert any("Treatment of fever with antipyretic drugs." in source.quote for source in entry.sources)
