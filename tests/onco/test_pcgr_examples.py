"""PCGR's example tumours (GRCh38): biomarkers found by coordinate, CNA segments and fusion lists."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

from tailormed.engines.onco.run import OncoKnowledge, match_profile
from tailormed.model.genotype import GenomeBuild
from tailormed.pipeline.onco import file_profile


def test_coad_braf_v600e_found_by_grch38_coordinate(shared_data: Path, core_knowledge: OncoKnowledge) -> None:
    folder = shared_data / "onco" / "pcgr_examples"
    profile = file_profile(
        "T001-COAD", "COAD", core_knowledge, vcf=folder / "T001-COAD.grch38.vcf.gz", build=GenomeBuild.GRCH38
    )
    result = match_profile(profile, core_knowledge)
    braf = [m for m in result.matches if m.alteration.label == "BRAF V600E"]
    assert braf and all(m.matched_level.value == "genomic" for m in braf if m.row.biomarker.label == "BRAF V600E")
    assert braf[0].alteration.allele is not None and braf[0].alteration.allele.pos == 140753336
    tier_one = {(m.row.therapy, m.row.significance.value) for m in braf if m.amp_tier == "I-A"}
    assert ("encorafenib + cetuximab", "sensitivity") in tier_one
    assert ("dabrafenib + trametinib", "sensitivity") not in tier_one  # the tumour-agnostic label excludes CRC
    tier_one_b = {(m.row.therapy, m.row.significance.value) for m in braf if m.amp_tier == "I-B"}
    assert ("cetuximab", "resistance") in tier_one_b
    assert ("panitumumab", "resistance") in tier_one_b


def test_brca_pik3ca_h1047r_and_copy_number(shared_data: Path, core_knowledge: OncoKnowledge) -> None:
    folder = shared_data / "onco" / "pcgr_examples"
    profile = file_profile(
        "T001-BRCA", "BRCA", core_knowledge, vcf=folder / "T001-BRCA.grch38.vcf.gz", build=GenomeBuild.GRCH38,
        cna=folder / "T001-BRCA.grch38.cna.tsv", fusions=folder / "T001-BRCA.grch38.fusions.tsv",
    )  # fmt: skip
    result = match_profile(profile, core_knowledge)
    found = {(m.row.gene, m.row.therapy, m.amp_tier) for m in result.matches}
    # ERBB2 is amplified (9 copies): HER2-positive, so the HER2-negative PI3K-pathway labels are off-label (II-C)
    # with the reason named, and the HER2-positive breast labels apply.
    assert ("ERBB2", "trastuzumab", "I-A") in found
    for therapy in ("alpelisib + fulvestrant", "capivasertib + fulvestrant", "inavolisib + palbociclib + fulvestrant"):
        (pik3ca,) = [m for m in result.matches if m.row.gene == "PIK3CA" and m.row.therapy == therapy]
        assert pik3ca.amp_tier == "II-C"
        assert "ERBB2 amplification" in (pik3ca.relation_note or "")
    assert ("ALK", "alectinib", "II-C") in found  # EML4--ALK from the fusion list, approved in NSCLC only
    assert ("NTRK1", "larotrectinib", "I-A") in found
    amplified = {a.gene for a in profile.alterations if a.kind.value == "amplification"}
    segments = _segments(folder / "T001-BRCA.grch38.cna.tsv")
    # ERBB2 GRCh38 chr17:39,687,914-39,730,426: the segment covering it decides, computed here independently
    cover = [total for chrom, start, end, total in segments if chrom == "17" and start <= 39730426 and end >= 39687914]
    assert ("ERBB2" in amplified) == (max(cover) >= 6)


def test_hotspot_grch38_alleles_are_in_the_pcgr_vcfs(shared_data: Path) -> None:
    folder = shared_data / "onco" / "pcgr_examples"
    sites = set()
    for name in ("T001-COAD.grch38.vcf.gz", "T001-BRCA.grch38.vcf.gz"):
        with gzip.open(folder / name, "rt") as handle:
            sites |= {tuple(line.split("\t")[:5:]) for line in handle if not line.startswith("#")}
    assert ("7", "140753336", ".", "A", "T") in sites  # BRAF V600E as in genes.yaml
    assert ("3", "179234297", ".", "A", "G") in sites  # PIK3CA H1047R as in genes.yaml


def _segments(path: Path) -> list[tuple[str, int, int, int]]:
    with path.open() as handle:
        return [
            (r["Chromosome"], int(r["Start"]), int(r["End"]), int(r["nMajor"]) + int(r["nMinor"]))
            for r in csv.DictReader(handle, delimiter="\t")
        ]
