"""pgsc_calc's matching rules and plink2's dosage conventions on small VCFs built here, one rule per test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tailormed.engines.prs.matching import MatchOptions, MatchStatus, MatchType, Reason
from tailormed.engines.prs.scoring import Imputation
from tailormed.errors import InputError
from tailormed.model.genotype import BuildDetection, BuildSource, GenomeBuild
from tailormed.pipeline.prs import overlap_error, read_scores, score_vcf

BUILD = BuildDetection(build=GenomeBuild.GRCH38, source=BuildSource.USER, detail="test")


def vcf(tmp_path: Path, records: list[str], samples: tuple[str, ...] = ("S1", "S2")) -> Path:
    lines = [
        "##fileformat=VCFv4.2",
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]),
    ]
    for record in records:
        chrom, pos, ref, alt, *calls = record.split()
        lines.append("\t".join([chrom, pos, ".", ref, alt, ".", ".", ".", "GT", *calls]))
    path = tmp_path / "target.vcf"
    path.write_text("\n".join(lines) + "\n")
    return path


def scoring(tmp_path: Path, rows: list[str], extra: str = "") -> Path:
    columns = "chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight" + (f"\t{extra}" if extra else "")
    text = "#format_version=2.0\n#pgs_id=PGS000999\n#genome_build=GRCh38\n" + columns + "\n"
    text += "".join("\t".join(row.split()) + "\n" for row in rows)
    path = tmp_path / "PGS000999.txt"
    path.write_text(text)
    return path


def run(tmp_path: Path, records: list[str], rows: list[str], **options: object) -> tuple:  # type: ignore[type-arg]
    extra = str(options.pop("extra", ""))
    imputation = options.pop("imputation", None)
    scores = read_scores([scoring(tmp_path, rows, extra)])
    result = score_vcf(
        vcf(tmp_path, records),
        scores,
        None,
        build=BUILD.build,
        options=MatchOptions(min_overlap=0.0, **options),  # type: ignore[arg-type]
        imputation=imputation,  # type: ignore[arg-type]
    )
    return result, result.scores[0]


def test_match_types_and_dosage_orientation(tmp_path: Path) -> None:
    records = ["1 100 A G 0/1 1/1", "1 200 C T 0/0 0/1", "1 300 A C 1/1 0/0", "1 400 G T 0/1 0/0"]
    rows = [
        "1 100 A G 1.0",  # refalt: effect = REF
        "1 200 T C 10.0",  # altref: effect = ALT
        "1 300 T G 100.0",  # refalt_flip: complement of T/G is A/C
        "1 400 A C 1000.0",  # altref_flip: complement of A/C is T/G
    ]
    _, result = run(tmp_path, records, rows)
    kinds = [row.match_type for row in result.match.log]
    assert kinds == [MatchType.REFALT, MatchType.ALTREF, MatchType.REFALT_FLIP, MatchType.ALTREF_FLIP]
    # S1: REF dosage 1 at 100, T dosage 0 at 200, REF(A) dosage 0 at 300, ALT(T) dosage 1 at 400
    np.testing.assert_allclose(result.sums, [1 * 1 + 0 + 0 + 1000 * 1, 0 + 10 * 1 + 100 * 2 + 0])
    np.testing.assert_array_equal(result.denom, [8, 8])


def test_ambiguous_multiallelic_and_duplicates_are_excluded_by_default(tmp_path: Path) -> None:
    records = ["1 100 A T 0/1 0/1", "1 200 C G,T 0/1 0/2", "1 300 G A 0/1 0/1", "1 400 C T 0/1 0/1"]
    rows = ["1 100 A T 1", "1 200 T C 1", "1 300 A G 1", "1 300 G A 2", "1 400 T C 1", "1 500 A G 1"]
    _, result = run(tmp_path, records, rows)
    reasons = [row.reason for row in result.match.log]
    assert reasons == [
        Reason.AMBIGUOUS,
        Reason.MULTIALLELIC,
        Reason.DUPLICATE,
        Reason.DUPLICATE,
        None,
        Reason.ABSENT,
    ]
    assert result.match.matched == 1 and result.match.match_rate == pytest.approx(1 / 6)
    _, kept = run(tmp_path, records, rows, keep_ambiguous=True, keep_multiallelic=True)
    assert [row.status for row in kept.match.log][:2] == [MatchStatus.MATCHED, MatchStatus.MATCHED]


def test_best_match_type_wins_and_flips_can_be_skipped(tmp_path: Path) -> None:
    records = ["1 100 A G 0/1 0/0"]
    _, result = run(tmp_path, records, ["1 100 T C 1"], skip_flip=True)
    assert result.match.log[0].reason == Reason.FLIP_SKIPPED
    _, result = run(tmp_path, records, ["1 100 G A 1"])
    assert result.match.log[0].match_type == MatchType.ALTREF


def test_dominant_and_recessive_weights(tmp_path: Path) -> None:
    records = ["1 100 A G 1/1 0/1"]
    _, dominant = run(tmp_path, records, ["1 100 G A 1 True False"], extra="is_dominant\tis_recessive")
    np.testing.assert_allclose(dominant.sums, [1, 1])
    _, recessive = run(tmp_path, records, ["1 100 G A 1 False True"], extra="is_dominant\tis_recessive")
    np.testing.assert_allclose(recessive.sums, [1, 0])


def test_missing_genotypes_mean_imputation_or_none(tmp_path: Path) -> None:
    records = ["1 100 A G ./. 1/1"]
    _, mean = run(tmp_path, records, ["1 100 G A 1"], imputation=Imputation.MEAN)
    np.testing.assert_allclose(mean.sums, [2.0, 2.0])  # the only called sample has dosage 2
    np.testing.assert_array_equal(mean.denom, [2, 2])
    _, none = run(tmp_path, records, ["1 100 G A 1"], imputation=Imputation.NONE)
    np.testing.assert_allclose(none.sums, [0.0, 2.0])
    np.testing.assert_array_equal(none.denom, [0, 2])
    assert none.missing.tolist() == [1, 0]
    assert np.isnan(none.avg[0])


def test_haploid_calls_count_double_like_plink2(tmp_path: Path) -> None:
    _, result = run(tmp_path, ["X 100 A G 1 0/1"], ["X 100 G A 1"])
    np.testing.assert_allclose(result.sums, [2, 1])
    np.testing.assert_array_equal(result.denom, [2, 2])


def test_absent_sites_assumed_reference_only_when_declared_and_ref_known(tmp_path: Path) -> None:
    scores = read_scores([scoring(tmp_path, ["1 100 G A 1", "1 200 C T 5", "1 300 A G 7"])])
    target = vcf(tmp_path, ["1 100 A G 0/1 1/1"])
    plain = score_vcf(target, scores, None, build=BUILD.build, options=MatchOptions(min_overlap=0.0)).scores[0]
    assert plain.match.count(Reason.ABSENT) == 2
    declared = score_vcf(
        target,
        scores,
        None,
        build=BUILD.build,
        options=MatchOptions(min_overlap=0.0, absent_is_reference=True),
        reference_alleles={("chr1", 200): "C", ("chr1", 300): "G"},
    ).scores[0]
    assert declared.match.assumed_reference == 2
    np.testing.assert_allclose(declared.sums, [1 + 10, 2 + 10])  # C/C carries two effect alleles, G/G none


def test_absent_site_with_unknown_reference_is_refused_naming_it(tmp_path: Path) -> None:
    scores = read_scores([scoring(tmp_path, ["1 100 G A 1", "1 200 C T 5", "1 300 A G 7"])])
    target = vcf(tmp_path, ["1 100 A G 0/1 1/1"])
    with pytest.raises(InputError) as error:
        score_vcf(
            target,
            scores,
            None,
            build=BUILD.build,
            options=MatchOptions(min_overlap=0.0, absent_is_reference=True),
            reference_alleles={("chr1", 200): "C"},
        )
    message = str(error.value)
    assert "PGS000999 variant chr1:300 (effect A, other G; line 7)" in message
    assert "1 of 3 variants" in message and "--reference FASTA" in message


def test_absent_site_whose_reference_is_neither_allele_is_unmatched(tmp_path: Path) -> None:
    scores = read_scores([scoring(tmp_path, ["1 100 G A 1", "1 200 CA C 5"])])
    target = vcf(tmp_path, ["1 100 A G 0/1 1/1"])
    declared = score_vcf(
        target,
        scores,
        None,
        build=BUILD.build,
        options=MatchOptions(min_overlap=0.0, absent_is_reference=True),
        reference_alleles={("chr1", 200): "T"},  # neither CA nor C, on either strand
    ).scores[0]
    assert declared.match.count(Reason.ABSENT_REF_OTHER) == 1
    np.testing.assert_allclose(declared.sums, [1, 2])


def test_overlap_below_minimum_is_an_error_with_numbers(tmp_path: Path) -> None:
    result, _ = run(tmp_path, ["1 100 A G 0/1 0/1"], ["1 100 G A 1", "1 200 C T 1"])
    result.options = MatchOptions(min_overlap=0.75)
    error = overlap_error(result)
    assert isinstance(error, InputError)
    assert "PGS000999: 1 of 2 variants matched (50.0% < 75%; 1 absent)" in str(error)


def test_overlap_just_below_the_minimum_reads_below_it(tmp_path: Path) -> None:
    """1 of 101 is 0.990%: the message must not say "1.0% < 1%"."""
    rows = ["1 100 G A 1", *(f"1 {200 + i} C T 1" for i in range(100))]
    result, _ = run(tmp_path, ["1 100 A G 0/1 0/1"], rows)
    result.options = MatchOptions(min_overlap=0.01)
    error = overlap_error(result)
    assert isinstance(error, InputError)
    assert "PGS000999: 1 of 101 variants matched (0.99% < 1%; 100 absent)" in str(error)
