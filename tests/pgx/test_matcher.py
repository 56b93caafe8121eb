"""Matcher rules on small hand-written definitions: phase sets, missing vs assumed reference, IUPAC, lowest function."""

from __future__ import annotations

from tailormed.engines.pgx.matcher import match_gene
from tailormed.knowledge.pgx.definitions import DefinitionVariant, GeneDefinition, NamedAlleleDefinition
from tailormed.model.genotype import BuildDetection, BuildSource, CallState, GenomeBuild, GenotypeCall, SampleGenotypes
from tailormed.model.pgx import CallStatus

VARIANTS = tuple(
    DefinitionVariant(chrom="chr1", pos=pos, rsid=f"rs{pos}", ref=ref, alts=(alt,))
    for pos, ref, alt in ((100, "A", "G"), (200, "C", "T"), (300, "G", "A"))
)


def gene(**kwargs: object) -> GeneDefinition:
    alleles = (
        NamedAlleleDefinition(name="*1", is_reference=True, alleles=("A", "C", "G")),
        NamedAlleleDefinition(name="*2", alleles=("G", None, None)),
        NamedAlleleDefinition(name="*3", alleles=(None, "T", None)),
        NamedAlleleDefinition(name="*4", alleles=("G", "T", None)),
        NamedAlleleDefinition(name="*5", alleles=(None, None, "A")),
    )
    return GeneDefinition(
        gene="TEST",
        chromosome="chr1",
        version="t",
        source="test",
        variants=VARIANTS,
        named_alleles=alleles,
        **kwargs,  # type: ignore[arg-type]
    )


def sample(calls: dict[int, tuple[str, str, bool, int | None]], *, assumed: tuple[int, ...] = ()) -> SampleGenotypes:
    refs = {v.pos: v.ref for v in VARIANTS}
    genotype = {
        f"chr1:{pos}": GenotypeCall(
            chrom="chr1",
            pos=pos,
            ref=refs[pos],
            alleles=(a, b),
            phased=phased,
            phase_set=ps,
            state=CallState.REFERENCE if a == b == refs[pos] else CallState.VARIANT,
        )
        for pos, (a, b, phased, ps) in calls.items()
    }
    for pos in assumed:
        genotype[f"chr1:{pos}"] = GenotypeCall(
            chrom="chr1", pos=pos, ref=refs[pos], state=CallState.ASSUMED_REFERENCE, alleles=(refs[pos], refs[pos])
        )
    return SampleGenotypes(
        sample="S",
        source="t.vcf",
        calls=genotype,
        build=BuildDetection(build=GenomeBuild.GRCH38, source=BuildSource.USER, detail="test"),
    )


def labels(definition: GeneDefinition, genotypes: SampleGenotypes, **kwargs: bool) -> list[str]:
    return [d.name for d in match_gene(definition, genotypes, **kwargs).diplotypes]


def test_unphased_two_hets_is_ambiguous_with_all_hits() -> None:
    genotypes = sample({100: ("A", "G", False, None), 200: ("C", "T", False, None), 300: ("G", "G", False, None)})
    # *1/*4 (3 + 2) outscores *2/*3 (1 + 1); with every hit both are possible
    assert labels(gene(), genotypes) == ["*1/*4"]
    assert labels(gene(), genotypes, top_candidate_only=False) == ["*1/*4", "*2/*3"]


def test_phase_sets_decide() -> None:
    cis = sample({100: ("G", "A", True, 7), 200: ("T", "C", True, 7), 300: ("G", "G", True, 7)})
    trans = sample({100: ("G", "A", True, 7), 200: ("C", "T", True, 7), 300: ("G", "G", True, 7)})
    split = sample({100: ("G", "A", True, 7), 200: ("C", "T", True, 9), 300: ("G", "G", True, 7)})
    assert labels(gene(), cis) == ["*1/*4"]
    assert labels(gene(), trans) == ["*2/*3"]
    call = match_gene(gene(), split, top_candidate_only=False)
    assert [d.name for d in call.diplotypes] == ["*1/*4", "*2/*3"]
    assert not call.phased


def test_missing_is_never_reference() -> None:
    genotypes = sample({100: ("A", "G", False, None), 300: ("G", "G", False, None)})
    call = match_gene(gene(), genotypes)
    assert call.missing_positions == ["rs200"]
    # without rs200, *4 looks like *2: both fit equally well
    assert [d.name for d in call.diplotypes] == ["*1/*2", "*1/*4"]
    assert call.status is CallStatus.AMBIGUOUS


