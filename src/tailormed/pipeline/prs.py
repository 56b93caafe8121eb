"""The polygenic-score pipeline: scoring files and genome evidence in, per-sample SUM/DENOM/AVG and match statistics.

The evidence stage reads the records at the scoring files' positions (:func:`score_request` says which, in every
build a file has positions for; their alleles also vote on a silent header's build); the pure stages of
:mod:`tailormed.engines.prs` match and sum them. The care-plan entry point is :mod:`tailormed.pipeline.prs_engine`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np

from tailormed.engines.prs.matching import Matcher, MatchOptions, Reason
from tailormed.engines.prs.scoring import Imputation, PrsRun, Scorer
from tailormed.errors import InputError
from tailormed.evidence.bed import RegionSet
from tailormed.evidence.scores import ScoreCollector
from tailormed.evidence.site_set import SiteSet
from tailormed.knowledge.pgs_scoring import ScoringFile, read_scoring_file
from tailormed.model.dosage import SiteBlock, SiteGroup
from tailormed.model.evidence import AbsentPolicy, GenomeRequest, ScoreSites
from tailormed.model.genotype import BuildDetection, BuildMarker, BuildSource, GenomeBuild

if TYPE_CHECKING:  # the PLINK 2 and BGEN paths need neither the knowledge bundle, the ancestry engine nor htslib
    from tailormed.engines.prs.ancestry import Adjusted
    from tailormed.evidence.read import Progress
    from tailormed.evidence.reference import ReferenceGenome
    from tailormed.knowledge.bundle import KnowledgeBundle


def read_scores(paths: Sequence[Path]) -> list[ScoringFile]:
    """Parse scoring files; two files for the same score are an error (their sums would be ambiguous)."""
    scores = [read_scoring_file(path) for path in paths]
    seen: dict[str, Path] = {}
    for score in scores:
        if score.name in seen:
            raise InputError(f"score {score.name} is given twice (also {seen[score.name]})", source=score.path)
        seen[score.name] = score.path
    return scores


def score_request(scores: Sequence[ScoringFile]) -> GenomeRequest:
    """The scoring files' positions in every build they have, with effect and other allele (for build votes): a few
    columns per build (:class:`ScoreSites`), read back from the files' spills a chunk at a time. The columns are a
    parsed scoring file's (canonical chromosomes, positions from 1, the rows without a position left out), so they
    are not validated again: that took 0.2 s per million variants."""
    columns: dict[GenomeBuild, tuple[list[str], list[int], list[str | None], list[str | None]]] = {}
    for score in scores:
        for build in score.builds:
            chroms, positions, effects, others = columns.setdefault(build, ([], [], [], []))
            for part in score.blocks(build):
                rows = [row for row, chrom in enumerate(part.chrom) if chrom is not None]
                whole = len(rows) == len(part.chrom)
                chroms += cast(tuple[str, ...], part.chrom) if whole else [cast(str, part.chrom[row]) for row in rows]
                positions += part.pos.tolist() if whole else part.pos[rows].tolist()
                effects += part.effect_allele if whole else [part.effect_allele[row] for row in rows]
                others += part.other_allele if whole else [part.other_allele[row] for row in rows]
    return GenomeRequest(
        scores={
            build: ScoreSites.model_construct(
                chrom=tuple(chrom), pos=tuple(pos), effect=tuple(effect), other=tuple(other)
            )
            for build, (chrom, pos, effect, other) in columns.items()
        }
    )


def score_sites(scores: Sequence[ScoringFile], build: GenomeBuild) -> set[tuple[str, int]]:
    """The (chromosome, position) sites of :func:`score_request` in ``build``, read off the scoring files' spills
    (no request object per variant, for a reader that needs only the sites)."""
    sites: set[tuple[str, int]] = set()
    for score in scores:
        if build in score.builds:
            for chrom in score.chromosomes(build):
                sites.update((chrom, pos) for pos in score.rows(build, chrom).pos.tolist())
    return sites


def score_vcf(
    vcf: Path,
    scores: Sequence[ScoringFile],
    bundle: KnowledgeBundle | None,
    *,
    samples: Sequence[str] | None = None,
    build: GenomeBuild | None = None,
    options: MatchOptions | None = None,
    imputation: Imputation | None = None,
    reference_alleles: Mapping[tuple[str, int], str] | None = None,
    reference: Path | None = None,
    on_progress: Progress | None = None,
    markers: Sequence[BuildMarker] | None = None,
) -> PrsRun:
    """Every sample of a VCF scored (``prs score``): one pass at the scores' positions, matched and summed.

    The build comes from the header, else from REF bases at the build markers (``markers``, else the bundle's, else
    none) and the scores' own positions and alleles; ``build`` settles a silent header. With ``absent_is_reference``
    the reference alleles fill positions the VCF lacks: given, else read from the ``reference`` FASTA (which must
    agree with the VCF's REF bases), else the bundle's. A variant whose reference allele stays unknown is refused
    (:func:`unknown_reference_error`), never scored as missing.
    """
    from tailormed.evidence.read import read_genomes
    from tailormed.evidence.reference import ReferenceGenome

    options = options or MatchOptions()
    genome = ReferenceGenome.open(reference) if reference is not None else None
    request = score_request(scores)
    if markers is None and bundle is not None:
        from tailormed.knowledge.markers import build_markers

        markers = build_markers(bundle)
    if markers is not None:
        request = request.merged(GenomeRequest(markers=list(markers)))
    absent = AbsentPolicy.resolve(True if options.absent_is_reference else None, None)
    if genome is None and reference_alleles is None and not options.absent_is_reference:
        # Nothing to learn from the whole set of records first: each position's records are matched and summed as
        # they are read.
        streams: dict[GenomeBuild, ScoreStream] = {}

        def stream(candidate: GenomeBuild, names: Sequence[str]) -> ScoreStream:
            streams[candidate] = ScoreStream(scores, candidate, names, options, imputation)
            return streams[candidate]

        batch = read_genomes(
            vcf, request, samples=samples, build=build, absent=absent, on_progress=on_progress, score_sink=stream
        )
        chosen = streams.get(batch.build.build)
        if chosen is None:  # no position of the scores in the file's build: finish says which file to use
            chosen = ScoreStream(scores, batch.build.build, batch.samples, options, imputation)
        return chosen.finish(source=batch.source.label, build=batch.build)
    batch = read_genomes(vcf, request, samples=samples, build=build, absent=absent, on_progress=on_progress)
    groups = batch.score_groups or []
    references = reference_alleles
    if references is None and genome is not None:
        genome.check_against(groups, batch.source.label)
        if options.absent_is_reference:
            references = fasta_reference_alleles(genome, scores, batch.build.build, groups)
    if references is None and options.absent_is_reference and bundle is not None:
        references = bundle_reference_alleles(bundle, batch.build.build)
    run = score_groups(
        groups,
        scores,
        source=batch.source.label,
        build=batch.build,
        samples=batch.samples,
        options=options,
        imputation=imputation,
        reference_alleles=references,
    )
    unknown = unknown_reference_error(run, fasta=genome is not None)
    if unknown is not None:
        raise unknown
    return run


def score_pgen(
    prefix: Path,
    scores: Sequence[ScoringFile],
    build: GenomeBuild,
    *,
    samples: Sequence[str] | None = None,
    options: MatchOptions | None = None,
    imputation: Imputation | None = None,
    restrict: RegionSet | None = None,
) -> PrsRun:
    """Every sample of a PLINK 2 fileset scored: the variants at the scores' positions, matched and summed.

    A ``.pgen`` names no build, so ``build`` is the caller's; the match and the sums are those of :func:`score_vcf`.
    With ``restrict``, the variants outside its regions are not read (as if absent from the fileset).
    """
    from tailormed.evidence.pgen import PgenFileset, read_pgen_blocks

    options = options or MatchOptions()
    if options.absent_is_reference:
        raise InputError("--absent-is-reference applies to single-sample VCFs, not to a PLINK 2 fileset", source=prefix)
    fileset = PgenFileset.open(prefix)
    sites = score_sites(scores, build)
    positions = SiteSet.of_pairs(sites if restrict is None else (site for site in sites if restrict.contains(*site)))
    detection = BuildDetection(build=build, source=BuildSource.USER, detail="given for the PLINK 2 fileset")
    chosen = list(samples) if samples is not None else list(fileset.samples)
    stream = ScoreStream(scores, build, chosen, options, imputation)
    collector = ScoreCollector(positions, stream)
    for block in read_pgen_blocks(fileset, positions, samples):
        collector.add_block(block)
    collector.finish()
    return stream.finish(source=fileset.label, build=detection)


def score_bgen(
    path: Path,
    scores: Sequence[ScoringFile],
    build: GenomeBuild,
    *,
    sample_file: Path | None = None,
    samples: Sequence[str] | None = None,
    options: MatchOptions | None = None,
    imputation: Imputation | None = None,
) -> PrsRun:
    """Every sample of a BGEN file scored (its ``.sample`` file, default the one beside it, names them): the
    variants at the scores' positions, their calls or expected dosages (:func:`tailormed.evidence.bgen.read_bgen_sites`)
    matched and summed as :func:`score_vcf` sums calls. A BGEN names no build, so ``build`` is the caller's."""
    from tailormed.evidence.bgen import BgenInput, read_bgen_sites

    options = options or MatchOptions()
    if options.absent_is_reference:
        raise InputError("--absent-is-reference applies to single-sample VCFs, not to a BGEN file", source=path)
    source = BgenInput.open(path, sample_file)
    chosen = list(samples) if samples is not None else list(source.samples)
    positions = score_sites(scores, build)
    detection = BuildDetection(build=build, source=BuildSource.USER, detail="given for the BGEN file")
    return score_groups(
        read_bgen_sites(source, positions, chosen),
        scores,
        source=source.label,
        build=detection,
        samples=chosen,
        options=options,
        imputation=imputation,
    )


def fasta_reference_alleles(
    genome: ReferenceGenome, scores: Sequence[ScoringFile], build: GenomeBuild, groups: Sequence[SiteGroup]
) -> dict[tuple[str, int], str]:
    """Reference alleles from the FASTA at the scored positions the VCF has no record for."""
    from tailormed.evidence.reference import reference_alleles

    present = {(group.chrom, group.pos) for group in groups}
    alleles: dict[tuple[str, int], set[str]] = {}
    for score in scores:
        if build not in score.builds:
            continue
        for part in score.blocks(build):
            for row, (chrom, pos) in enumerate(zip(part.chrom, part.pos.tolist(), strict=True)):
                if chrom is None or (chrom, pos) in present:
                    continue
                found = alleles.setdefault((chrom, pos), set())
                found.add(part.effect_allele[row])
                other = part.other_allele[row]
                if other is not None:
                    found.add(other)
    return reference_alleles(genome, sorted(alleles.items()))


def unknown_reference_error(run: PrsRun, *, fasta: bool) -> InputError | None:
    """With absent-is-reference, an error naming the first scored variant whose reference allele is unknown."""
    if not run.options.absent_is_reference:
        return None
    for result in run.scores:
        unknown = result.match.count(Reason.ABSENT_REF_UNKNOWN)
        if not unknown:
            continue
        first = next(row for row in result.match.log_rows() if row.reason is Reason.ABSENT_REF_UNKNOWN)
        line = int(result.match.score.table(result.match.build).lines[first.row])
        alleles = f"effect {first.effect_allele}, other {first.other_allele or 'not given'}"
        why = (
            "the FASTA fits both alleles (an insertion and a deletion look alike)"
            if fasta
            else "neither the scoring file nor the knowledge bundle gives it and no --reference FASTA was given"
        )
        return InputError(
            f"--absent-is-reference: {result.match.score.name} variant {first.chrom}:{first.pos} ({alleles}; "
            f"line {line}) is absent from the VCF and its reference allele is unknown: {why}; "
            f"{unknown} of {result.match.total} variants are affected. Give the reference genome with "
            "--reference FASTA, or drop --absent-is-reference to count absent sites as missing",
            source=run.vcf,
        )
    return None


class ScoreStream:
    """Several scores matched and summed in one build as the site groups arrive, a block of variants at a time: the
    memory held is the scores' match logs and sums, whatever the number of variants read."""

    def __init__(
        self,
        scores: Sequence[ScoringFile],
        build: GenomeBuild,
        samples: Sequence[str],
        options: MatchOptions | None = None,
        imputation: Imputation | None = None,
        reference_alleles: Mapping[tuple[str, int], str] | None = None,
    ) -> None:
        self.scores = scores
        self.options = options or MatchOptions()
        usable = [score for score in scores if build in score.builds]
        self.matcher = Matcher(usable, build, self.options, reference_alleles)
        self.scorer = Scorer(self.matcher.results, list(samples), imputation)

    def add(self, group: SiteGroup) -> None:
        self.scorer.add(self.matcher.add_group(group))

    def add_block(self, block: SiteBlock) -> None:
        self.scorer.add_block(self.matcher.add_block(block))

    def finish(self, *, source: str, build: BuildDetection) -> PrsRun:
        """Every score's result once the last group is in; a score without positions in the build is refused."""
        missing = [score for score in self.scores if build.build not in score.builds]
        if missing:
            missing[0].positions(build.build)  # the InputError that names the harmonized file to use
        self.scorer.add(self.matcher.finish())
        return PrsRun(vcf=source, build=build, options=self.options, scores=self.scorer.results())


def score_groups(
    groups: Iterable[SiteGroup],
    scores: Sequence[ScoringFile],
    *,
    source: str,
    build: BuildDetection,
    samples: Sequence[str],
    options: MatchOptions | None = None,
    imputation: Imputation | None = None,
    reference_alleles: Mapping[tuple[str, int], str] | None = None,
) -> PrsRun:
    """Match every score to the records read at its positions and sum dosages per sample (overlap: the caller's)."""
    stream = ScoreStream(scores, build.build, samples, options, imputation, reference_alleles)
    for group in groups:
        stream.add(group)
    return stream.finish(source=source, build=build)


def overlap_error(run: PrsRun) -> InputError | None:
    """An error naming each score below the minimum overlap, its numbers and main reasons; None if all pass."""
    failing = run.failing()
    if not failing:
        return None
    parts = []
    for match in failing:
        reasons = sorted(match.counts_by_reason().items(), key=lambda item: -item[1])[:3]
        why = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in reasons)
        parts.append(
            f"{match.score.name}: {match.matched} of {match.total} variants matched "
            f"({share_below(match.match_rate, run.options.min_overlap)} < {run.options.min_overlap * 100:g}%; {why})"
        )
    hint = "check the genome build (--build) and that the VCF covers the score's sites"
    if not run.options.absent_is_reference:
        hint += "; a WGS VCF listing only variant sites needs --absent-is-reference"
    return InputError("; ".join(parts) + f" — {hint}; --min-overlap lowers the threshold", source=run.vcf)


