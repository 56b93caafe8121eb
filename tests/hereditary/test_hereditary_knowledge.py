"""ClinVar and ACMG SF importers against the upstream files, and the curated rules and management."""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pytest

from tailormed.errors import KnowledgeError
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.hereditary import acmg, clinvar
from tailormed.knowledge.hereditary.load import load_hereditary
from tailormed.knowledge.hereditary.management import load_curated_file
from tailormed.knowledge.hereditary.models import AcmgList, ClinvarVariant, RuleKind, Significance
from tailormed.knowledge.importers.acmg_sf import read_acmg_table
from tailormed.model.genotype import GenomeBuild
from tailormed.pipeline.hereditary import CONSUMER, hereditary_request

PLP_TABLE = Path("risk") / "clinvar" / "clinvar_20260226_GRCh38_hereditary_cancer_genes_subset.PLP.tsv.gz"
ACMG = Path("risk") / "acmg_sf"


def test_clinvar_plp_alleles_and_stars_match_the_derived_plp_table(
    hereditary_bundle: KnowledgeBundle, shared_data: Path
) -> None:
    """The PLP table (derived upstream, with its own gold-star column) lists exactly our plain P/LP alleles."""
    with gzip.open(shared_data / PLP_TABLE, "rt", encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        expected = {}
        for line in handle:
            row = dict(zip(header, line.rstrip("\n").split("\t"), strict=True))
            expected[(f"chr{row['chrom']}", int(row["pos"]), row["ref"], row["alt"])] = int(row["gold_stars"])
    plain = {"Pathogenic", "Likely_pathogenic", "Pathogenic/Likely_pathogenic"}
    ours = {
        (v.chrom, v.pos, v.ref, v.alt): v.stars for v in clinvar.load_clinvar(hereditary_bundle) if v.clnsig in plain
    }
    assert len(expected) == 15292
    no_alt = {key for key in expected if key[3] == "."}  # no sequence ALT: cannot be matched, dropped and counted
    assert len(no_alt) == 1 and "1 without a sequence ALT" in (hereditary_bundle.source(clinvar.SOURCE).notes or "")
    assert ours == {key: stars for key, stars in expected.items() if key not in no_alt}


def test_clinvar_keeps_conflicting_only_with_a_pathogenic_submission(hereditary_bundle: KnowledgeBundle) -> None:
    variants = clinvar.load_clinvar(hereditary_bundle)
    conflicting = [v for v in variants if v.significance is Significance.CONFLICTING]
    assert len(conflicting) == 631
    assert all(
        v.conflicts and ("Pathogenic(" in v.conflicts or "Likely_pathogenic(" in v.conflicts) for v in conflicting
    )
    assert not any("enign" in v.clnsig.split("|")[0] for v in variants)
    release = clinvar.load_release(hereditary_bundle)
    assert release.file_date == "2026-02-26" and release.records_read == 69302
    assert hereditary_bundle.source(clinvar.SOURCE).version == "2026-02-26"


def test_acmg_versions_genes_and_rules(hereditary_bundle: KnowledgeBundle) -> None:
    assert acmg.available_versions(hereditary_bundle) == ["3.1", "3.2", "3.3"]
    counts = {v: len(acmg.load_acmg(hereditary_bundle, v).genes) for v in ("3.1", "3.2", "3.3")}
    assert counts == {"3.1": 78, "3.2": 81, "3.3": 84}
    v32 = acmg.load_acmg(hereditary_bundle)
    assert v32.version == "3.2" and "37347242" in v32.citation
    assert v32.gene("CALM1") is not None and acmg.load_acmg(hereditary_bundle, "3.1").gene("CALM1") is None
    scn5a = v32.gene("SCN5A")
    assert scn5a is not None and len(scn5a.conditions) == 3
    curated = load_curated_file()
    kinds = {g.gene: curated.rule(g.variants_to_report).kind for g in v32.genes}  # type: ignore[union-attr]
    assert {g for g, k in kinds.items() if k is RuleKind.BIALLELIC} == {
        "ATP7B",
        "BTD",
        "CASQ2",
        "GAA",
        "MUTYH",
        "RPE65",
    }
    assert kinds["HFE"] is RuleKind.NAMED_HOMOZYGOUS and kinds["TTN"] is RuleKind.TRUNCATING
    assert kinds["GLA"] is RuleKind.ANY and kinds["TRDN"] is RuleKind.ANY
    abcd1 = acmg.load_acmg(hereditary_bundle, "3.3").gene("ABCD1")
    assert abcd1 is not None and curated.rule(abcd1.variants_to_report).kind is RuleKind.HEMIZYGOUS_OR_BIALLELIC  # type: ignore[union-attr]
    with pytest.raises(KnowledgeError, match=r"v9\.9 is not in the knowledge bundle.*3\.1, 3\.2, 3\.3"):
        acmg.load_acmg(hereditary_bundle, "9.9")


def test_every_acmg_gene_has_curated_management(hereditary_bundle: KnowledgeBundle) -> None:
    curated = load_curated_file()
    genes = {g.gene for v in ("3.1", "3.2", "3.3") for g in acmg.load_acmg(hereditary_bundle, v).genes}
    assert sorted(g for g in genes if not curated.for_gene(g)) == []
    assert all(entry.citations and len(entry.management) < 400 for entry in curated.management)


def test_unknown_reporting_phrase_fails_at_build_time(shared_data: Path, tmp_path: Path) -> None:
    text = (shared_data / ACMG / "acmg_sf_v3.2.tsv").read_text(encoding="utf-8")
    broken = tmp_path / "acmg_sf_v3.2.tsv"
    broken.write_text(text.replace("P and LP (2 variants)", "Only on Tuesdays", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match="'Only on Tuesdays' has no rule") as caught:
        read_acmg_table(broken, "3.2")
    assert caught.value.location is not None and caught.value.location.startswith("line ")


def test_table_newer_than_its_name_is_refused(shared_data: Path) -> None:
    with pytest.raises(KnowledgeError, match=r"entered the list in v3\.3"):
        read_acmg_table(shared_data / ACMG / "acmg_sf_v3.3_varfish_index_snapshot.tsv", "3.2")


def test_judged_genes_are_found_once_for_the_request_and_the_coverage(hereditary_bundle: KnowledgeBundle) -> None:
    """The genome request and the per-gene coverage group the same alleles by the same genes, found in one pass."""
    passes: list[int] = []

    class CountingList(AcmgList):
        def judged_genes(self, variants: Iterable[ClinvarVariant]) -> list[str]:
            found = super().judged_genes(variants)
            passes.append(len(found))
            return found

    loaded = load_hereditary(hereditary_bundle)
    counting = CountingList.model_validate(loaded.acmg.model_dump())
    knowledge = replace(loaded, acmg=counting)
    request = hereditary_request(knowledge)
    by_gene = knowledge.sites_by_gene
    assert passes == [len(loaded.clinvar)]
    assert knowledge.judged_genes == loaded.acmg.judged_genes(loaded.clinvar)
    wanted = request.loci[CONSUMER][GenomeBuild.GRCH38]
    assert {locus.key for locus in wanted.loci} == set().union(*by_gene.values())


def test_management_has_no_unquoted_parts_and_htad_genes_do_not_get_the_marfan_schedule() -> None:
    """The Marfan imaging schedule is quoted for FBN1 only; the other heritable aortic genes get what the 2022
    ACC/AHA guideline text read says for them, and are told the gene-specific schedules were not read."""
    curated = load_curated_file()
    assert [entry.condition for entry in curated.management if entry.unsourced] == []
    (marfan,) = curated.for_gene("FBN1")
    assert "6 months later" in marfan.management
    for gene in ("TGFBR1", "TGFBR2", "SMAD3", "ACTA2", "MYH11", "COL3A1"):
        (entry,) = curated.for_gene(gene)
        assert "6 months" not in entry.management and "beta-blocker" not in entry.management
        assert "imaging schedules and medicines for these genes were not read" in entry.management
