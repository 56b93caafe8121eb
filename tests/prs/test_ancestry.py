"""Ancestry adjustment against pgscatalog-calc's own output, and allele-frequency normalization against 1000G.

Expected values: ``pgscatalog-ancestry-adjust`` (pgscatalog-calc 0.3.1, the tool pgsc_calc runs) on the same files
with pgsc_calc's defaults (``-p SuperPop --n_popcomp 5 -n empirical mean mean+var --n_normalization 4``); see
docs/validation.md for the command. Across all 929 HGDP targets it agrees with us on every MostSimilarPop.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tailormed.engines.prs.frequency import Moments, variant_moments, z_score
from tailormed.engines.prs.matching import MatchOptions
from tailormed.knowledge.pgs_scoring import EffectType
from tailormed.model.genotype import BuildDetection, BuildSource, GenomeBuild
from tailormed.pipeline.prs import AdjustInputs, adjust_scores, read_scores, score_vcf

pytest.importorskip("sklearn", reason="ancestry adjustment needs the [ml] extra (scikit-learn)")

# IID, MostSimilarPop, percentile_MostSimilarPop, Z_MostSimilarPop, Z_norm1, Z_norm2 from pgscatalog-ancestry-adjust
EXPECTED = [
    ("HGDP00001", "SAS", 65.16634050880626, 0.3657432853723628, 0.6770295494299393, 0.6325425241802617),
    ("HGDP00163", "SAS", 34.24657534246575, -0.4047868964728847, -0.2444694684251973, -0.2254018183320923),
    ("HGDP00445", "SAS", 11.545988258317024, -1.2109173709083982, -1.0934339517626028, -1.025342285650889),
    ("HGDP00577", "EUR", 79.23809523809524, 0.8753019714124909, 0.9914359314663362, 0.9025644483927042),
    ("HGDP00684", "AMR", 42.73504273504273, -0.2210645293039895, -0.4973839576969341, -0.4429461068607426),
    ("HGDP00790", "EAS", 37.08086785009862, -0.2774901425953686, -0.2266105489382086, -0.2484408505078283),
    ("HGDP00914", "AFR", 26.72540381791483, -0.5578558181743665, -0.4930733694808264, -0.5788388041721321),
    ("HGDP01041", "AMR", 25.925925925925927, -0.6877449993631894, -0.9784791397809393, -1.012086447530618),
    ("HGDP01209", "EAS", 72.38658777120315, 0.5999224115095071, 0.7088690649203878, 0.7551959778453543),
    ("HGDP01310", "EAS", 24.65483234714004, -0.7064125291661825, -0.6851498854234322, -0.7453617687305111),
]


@pytest.mark.shared
def test_reproduces_pgscatalog_ancestry_adjust(risk_data: Path) -> None:
    ancestry, genotypes = risk_data / "ancestry", risk_data / "genotypes"
    inputs = AdjustInputs(
        reference_pcs=ancestry / "reference_1000G.pcs",
        target_pcs=ancestry / "target_HGDP.pcs",
        scores=ancestry / "aggregated_scores_PGS001229_reference_and_HGDP.txt.gz",
        psam=genotypes / "1000G_3202_samples.superpop.psam",
        related=genotypes / "1000G_related_samples.king.cutoff.id",
        reference_set="reference",
        target_set="hgdp",
    )
    [(pgs, adjusted, _)] = adjust_scores(inputs)
    assert pgs == "PGS001229_hmPOS_GRCh38" and len(adjusted.ids) == 929
    at = {sample: i for i, sample in enumerate(adjusted.ids)}
    for sample, population, percentile, z_pop, z1, z2 in EXPECTED:
        i = at[sample]
        assert adjusted.most_similar[i] == population, sample
        assert adjusted.percentile[i] == pytest.approx(percentile, abs=1e-9)
        assert adjusted.z_most_similar[i] == pytest.approx(z_pop, abs=1e-9)
        assert adjusted.z_norm1[i] == pytest.approx(z1, abs=1e-9)
        assert adjusted.z_norm2[i] == pytest.approx(z2, abs=1e-6)
    assert not adjusted.low_confidence[at["HGDP00001"]]


@pytest.mark.shared
def test_frequency_moments_match_1000g_europeans(
    kg_vcf: Path, pgs_dir: Path, risk_data: Path, site_groups: Any
) -> None:
    """Analytic mean/SD from EUR allele frequencies vs the empirical SUMs of the same unrelated EUR samples."""
    labels = {}
    for line in (risk_data / "genotypes" / "1000G_3202_samples.superpop.psam").read_text().splitlines()[1:]:
        fields = line.split("\t")
        labels[fields[0]] = fields[4]
    related = set((risk_data / "genotypes" / "1000G_related_samples.king.cutoff.id").read_text().split())
    europeans = [s for s, pop in labels.items() if pop == "EUR" and s not in related]
    scores = read_scores([pgs_dir / "PGS001229_hmPOS_GRCh38.normalised.txt.gz"])
    build = BuildDetection(build=GenomeBuild.GRCH38, source=BuildSource.USER, detail="test")
    run = score_vcf(kg_vcf, scores, None, build=build.build, samples=europeans, options=MatchOptions(min_overlap=0.0))
    result = run.scores[0]
    autosomal = [c for c in result.match.selected if not c.target_id.startswith("X:")]
    assert len(autosomal) < len(result.match.selected)  # chrX (haploid males) is left out of the analytic check
    mean, variance = 0.0, 0.0
    sums = np.zeros(len(result.samples))
    wanted = {c.target_id: c for c in autosomal}
    positions = {(f"chr{t.split(':')[0]}", int(t.split(":")[1])) for t in wanted}
    for group in site_groups(kg_vcf, positions, GenomeBuild.GRCH38, europeans):
        for record in group.records:
            chosen = wanted.get(record.target_id)
            if chosen is None:
                continue
            dosage = record.dosage(chosen.allele)
            p = float(dosage.mean() / 2.0)
            moments = variant_moments(p, chosen.weight, EffectType.ADDITIVE)
            mean += moments.mean
            variance += moments.variance
            sums += chosen.weight * dosage
    assert sums.mean() == pytest.approx(mean, rel=1e-9)  # E[SUM] = Σ 2p w holds exactly for sample frequencies
    assert sums.std(ddof=0) == pytest.approx(np.sqrt(variance), rel=0.05)  # HWE, no LD: within 5%
    z = z_score(float(sums[0]), Moments(mean, variance))
    assert z is not None and abs(z) < 5
