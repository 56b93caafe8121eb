"""A tumour VCF on another build than the one given or stated is refused, naming what was expected and what was found:
its records on one build's positions of known hotspots, with that build's reference base (BRAF V600: GRCh37
chr7:140453136 A, GRCh38 chr7:140753336 A, from the curated gene table), place its coordinates, so it never silently
matches nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tailormed.engines.onco.run import OncoKnowledge, match_profile
from tailormed.errors import InputError
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.model.genotype import GenomeBuild
from tailormed.pipeline.analyze import analyze_files
from tailormed.pipeline.onco import file_profile

DEMO = Path(__file__).resolve().parents[2] / "src" / "tailormed" / "demo" / "patients"
COLUMNS = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
# BRAF V600E and KRAS G12D at their GRCh37 coordinates (curated genes.yaml), plus a record at no hotspot.
GRCH37_RECORDS = (
    "7\t140453136\t.\tA\tT\t.\tPASS\t.\n12\t25398284\t.\tC\tT\t.\tPASS\t.\n5\t112175770\t.\tG\tA\t.\tPASS\t.\n"
)
GRCH38_LENGTHS = "##contig=<ID=7,length=159345973>\n##contig=<ID=12,length=133275309>\n"


def _vcf(tmp_path: Path, header: str = "", records: str = GRCH37_RECORDS) -> Path:
    path = tmp_path / "tumour.vcf"
    path.write_text(f"##fileformat=VCFv4.2\n{header}{COLUMNS}{records}", encoding="utf-8")
    return path


def test_a_grch37_vcf_read_as_grch38_is_refused_naming_both_builds(
    tmp_path: Path, core_knowledge: OncoKnowledge
) -> None:
    vcf = _vcf(tmp_path)
    with pytest.raises(InputError) as caught:
        file_profile("case", "COAD", core_knowledge, vcf=vcf, build=GenomeBuild.GRCH38)
    message = str(caught.value)
    assert str(vcf) in message
    assert "expected GRCh38 coordinates (given by --build)" in message
    assert "the records sit on GRCh37 positions of known cancer hotspots, with GRCh37's reference base" in message
    assert "(BRAF V600E at 7:140453136 (line 3), KRAS G12D/G12V/G12A at 12:25398284 (line 4))" in message
    assert "pass --build GRCh37" in message


def test_the_same_vcf_read_as_grch37_finds_braf_v600e_by_coordinate(
    tmp_path: Path, core_knowledge: OncoKnowledge
) -> None:
    profile = file_profile("case", "COAD", core_knowledge, vcf=_vcf(tmp_path), build=GenomeBuild.GRCH37)
    result = match_profile(profile, core_knowledge)
    braf = [m for m in result.matches if m.alteration.label == "BRAF V600E" and m.amp_tier == "I-A"]
    assert braf and braf[0].alteration.allele is not None and braf[0].alteration.allele.pos == 140453136


def test_a_header_that_says_grch38_over_grch37_records_is_refused(
    tmp_path: Path, core_knowledge: OncoKnowledge
) -> None:
    with pytest.raises(InputError, match=r"header says so: 7 length 159345973.*GRCh37 positions.*BRAF V600E"):
        file_profile("case", "COAD", core_knowledge, vcf=_vcf(tmp_path, GRCH38_LENGTHS))


def test_with_no_build_stated_or_given_the_refusal_names_the_hotspot_positions_seen(
    tmp_path: Path, core_knowledge: OncoKnowledge
) -> None:
    """Never guessed: the build must still be given, but the refusal says what the records suggest."""
    with pytest.raises(InputError) as caught:
        file_profile("case", "COAD", core_knowledge, vcf=_vcf(tmp_path))
    message = str(caught.value)
    assert "cannot tell the genome build" in message and "pass --build GRCh37|GRCh38" in message
    assert "(the records sit on GRCh37 positions of known cancer hotspots: BRAF V600E at 7:140453136" in message


def test_another_change_at_a_hotspot_position_places_the_build_too(
    tmp_path: Path, core_knowledge: OncoKnowledge
) -> None:
    # NRAS G12V (GRCh37 chr1:115258747 C>A): the core lists only G12D at this position, but its REF is GRCh37's
    vcf = _vcf(tmp_path, records="1\t115258747\t.\tC\tA\t.\tPASS\t.\n")
    with pytest.raises(InputError, match=r"GRCh37 positions .*\(NRAS G12D at 1:115258747 \(line 3\)\)"):
        file_profile("case", "COAD", core_knowledge, vcf=vcf, build=GenomeBuild.GRCH38)


def test_alleles_of_both_builds_or_of_none_are_not_evidence(tmp_path: Path, core_knowledge: OncoKnowledge) -> None:
    # a GRCh38 V600E as well: the records do not agree on a build, so they decide nothing
    both = GRCH37_RECORDS.replace("\n", "\n7\t140753336\t.\tA\tT\t.\tPASS\t.\n", 1)
    file_profile("case", "COAD", core_knowledge, vcf=_vcf(tmp_path, records=both), build=GenomeBuild.GRCH38)
    none = "5\t112175770\t.\tG\tA\t.\tPASS\t.\n"
    file_profile("case", "COAD", core_knowledge, vcf=_vcf(tmp_path, records=none), build=GenomeBuild.GRCH38)


@pytest.mark.slow
def test_analyze_refuses_the_tumour_vcf_of_the_other_build(tmp_path: Path, core_bundle: KnowledgeBundle) -> None:
    vcf = _vcf(tmp_path)
    with pytest.raises(InputError, match=r"expected GRCh38 coordinates.*BRAF V600E") as caught:
        analyze_files(
            DEMO / "demo-04-park.yaml", out_dir=tmp_path / "out", tumour_vcf=vcf, build=GenomeBuild.GRCH38,
            bundle=core_bundle, engines=["onco"], pdf=False,
        )  # fmt: skip
    assert str(vcf) in str(caught.value)
    assert not (tmp_path / "out").exists()
