"""The hereditary verdicts on small VCFs built from real ClinVar records (GRCh38 subset, 2026-02-26)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from tailormed.engines.hereditary.assess import SampleHereditary
from tailormed.errors import InputError
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.hereditary.load import HereditaryKnowledge, load_hereditary
from tailormed.pipeline import hereditary as pipeline

PLP = {"Pathogenic", "Likely_pathogenic", "Pathogenic/Likely_pathogenic"}
Writer = Callable[..., Path]


def is_snv(r: object) -> bool:
    return len(r.ref) == 1 and len(r.alt) == 1  # type: ignore[attr-defined]


_KNOWLEDGE: dict[tuple[int, str], HereditaryKnowledge] = {}


def assess(bundle: KnowledgeBundle, vcf: Path, **kwargs: object) -> dict[str, SampleHereditary]:
    version = str(kwargs.pop("acmg_version", "3.2"))
    key = (id(bundle), version)
    if key not in _KNOWLEDGE:
        _KNOWLEDGE[key] = load_hereditary(bundle, version)
    knowledge = _KNOWLEDGE[key]
    reading = {k: kwargs.pop(k) for k in ("samples", "absent_is_reference", "build") if k in kwargs}
    batch = pipeline.read_hereditary_batch(vcf, knowledge, bundle, **reading)  # type: ignore[arg-type]
    return {
        name: pipeline.assess_evidence(batch.evidence(name), knowledge, **kwargs)  # type: ignore[arg-type]
        for name in batch.samples
    }


def row(record: object, genotypes: Sequence[str]) -> tuple[str, int, str, str, Sequence[str]]:
    return (record.chrom, record.pos, record.ref, record.alt, genotypes)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def mutyh(pick: Callable[..., object], clinvar_records: Sequence[object]) -> tuple[object, object]:
    """Two different MUTYH P/LP SNVs, each the only ClinVar allele at its position."""
    alleles = Counter((r.chrom, r.pos) for r in clinvar_records)  # type: ignore[attr-defined]

    def plp_snv(r: object) -> bool:
        return r.gene == "MUTYH" and r.clnsig in PLP and is_snv(r) and alleles[(r.chrom, r.pos)] == 1  # type: ignore[attr-defined]

    first = pick(lambda r: plp_snv(r) and r.info["CLNREVSTAT"].startswith("criteria_provided,_multiple"))
    second = pick(lambda r: plp_snv(r) and r.pos > first.pos + 500, exclude=[first])  # type: ignore[attr-defined]
    return first, second


def test_brca1_pathogenic_heterozygote_is_reportable(
    hereditary_bundle: KnowledgeBundle, pick: Callable[..., object], vcf_writer: Writer
) -> None:
    brca1 = pick(
        lambda r: (
            r.gene == "BRCA1"
            and r.clnsig == "Pathogenic"
            and is_snv(r)
            and r.info["CLNREVSTAT"] == "reviewed_by_expert_panel"
        )
    )
    result = assess(hereditary_bundle, vcf_writer([row(brca1, ["0/1"])]))["PATIENT"]
    [found] = result.result.rows
    assert found.reportable and found.zygosity.value == "heterozygous"
    assert found.inheritance == "AD" and found.condition == "Hereditary breast and ovarian cancer"
    assert found.observation.variant.variation_id == brca1.id and found.observation.variant.stars == 3
    assert found.management and "salpingo-oophorectomy" in found.management


def test_single_mutyh_heterozygote_is_a_carrier(
    hereditary_bundle: KnowledgeBundle, mutyh: tuple[object, object], vcf_writer: Writer
) -> None:
    result = assess(hereditary_bundle, vcf_writer([row(mutyh[0], ["0/1"])]))["PATIENT"]
    [found] = result.result.rows
    assert not found.reportable
    assert found.reason.startswith("carrier") and found.inheritance == "AR"
    assert found.management is None


def test_homozygous_mutyh_is_reportable(
    hereditary_bundle: KnowledgeBundle, mutyh: tuple[object, object], vcf_writer: Writer
) -> None:
    result = assess(hereditary_bundle, vcf_writer([row(mutyh[0], ["1/1"])]))["PATIENT"]
    [found] = result.result.rows
    assert found.reportable and found.zygosity.value == "homozygous"
    assert found.condition == "MUTYH-associated polyposis"


def test_two_mutyh_variants_phase_unknown_is_possible_compound_heterozygote(
    hereditary_bundle: KnowledgeBundle, mutyh: tuple[object, object], vcf_writer: Writer
) -> None:
    vcf = vcf_writer([row(mutyh[0], ["0/1"]), row(mutyh[1], ["0/1"])])
    rows = assess(hereditary_bundle, vcf)["PATIENT"].result.rows
    assert len(rows) == 2
    for found in rows:
        assert found.reportable and found.zygosity.value == "compound_heterozygous"
        assert "possible compound heterozygote, phase unknown" in found.reason


@pytest.mark.parametrize(
    ("first", "second", "reportable", "words"),
    [("0|1:7", "1|0:7", True, "in trans"), ("0|1:7", "0|1:7", False, "in cis")],
)
def test_phased_mutyh_pair_in_trans_or_cis(
    hereditary_bundle: KnowledgeBundle,
    mutyh: tuple[object, object],
    vcf_writer: Writer,
    first: str,
    second: str,
    reportable: bool,
    words: str,
) -> None:
    vcf = vcf_writer([row(mutyh[0], [first]), row(mutyh[1], [second])])
    rows = assess(hereditary_bundle, vcf)["PATIENT"].result.rows
    assert [r.reportable for r in rows] == [reportable, reportable]
    assert all(words in r.reason for r in rows)


def test_gene_off_the_acmg_list_is_listed_not_reportable(
    hereditary_bundle: KnowledgeBundle, pick: Callable[..., object], vcf_writer: Writer
) -> None:
    atm = pick(lambda r: r.gene == "ATM" and r.clnsig in PLP and is_snv(r))
    [found] = assess(hereditary_bundle, vcf_writer([row(atm, ["0/1"])]))["PATIENT"].result.rows
    assert not found.reportable and found.reason == "not an ACMG SF v3.2 gene"
    assert found.inheritance == "" and found.condition  # ClinVar's condition names


def test_benign_variant_is_not_listed(
    hereditary_bundle: KnowledgeBundle, pick: Callable[..., object], vcf_writer: Writer
) -> None:
    benign = pick(lambda r: r.gene == "BRCA2" and r.clnsig == "Benign" and is_snv(r))
    result = assess(hereditary_bundle, vcf_writer([row(benign, ["1/1"])]))["PATIENT"]
    assert result.result.rows == []


def test_conflicting_variant_is_shown_as_conflicting(
    hereditary_bundle: KnowledgeBundle, pick: Callable[..., object], vcf_writer: Writer
) -> None:
    conflicting = pick(
        lambda r: (
            r.gene == "BRCA2"
            and r.clnsig.startswith("Conflicting")
            and is_snv(r)
            and "Pathogenic(" in r.info.get("CLNSIGCONF", "")
        )
    )
    [found] = assess(hereditary_bundle, vcf_writer([row(conflicting, ["0/1"])]))["PATIENT"].result.rows
    assert not found.reportable and found.reason.startswith("conflicting classifications")
    assert found.observation.variant.clnsig.startswith("Conflicting")


def test_other_alt_at_a_pathogenic_position_is_not_a_match(
    hereditary_bundle: KnowledgeBundle,
    pick: Callable[..., object],
    clinvar_records: Sequence[object],
    vcf_writer: Writer,
) -> None:
    brca2 = pick(lambda r: r.gene == "BRCA2" and r.clnsig == "Pathogenic" and is_snv(r))
    known = {r.alt for r in clinvar_records if (r.chrom, r.pos) == (brca2.chrom, brca2.pos)}  # type: ignore[attr-defined]
    other = next(base for base in "ACGT" if base not in known and base != brca2.ref)
    vcf = vcf_writer([(brca2.chrom, brca2.pos, brca2.ref, other, ["0/1"])])
    assert assess(hereditary_bundle, vcf)["PATIENT"].result.rows == []


def test_multiallelic_record_matches_only_the_clinvar_allele(
    hereditary_bundle: KnowledgeBundle,
    mutyh: tuple[object, object],
    clinvar_records: Sequence[object],
    vcf_writer: Writer,
) -> None:
    first = mutyh[0]
    known = {r.alt for r in clinvar_records if (r.chrom, r.pos) == (first.chrom, first.pos)}  # type: ignore[attr-defined]
    other = next(b for b in "ACGT" if b not in known and b != first.ref)  # type: ignore[attr-defined]
    vcf = vcf_writer([(first.chrom, first.pos, first.ref, f"{other},{first.alt}", ["1/2"])])
    [found] = assess(hereditary_bundle, vcf)["PATIENT"].result.rows
    assert found.observation.genotype == f"{other}/{first.alt}"  # type: ignore[attr-defined]
    assert not found.reportable and found.reason.startswith("carrier")


def test_two_clinvar_alleles_at_one_position_are_in_trans(
    hereditary_bundle: KnowledgeBundle, clinvar_records: Sequence[object], vcf_writer: Writer
) -> None:
    by_position: dict[tuple[str, int], list[object]] = {}
    for r in clinvar_records:
        if r.gene == "MUTYH" and r.clnsig in PLP and is_snv(r):  # type: ignore[attr-defined]
            by_position.setdefault((r.chrom, r.pos), []).append(r)  # type: ignore[attr-defined]
    pair = next(records for records in by_position.values() if len(records) == 2)
    a, b = pair
    vcf = vcf_writer([(a.chrom, a.pos, a.ref, f"{a.alt},{b.alt}", ["1/2"])])  # type: ignore[attr-defined]
    rows = assess(hereditary_bundle, vcf)["PATIENT"].result.rows
    assert len(rows) == 2 and all(r.reportable and "in trans" in r.reason for r in rows)


def test_sample_selection_and_no_call(
    hereditary_bundle: KnowledgeBundle, pick: Callable[..., object], vcf_writer: Writer
) -> None:
    brca1 = pick(lambda r: r.gene == "BRCA1" and r.clnsig == "Pathogenic" and is_snv(r))
    vcf = vcf_writer([row(brca1, ["0/1", "./.", "0/0"])], samples=("A", "B", "C"))
    results = assess(hereditary_bundle, vcf)
    assert [len(results[s].result.rows) for s in "ABC"] == [1, 0, 0]
    brca1_coverage = next(c for c in results["B"].result.coverage if c.gene == "BRCA1")
    assert brca1_coverage.no_call == 1 and brca1_coverage.called == 0
    assert any("no-call" in item.reason for item in results["B"].limits)
    only = assess(hereditary_bundle, vcf, samples=["C"])
    assert list(only) == ["C"]


def test_absent_sites_are_unknown_unless_declared_reference(
    hereditary_bundle: KnowledgeBundle, pick: Callable[..., object], vcf_writer: Writer
) -> None:
    brca1 = pick(lambda r: r.gene == "BRCA1" and r.clnsig == "Pathogenic" and is_snv(r))
    vcf = vcf_writer([row(brca1, ["0/0"])])
    plain = assess(hereditary_bundle, vcf)["PATIENT"]
    assert any("absent from the VCF and not assumed reference" in item.reason for item in plain.limits)
    tp53 = next(c for c in plain.result.coverage if c.gene == "TP53")
    assert tp53.absent == tp53.sites and not tp53.assessed
    assert any("TP53" in item.item and "no called ClinVar site" in item.item for item in plain.limits)
    declared = assess(hereditary_bundle, vcf, absent_is_reference=True)["PATIENT"]
    assert declared.absent_is_reference
    assert any(item.reason == "assumed reference (declared by the user)" for item in declared.limits)
    brca1_sites = next(c for c in declared.result.coverage if c.gene == "BRCA1")
    assert brca1_sites.absent == 0 and brca1_sites.assumed_reference == brca1_sites.sites - 1
    # A file declared complete with no record near TP53 says nothing about TP53.
    assert next(c for c in declared.result.coverage if c.gene == "TP53").absent > 0


def test_genes_without_clinvar_records_and_invisible_classes_are_not_assessed(
    hereditary_bundle: KnowledgeBundle, pick: Callable[..., object], vcf_writer: Writer
) -> None:
    brca1 = pick(lambda r: r.gene == "BRCA1" and r.clnsig == "Pathogenic" and is_snv(r))
    limits = assess(hereditary_bundle, vcf_writer([row(brca1, ["0/1"])]))["PATIENT"].limits
    uncovered = next(item for item in limits if "ACMG SF v3.2 genes" in item.item)
    assert "LDLR" in uncovered.item and "BRCA1" not in uncovered.item
    assert any("repeat expansions" in item.item for item in limits)


def test_grch37_vcf_is_refused(
    hereditary_bundle: KnowledgeBundle, pick: Callable[..., object], vcf_writer: Writer
) -> None:
    brca1 = pick(lambda r: r.gene == "BRCA1" and r.clnsig == "Pathogenic" and is_snv(r))
    vcf = vcf_writer([row(brca1, ["0/1"])], build="GRCh37")
    with pytest.raises(InputError, match=r"GRCh37.*GRCh38"):
        assess(hereditary_bundle, vcf)


def test_min_stars_keeps_low_review_variants_listed_but_not_reportable(
    hereditary_bundle: KnowledgeBundle, pick: Callable[..., object], vcf_writer: Writer
) -> None:
    single = pick(
        lambda r: (
            r.gene == "BRCA2"
            and r.clnsig == "Pathogenic"
            and is_snv(r)
            and r.info["CLNREVSTAT"] == "criteria_provided,_single_submitter"
        )
    )
    vcf = vcf_writer([row(single, ["0/1"])])
    assert assess(hereditary_bundle, vcf)["PATIENT"].result.rows[0].reportable
    [found] = assess(hereditary_bundle, vcf, min_stars=2)["PATIENT"].result.rows
    assert not found.reportable and "below the minimum 2" in found.reason


def test_older_acmg_list_is_selectable(
    hereditary_bundle: KnowledgeBundle, pick: Callable[..., object], vcf_writer: Writer
) -> None:
    brca1 = pick(lambda r: r.gene == "BRCA1" and r.clnsig == "Pathogenic" and is_snv(r))
    result = assess(hereditary_bundle, vcf_writer([row(brca1, ["0/1"])]), acmg_version="3.1")["PATIENT"]
    assert result.result.acmg_version == "3.1" and result.result.rows[0].reportable


def _other_base(*bases: str) -> str:
    return next(b for b in "ACGT" if b not in bases)


def test_a_vcf_ref_that_is_clinvar_alt_is_never_a_match(
    hereditary_bundle: KnowledgeBundle, pick: Callable[..., object], vcf_writer: Writer
) -> None:
    """The record says REF G where ClinVar says REF A (ALT G): the sample's G is the file's reference, not a variant."""
    brca2 = pick(lambda r: r.gene == "BRCA2" and r.clnsig in PLP and is_snv(r))
    chrom, pos, ref, alt = brca2.chrom, brca2.pos, brca2.ref, brca2.alt  # type: ignore[attr-defined]
    wrong = vcf_writer([(chrom, pos, alt, _other_base(ref, alt), ["0/1"])])
    result = assess(hereditary_bundle, wrong)["PATIENT"]
    assert result.result.rows == []
    assert any(f"VCF REF {alt} differs from the knowledge REF {ref}" in w for w in result.warnings)
    right = vcf_writer([(chrom, pos, ref, alt, ["0/1"])])
    assert [row.observation.variant.alt for row in assess(hereditary_bundle, right)["PATIENT"].result.rows] == [alt]


def test_many_ref_mismatches_refuse_the_file(
    hereditary_bundle: KnowledgeBundle, pick: Callable[..., object], vcf_writer: Writer
) -> None:
    picked: list[object] = []
    for gene in ("BRCA1", "BRCA2", "MLH1"):
        picked.append(pick(lambda r, g=gene: r.gene == g and r.clnsig in PLP and is_snv(r), exclude=picked))
    rows = [(r.chrom, r.pos, r.alt, _other_base(r.ref, r.alt), ["0/1"]) for r in picked]  # type: ignore[attr-defined]
    with pytest.raises(InputError, match="REF bases disagree with the knowledge at 3 sites") as caught:
        assess(hereditary_bundle, vcf_writer(rows))
    assert "another build than GRCh38" in caught.value.message


def test_declared_complete_but_no_record_near_a_gene_is_not_told_to_declare_it(
    hereditary_bundle: KnowledgeBundle, pick: Callable[..., object], vcf_writer: Writer
) -> None:
    """With --absent-is-reference, sites of a gene whose region holds no record stay absent; the limit says why, and
    does not tell the user to declare what they declared."""
    brca1 = pick(lambda r: r.gene == "BRCA1" and r.clnsig == "Pathogenic" and is_snv(r))
    declared = assess(hereditary_bundle, vcf_writer([row(brca1, ["0/0"])]), absent_is_reference=True)["PATIENT"]
    tp53 = next(c for c in declared.result.coverage if c.gene == "TP53")
    assert tp53.absent == tp53.sites
    [absent] = [item for item in declared.limits if "TP53" in item.item and "positions" in item.item]
    assert "declare --absent-is-reference" not in absent.reason
    assert "no record at all in their gene's region" in absent.reason