def share_below(rate: float, minimum: float) -> str:
    """``rate`` as a percentage with as many decimals as it takes to read below ``minimum`` (0.99%, not 1.0%).

    >>> share_below(507 / 51209, 0.01), share_below(0.5, 0.75)
    ('0.99%', '50.0%')
    """
    for digits in range(1, 7):
        shown = f"{rate:.{digits}%}"
        if float(shown[:-1]) < minimum * 100:
            return shown
    return f"{rate:%}"


def bundle_reference_alleles(bundle: KnowledgeBundle, build: GenomeBuild) -> dict[tuple[str, int], str]:
    """Reference bases at scored sites from the bundle's PGS Catalog source (empty when it has none)."""
    from tailormed.knowledge.pgs_catalog import load_reference_alleles

    return load_reference_alleles(bundle, build)


@dataclass
class AdjustInputs:
    """Files of a pgsc_calc ancestry adjustment (see :mod:`tailormed.intake.pgs_ancestry`)."""

    reference_pcs: Path
    target_pcs: Path
    scores: Path
    psam: Path
    related: Path | None = None
    population_column: str = "SuperPop"
    reference_set: str | None = None
    target_set: str | None = None


def adjust_scores(inputs: AdjustInputs) -> list[tuple[str, Adjusted, dict[str, float]]]:
    """Per score in the score table: pgsc_calc's ancestry-adjusted values of every target sample."""
    from tailormed.engines.prs.ancestry import Reference, Targets, adjust
    from tailormed.intake.pgs_ancestry import read_ids, read_labels, read_pcs, read_score_sums

    reference_pcs, target_pcs = read_pcs(inputs.reference_pcs), read_pcs(inputs.target_pcs)
    labels = read_labels(inputs.psam, inputs.population_column)
    related = read_ids(inputs.related) if inputs.related else set()
    reference_sums = read_score_sums(inputs.scores, inputs.reference_set)
    target_sums = read_score_sums(inputs.scores, inputs.target_set)
    results = []
    for pgs, by_id in reference_sums.items():
        keep = [i for i, sample in enumerate(reference_pcs.ids) if sample in by_id and sample in labels]
        if not keep:
            raise InputError(f"no reference sample has both PCs, a label and a {pgs} SUM", source=inputs.scores)
        ids = [reference_pcs.ids[i] for i in keep]
        reference = Reference(
            ids=ids,
            pcs=reference_pcs.pcs[keep],
            populations=[labels[sample] for sample in ids],
            sums=np.array([by_id[sample] for sample in ids]),
            train=np.array([sample not in related for sample in ids]),
        )
        wanted = target_sums.get(pgs, {})
        chosen = [i for i, sample in enumerate(target_pcs.ids) if sample in wanted]
        if not chosen:
            raise InputError(f"no target sample has both PCs and a {pgs} SUM", source=inputs.scores)
        target_ids = [target_pcs.ids[i] for i in chosen]
        targets = Targets(ids=target_ids, pcs=target_pcs.pcs[chosen], sums=np.array([wanted[s] for s in target_ids]))
        try:
            results.append((pgs, adjust(reference, targets), {s: wanted[s] for s in target_ids}))
        except ValueError as exc:
            raise InputError(f"{pgs}: {exc}", source=inputs.scores) from exc
    return results