def test_assumed_reference_is_used() -> None:
    genotypes = sample({100: ("A", "G", False, None), 300: ("G", "G", False, None)}, assumed=(200,))
    call = match_gene(gene(), genotypes)
    assert call.missing_positions == []
    assert [d.name for d in call.diplotypes] == ["*1/*2"]
    assert call.status is CallStatus.CALLED


def test_iupac_cell_and_its_score() -> None:
    wobbly = gene().model_copy(
        update={
            "named_alleles": (
                NamedAlleleDefinition(name="*1", is_reference=True, alleles=("A", "C", "G")),
                NamedAlleleDefinition(name="*7", alleles=("R", "T", None)),
            )
        }
    )
    ref_base = sample({100: ("A", "A", False, None), 200: ("C", "T", False, None), 300: ("G", "G", False, None)})
    call = match_gene(wobbly, ref_base)
    # R matches the reference A; at a reference site the wobble cell does not count: 3 + 1
    assert [(d.name, d.score) for d in call.diplotypes] == [("*1/*7", 4)]
    alt_base = sample({100: ("A", "G", False, None), 200: ("C", "T", False, None), 300: ("G", "G", False, None)})
    call = match_gene(wobbly, alt_base, top_candidate_only=False)
    # the G is explained only by *7's R (on the strand with T), and counts there: 3 + 2
    assert [(d.name, d.score) for d in call.diplotypes] == [("*1/*7", 5)]


def test_undocumented_allele() -> None:
    odd = sample({100: ("A", "C", False, None), 200: ("C", "C", False, None), 300: ("G", "G", False, None)})
    assert match_gene(gene(), odd).status is CallStatus.NO_CALL
    tolerant = gene(undocumented_as_reference=True)
    call = match_gene(tolerant, odd)
    assert [d.name for d in call.diplotypes] == ["*1/*1"]
    assert any("undocumented allele C" in w for w in call.warnings)


def test_no_positions_is_no_call() -> None:
    call = match_gene(gene(), sample({}))
    assert call.status is CallStatus.NO_CALL
    assert call.missing_positions == ["rs100", "rs200", "rs300"]


def test_lowest_function_unphased_and_phased() -> None:
    lowest = gene(
        lowest_function=True, allele_activity={"*1": 1.0, "*2": 0.5, "*3": 0.0, "*4": 0.5, "*5": 1.0, "*7": 1.0}
    )
    unphased = sample({100: ("A", "G", False, None), 200: ("C", "T", False, None), 300: ("G", "A", False, None)})
    call = match_gene(lowest, unphased)
    assert [d.name for d in call.diplotypes] == ["*2/*3"]
    assert call.status is CallStatus.CALLED
    phased = sample({100: ("G", "A", True, 1), 200: ("T", "C", True, 1), 300: ("A", "G", True, 1)})
    call = match_gene(lowest, phased)
    # strand one carries [*4 + *5] (non-overlapping alleles, most specific first): both are named, on one copy
    assert [d.name for d in call.diplotypes] == ["*1/[*4 + *5]"]
    assert "variants per strand: [*4 + *5] / *1" in call.warnings


def test_lowest_function_unphased_counts_each_variant_copy_once() -> None:
    """One heterozygous copy of *4's bases (a HapB3-like two-position allele) is not also *2 on the other strand."""
    lowest = gene(lowest_function=True, allele_activity={"*1": 1.0, "*2": 0.5, "*3": 1.0, "*4": 0.5, "*5": 1.0})
    het_both = sample({100: ("A", "G", False, None), 200: ("C", "T", False, None), 300: ("G", "G", False, None)})
    assert [d.name for d in match_gene(lowest, het_both).diplotypes] == ["*1/*4"]
    hom_both = sample({100: ("G", "G", False, None), 200: ("T", "T", False, None), 300: ("G", "G", False, None)})
    assert [d.name for d in match_gene(lowest, hom_both).diplotypes] == ["*4/*4"]


def test_combination_research_mode() -> None:
    both = sample({100: ("G", "A", True, 1), 200: ("C", "C", True, 1), 300: ("A", "G", True, 1)})
    assert match_gene(gene(), both).status is CallStatus.NO_CALL
    assert labels(gene(), both, find_combinations=True) == ["*1/[*2 + *5]"]
