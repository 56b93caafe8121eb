"""CYP2D6 from a VCF: SNV/indel calls as PharmCAT's research mode makes them, the results its unmeasured copy number
could still give, advice that is firm only when all of them agree, and measured copy number folded into *5 and xN.

Matcher cases are built from the CYP2D6 definition the way PharmCAT's synthetic test VCFs are: every position
reference, then the defining cells of the two named alleles on their strands (a wobble cell, which PharmCAT defines
as "either base", takes its non-reference base), phased (``|``) or not (``/``). PharmCAT's own CYP2D6 pipeline test
(``Cyp2d6Test.testCyp2d6Matcher``) expects an all-reference CYP2D6 to be called by the matcher in research mode.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tailormed.engines.pgx.copy_number import combine, phenotype_calls
from tailormed.engines.pgx.findings import PgxKnowledge
from tailormed.engines.pgx.matcher import match_gene
from tailormed.engines.pgx.recommend import recommend_drug
from tailormed.engines.pgx.review import matching_perpetrators, phenoconvert
from tailormed.evidence import read_genome
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.pgx.definitions import IUPAC, GeneDefinition, is_wobble
from tailormed.model.evidence import AbsentPolicy
from tailormed.model.genotype import (
    BuildDetection,
    BuildSource,
    CallState,
    GenomeBuild,
    GenotypeCall,
    SampleGenotypes,
)
from tailormed.model.patient import Medication
from tailormed.model.pgx import CallOrigin, CallStatus, Diplotype, GeneCall, GenePhenotype, GuidelineResult
from tailormed.pipeline.pgx import (
    CONSUMER,
    Lift,
    evidence_calls,
    grch37_forms,
    lift_to_grch37,
    load_pgx,
    pgx_request,
    read_outside,
)


@pytest.fixture(scope="module")
def knowledge(core: KnowledgeBundle) -> PgxKnowledge:
    return load_pgx(core)[1]


@pytest.fixture(scope="module")
def cyp2d6(core: KnowledgeBundle) -> GeneDefinition:
    return load_pgx(core)[0]["CYP2D6"]


def genotypes(definition: GeneDefinition, first: str, second: str, *, phased: bool) -> SampleGenotypes:
    alleles = {a.name: a for a in definition.named_alleles}
    calls = {}
    for index, variant in enumerate(definition.variants):
        bases = []
        for name in (first, second):
            cell = alleles[name].alleles[index] or variant.ref
            bases.append(sorted(IUPAC[cell] - {variant.ref})[0] if is_wobble(cell) else cell)
        state = CallState.REFERENCE if bases == [variant.ref, variant.ref] else CallState.VARIANT
        calls[variant.key] = GenotypeCall(
            chrom=variant.chrom, pos=variant.pos, ref=variant.ref, alleles=tuple(bases), state=state, phased=phased
        )
    build = BuildDetection(build=GenomeBuild.GRCH38, source=BuildSource.USER, detail="test")
    return SampleGenotypes(sample="S1", source="synthetic", build=build, calls=calls)


PAIRS = [
    ("*1", "*1"),
    ("*1", "*2"),
    ("*1", "*3"),
    ("*1", "*4"),
    ("*1", "*6"),
    ("*1", "*29"),
    ("*2", "*9"),
    ("*2", "*17"),
    ("*2", "*41"),
    ("*4", "*4"),
    ("*10", "*10"),
]


@pytest.mark.parametrize(("first", "second"), PAIRS)
@pytest.mark.parametrize("phased", [True, False])
def test_snv_and_indel_alleles_are_called(cyp2d6: GeneDefinition, first: str, second: str, phased: bool) -> None:
    call = match_gene(cyp2d6, genotypes(cyp2d6, first, second, phased=phased))
    assert call.status is CallStatus.CALLED
    assert [d.name for d in call.diplotypes] == [f"{first}/{second}"]


@pytest.mark.parametrize(("first", "second"), [("*4", "*10"), ("*4", "*41")])
def test_phase_separates_alleles_that_share_positions(cyp2d6: GeneDefinition, first: str, second: str) -> None:
    """*4 carries *10's 100C>T (and *41's 2850C>T); phased data keep the pair apart, while unphased data fit a
    pair that explains more positions (the matcher's score), as PharmCAT's matcher does."""
    phased = match_gene(cyp2d6, genotypes(cyp2d6, first, second, phased=True))
    assert [d.name for d in phased.diplotypes] == [f"{first}/{second}"]
    unphased = match_gene(cyp2d6, genotypes(cyp2d6, first, second, phased=False))
    assert [d.name for d in unphased.diplotypes] != [f"{first}/{second}"] and not unphased.phased


@pytest.mark.parametrize(("vcf", "sample"), [("tests/reference.vcf", None), ("examples/pharmcat.example.vcf", None)])
def test_pharmcat_vcfs_call_cyp2d6_in_research_mode(
    core: KnowledgeBundle, shared_data: Path, vcf: str, sample: str | None
) -> None:
    definitions, _, _ = load_pgx(core)
    evidence = read_genome(
        shared_data / "pgx" / "pharmcat" / vcf, pgx_request(core, definitions), sample=sample, absent=AbsentPolicy()
    )
    _, calls = evidence_calls(evidence, definitions)
    call = next(c for c in calls if c.gene == "CYP2D6")
    assert evidence.has(CONSUMER)
    assert (call.status, [d.name for d in call.diplotypes], call.origin) == (
        CallStatus.CALLED,
        ["*1/*1"],
        CallOrigin.MATCHER,
    )


def _result(knowledge: PgxKnowledge, call: GeneCall) -> GenePhenotype:
    return phenotype_calls([call], knowledge.phenotypes, knowledge.copy_number)["CYP2D6"]


def _call(*diplotypes: str, origin: CallOrigin = CallOrigin.MATCHER) -> GeneCall:
    pairs = [d.split("/") for d in diplotypes]
    return GeneCall(
        sample="S1",
        gene="CYP2D6",
        status=CallStatus.CALLED if len(pairs) == 1 else CallStatus.AMBIGUOUS,
        diplotypes=[Diplotype(allele1=a, allele2=b) for a, b in pairs],
        origin=origin,
    )


def test_vcf_call_states_what_it_cannot_see_and_what_it_could_be(knowledge: PgxKnowledge) -> None:
    result = _result(knowledge, _call("*1/*1"))
    assert (result.phenotype, result.activity_score) == ("Normal Metabolizer", "2.0")
    assert result.structural is not None and result.structural.startswith("structural variants not assessed")
    assert [(p.diplotype, p.phenotype, p.activity_score) for p in result.possible] == [
        ("*1/*5", "Intermediate Metabolizer", "1.0"),
        ("*1/*1x2", "Ultrarapid Metabolizer", "3.0"),
    ]
    assert result.resolving_test == "CYP2D6 copy-number testing"
    assert any("CYP2D6 copy-number testing resolves this" in n for n in result.notes)


def test_heterozygous_call_rules_out_a_deletion(knowledge: PgxKnowledge) -> None:
    """*1/*4 shows both alleles, so neither copy is deleted; an extra copy of either is still possible."""
    result = _result(knowledge, _call("*1/*4"))
    assert (result.phenotype, result.activity_score) == ("Intermediate Metabolizer", "1.0")
    assert sorted((p.diplotype, p.phenotype, p.activity_score) for p in result.possible) == [
        ("*1/*4x2", "Intermediate Metabolizer", "1.0"),
        ("*1x2/*4", "Normal Metabolizer", "2.0"),
    ]


def test_outside_call_has_no_range(knowledge: PgxKnowledge) -> None:
    result = _result(knowledge, _call("*1/*1", origin=CallOrigin.OUTSIDE_CALL))
    assert result.structural is None and result.possible == []


def _advice(
    pgx: PgxKnowledge, call: GeneCall, drug: str, medications: list[Medication] | None = None
) -> GuidelineResult:
    results = phenotype_calls([call], pgx.phenotypes, pgx.copy_number)
    if medications:
        acting = matching_perpetrators(medications, pgx.phenoconversion)["CYP2D6"]
        results["CYP2D6"] = phenoconvert(results["CYP2D6"], acting, pgx.phenoconversion, pgx.phenotypes)[0]
    answers = recommend_drug(pgx.guidelines, results, name=drug)
    return next(a for a in answers if a.source == "CPIC")


def test_same_advice_for_every_possible_result_is_firm(knowledge: PgxKnowledge) -> None:
    """*4/*4: one deleted or one extra *4 copy is still a poor metabolizer; codeine advice is the same."""
    answer = _advice(knowledge, _call("*4/*4"), "codeine")
    assert answer.rows and not answer.provisional
    assert answer.range_note is not None and "the same advice holds" in answer.range_note
    assert "*4/*5: Poor Metabolizer (activity score 0.0)" in answer.range_note


def test_different_advice_is_provisional_with_the_resolving_test(knowledge: PgxKnowledge) -> None:
    """*1/*1 is a normal metabolizer, but *1/*1x2 (ultrarapid) gets other codeine advice."""
    answer = _advice(knowledge, _call("*1/*1"), "codeine")
    assert answer.rows and answer.provisional
    assert answer.resolving_test == "CYP2D6 copy-number testing"
    assert answer.range_note is not None
    assert "*1/*1x2: Ultrarapid Metabolizer (activity score 3.0)" in answer.range_note
    assert answer.range_note.endswith("CYP2D6 copy-number testing resolves this")
    normal = _advice(knowledge, _call("*1/*1", origin=CallOrigin.OUTSIDE_CALL), "codeine")
    assert [r.text for r in normal.rows] == [r.text for r in answer.rows]  # the called phenotype's advice is given


def test_phenoconversion_converts_the_possible_results_too(knowledge: PgxKnowledge) -> None:
    """A strong inhibitor makes every copy-number variant of *1/*1 a poor metabolizer: the advice is firm again."""
    paroxetine = [Medication(name="paroxetine")]
    answer = _advice(knowledge, _call("*1/*1"), "codeine", paroxetine)
    assert answer.rows and not answer.provisional
    assert answer.gene_results["CYP2D6"].startswith("CYP2D6 *1/*1: Poor Metabolizer")


@pytest.mark.parametrize(
    ("called", "copies", "expected", "phenotype"),
    [
        ("*4/*4", 1, ["*4/*5"], "Poor Metabolizer"),
        ("*1/*1", 1, ["*1/*5"], "Intermediate Metabolizer"),
        ("*1/*1", 3, ["*1/*1x2"], "Ultrarapid Metabolizer"),
        ("*1/*1", 2, ["*1/*1"], "Normal Metabolizer"),
        ("*1/*4", 3, ["*1/*4x2", "*1x2/*4"], None),
        ("*1/*1", 0, ["*5/*5"], "Poor Metabolizer"),
    ],
)
def test_measured_copy_number_becomes_deletion_and_duplication_alleles(
    knowledge: PgxKnowledge, called: str, copies: int, expected: list[str], phenotype: str | None
) -> None:
    rules = knowledge.copy_number.gene("CYP2D6")
    assert rules is not None
    call = combine(_call(called), copies, "test copy-number call", rules)
    assert [d.name for d in call.diplotypes] == expected and call.copy_number == copies
    result = _result(knowledge, call)
    assert result.phenotype == phenotype and result.possible == [] and result.copy_number == copies
    if phenotype is None:
        assert "possible diplotypes disagree" in result.notes[-1]  # which allele is duplicated is not in the data


@pytest.mark.parametrize(
    ("outside", "phenotype", "score"),
    [
        ("*1x3/*1", "Ultrarapid Metabolizer", "4.0"),  # PharmCAT's outside-call test prints it as *1/*1x3
        ("*1/*1x4", "Ultrarapid Metabolizer", "4.0"),
        ("*2x3/*4", "Ultrarapid Metabolizer", "3.0"),
        ("*4x3/*1", "Intermediate Metabolizer", "1.0"),
    ],
)
def test_three_or_more_copies_are_read_as_the_tables_x3_allele(
    knowledge: PgxKnowledge, outside: str, phenotype: str, score: str
) -> None:
    """The CPIC table has one allele for three or more copies (``*1x≥3``, activity ≥3.0): an outside call naming
    the count gets that allele's function, never "phenotype unknown"."""
    result = _result(knowledge, _call(outside, origin=CallOrigin.OUTSIDE_CALL))
    assert (result.phenotype, result.activity_score) == (phenotype, score)
    assert result.diplotypes == [outside]


def test_copy_number_that_contradicts_the_snvs_is_a_conflict(knowledge: PgxKnowledge) -> None:
    rules = knowledge.copy_number.gene("CYP2D6")
    assert rules is not None
    call = combine(_call("*1/*4"), 1, "CN FORMAT field", rules)
    assert any(w.startswith("copy-number conflict: one copy measured, but the VCF shows two") for w in call.warnings)


@pytest.mark.parametrize(
    ("outside", "conflict"),
    [
        ("*1/*3", True),  # *3 is an indel the VCF would show
        ("*4/*4", True),
        ("*1/*5", False),  # one copy left: the VCF shows it as *1/*1
        ("*1/*1x2", False),  # an extra copy changes no genotype
        ("*1/*13", False),  # a CYP2D7/CYP2D6 hybrid the definition does not describe: not judged
    ],
)
def test_outside_call_that_contradicts_the_vcf_is_a_conflict(
    core: KnowledgeBundle, shared_data: Path, tmp_path: Path, outside: str, conflict: bool
) -> None:
    definitions, pgx, _ = load_pgx(core)
    calls_file = tmp_path / "calls.tsv"
    calls_file.write_text(f"CYP2D6\t{outside}\n")
    told = read_outside(calls_file, definitions, tables=pgx.phenotypes)
    vcf = shared_data / "pgx" / "pharmcat" / "examples" / "pharmcat.example.vcf"
    evidence = read_genome(vcf, pgx_request(core, definitions), absent=AbsentPolicy())
    _, calls = evidence_calls(evidence, definitions, told, pgx.copy_number)
    call = next(c for c in calls if c.gene == "CYP2D6")
    assert call.origin is CallOrigin.OUTSIDE_CALL and [d.name for d in call.diplotypes] == [outside]
    assert (call.conflict is not None) is conflict
    if conflict:
        assert call.conflict == (
            f"conflict: the outside call CYP2D6 {outside} does not fit the VCF's SNVs and indels, which show "
            "*1/*1; the outside call is used"
        )
        result = phenotype_calls(calls, pgx.phenotypes, pgx.copy_number)["CYP2D6"]
        assert result.conflict == call.conflict and result.possible == []


def _with_copy_number_records(source: Path, out: Path, records: list[str]) -> Path:
    """PharmCAT's example VCF (all CYP2D6 positions reference) with copy-number records before CYP2D6's first site."""
    header = [
        '##INFO=<ID=END,Number=1,Type=Integer,Description="End position">',
        '##ALT=<ID=DEL,Description="Deletion">',
        '##ALT=<ID=DUP,Description="Duplication">',
        '##ALT=<ID=CNV,Description="Copy number variable region">',
        '##FORMAT=<ID=CN,Number=1,Type=Integer,Description="Copy number">',
    ]
    lines: list[str] = []
    placed = False
    for line in source.read_text().splitlines():
        if line.startswith("#CHROM"):
            lines += header
        elif not placed and line.startswith("chr22\t"):
            lines += records
            placed = True
        lines.append(line)
    out.write_text("\n".join(lines) + "\n")
    return out


@pytest.mark.parametrize(
    ("records", "diplotypes", "copies", "warning"),
    [
        (["chr22\t42125000\t.\tN\t<DEL>\t.\tPASS\tEND=42132000\tGT\t0/1"], ["*1/*5"], 1, None),
        (["chr22\t42125000\t.\tN\t<CNV>\t.\tPASS\tEND=42132000\tGT:CN\t./.:3"], ["*1/*1x2"], 3, None),
        (["chr22\t42125000\t.\tN\t<DUP>\t.\tPASS\tEND=42128000\tGT\t0/1"], ["*1/*1"], None, "covers only part"),
        (
            [
                "chr22\t42125000\t.\tN\t<DEL>\t.\tPASS\tEND=42132000\tGT\t0/1",
                "chr22\t42125100\t.\tN\t<CNV>\t.\tPASS\tEND=42132000\tGT:CN\t./.:2",
            ],
            ["*1/*1"],
            None,
            "disagree (1, 2 copies)",
        ),
    ],
)
def test_copy_number_records_in_the_vcf_are_combined_with_the_snv_call(
    core: KnowledgeBundle,
    shared_data: Path,
    tmp_path: Path,
    records: list[str],
    diplotypes: list[str],
    copies: int | None,
    warning: str | None,
) -> None:
    definitions, pgx, _ = load_pgx(core)
    source = shared_data / "pgx" / "pharmcat" / "examples" / "pharmcat.example.vcf"
    vcf = _with_copy_number_records(source, tmp_path / "cnv.vcf", records)
    evidence = read_genome(vcf, pgx_request(core, definitions), absent=AbsentPolicy())
    assert {r.gene for r in evidence.copy_number} == {"CYP2D6"}
    _, calls = evidence_calls(evidence, definitions, None, pgx.copy_number)
    call = next(c for c in calls if c.gene == "CYP2D6")
    assert [d.name for d in call.diplotypes] == diplotypes and call.copy_number == copies
    result = phenotype_calls(calls, pgx.phenotypes, pgx.copy_number)["CYP2D6"]
    if copies is not None:
        assert result.possible == [] and result.copy_number == copies
        assert any(w.startswith(f"CYP2D6 copy number {copies} (VCF ") for w in call.warnings)
    else:
        assert result.possible and any(warning in w for w in call.warnings)


def _without_cyp2d6(source: Path, out: Path, records: list[str]) -> Path:
    """PharmCAT's example VCF with every CYP2D6 record removed (a gene deleted on both chromosomes has no
    genotypes) and ``records`` put in their place."""
    kept = [
        line
        for line in _with_copy_number_records(source, out, records).read_text().splitlines()
        if not (line.startswith("chr22\t") and "PX=CYP2D6" in line)
    ]
    out.write_text("\n".join(kept) + "\n")
    return out


#: A record beside CYP2D6 (inside the region read around it, at no definition position): a VCF declared complete
#: then lets absent positions be assumed reference, which for CYP2D6 would hide a homozygous deletion.
NEARBY = "chr22\t42140000\t.\tA\tG\t.\tPASS\t.\tGT\t0/1"


@pytest.mark.parametrize(
    "records",
    [
        ["chr22\t42125000\t.\tN\t<CNV>\t.\tPASS\tEND=42132000\tGT:CN\t./.:0"],
        ["chr22\t42125000\t.\tN\t<DEL>\t.\tPASS\tEND=42132000\tGT\t1/1"],
        ["chr22\t42125000\t.\tN\t<DEL>\t.\tPASS\tEND=42132000\tGT\t1/1", NEARBY],
    ],
)
@pytest.mark.parametrize("declared_complete", [False, True])
def test_both_copies_deleted_is_star5_star5_only_with_copy_number_evidence(
    core: KnowledgeBundle, shared_data: Path, tmp_path: Path, records: list[str], declared_complete: bool
) -> None:
    definitions, pgx, _ = load_pgx(core)
    source = shared_data / "pgx" / "pharmcat" / "examples" / "pharmcat.example.vcf"
    vcf = _without_cyp2d6(source, tmp_path / "deleted.vcf", records)
    absent = AbsentPolicy.resolve(True if declared_complete else None, None)
    evidence = read_genome(vcf, pgx_request(core, definitions), absent=absent)
    _, calls = evidence_calls(evidence, definitions, None, pgx.copy_number)
    call = next(c for c in calls if c.gene == "CYP2D6")
    assert (call.status, [d.name for d in call.diplotypes], call.copy_number) == (CallStatus.CALLED, ["*5/*5"], 0)
    result = phenotype_calls(calls, pgx.phenotypes, pgx.copy_number)["CYP2D6"]
    assert (result.phenotype, result.activity_score, result.possible) == ("Poor Metabolizer", "0.0", [])


@pytest.mark.parametrize(
    "records",
    [
        [],
        [NEARBY],
        ["chr22\t42125000\t.\tN\t<DEL>\t.\tPASS\tEND=42132000\tGT\t./.", NEARBY],
        ["chr22\t42125000\t.\tN\t<DEL>\t.\tPASS\tEND=42128000\tGT\t1/1", NEARBY],
    ],
    ids=["nothing", "record-nearby", "deletion-without-genotype", "partial-deletion"],
)
@pytest.mark.parametrize("declared_complete", [False, True])
def test_no_cyp2d6_genotype_without_copy_number_evidence_is_not_called(
    core: KnowledgeBundle, shared_data: Path, tmp_path: Path, records: list[str], declared_complete: bool
) -> None:
    """Never reference (a complete VCF with a record nearby would otherwise give *1/*1), never *5/*5 by guess."""
    definitions, pgx, _ = load_pgx(core)
    source = shared_data / "pgx" / "pharmcat" / "examples" / "pharmcat.example.vcf"
    vcf = _without_cyp2d6(source, tmp_path / "silent.vcf", records)
    absent = AbsentPolicy.resolve(True if declared_complete else None, None)
    evidence = read_genome(vcf, pgx_request(core, definitions), absent=absent)
    _, calls = evidence_calls(evidence, definitions, None, pgx.copy_number)
    call = next(c for c in calls if c.gene == "CYP2D6")
    assert (call.status, call.diplotypes, call.copy_number) == (CallStatus.NO_CALL, [], None)
    reasons = " ".join(call.warnings)
    assert "no CYP2D6 position has a genotype" in reasons or "has no record at all" in reasons, call.warnings
    result = phenotype_calls(calls, pgx.phenotypes, pgx.copy_number)["CYP2D6"]
    assert not result.called
    others = {c.gene: c for c in calls}
    assert others["CYP2C19"].status is not CallStatus.NO_CALL  # only the silent gene is refused


def _definition_vcf(
    path: Path, definition: GeneDefinition, first: str, second: str, build: str, lifted: Lift | None
) -> tuple[Path, set[str]]:
    """The synthetic VCF of ``first``/``second`` (unphased) in GRCh38, or in GRCh37 at the knowledge's GRCh37 forms
    (``lifted``); with the GRCh38 keys of the positions that have no GRCh37 form (left out of the GRCh37 file)."""
    calls = genotypes(definition, first, second, phased=False).calls
    rows: list[tuple[int, str]] = []
    left_out: set[str] = set()
    for locus in definition.loci():
        site = locus if lifted is None else lift_to_grch37(locus, lifted)
        if site is None:
            left_out.add(locus.key)
            continue
        alleles = [site.ref, *site.alts]
        gt = "/".join(str(alleles.index(base)) for base in calls[locus.key].alleles)
        rows.append((site.pos, f"{site.chrom}\t{site.pos}\t.\t{site.ref}\t{','.join(site.alts)}\t.\tPASS\t.\tGT\t{gt}"))
    header = [
        "##fileformat=VCFv4.2",
        f"##reference={build}",
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1",
    ]
    path.write_text("\n".join([*header, *(line for _, line in sorted(rows))]) + "\n")
    return path, left_out


def test_grch37_twin_gives_the_grch38_call_when_no_defining_position_is_missing(
    core: KnowledgeBundle, cyp2d6: GeneDefinition, tmp_path: Path
) -> None:
    """The same diplotypes written at the GRCh37 positions the core knows (the PyPGx variant table's GRCh37 forms,
    ``build-markers/grch37-forms.json``; 120 of the 156 positions): called as in GRCh38 whenever every position
    defining the two alleles has a GRCh37 form; the positions without one are reported missing, never assumed."""
    definitions = load_pgx(core)[0]
    lifted = grch37_forms(core)
    request = pgx_request(core, definitions)
    assert sum(1 for locus in cyp2d6.loci() if lift_to_grch37(locus, lifted) is not None) == 120
    compared = exact = 0
    for first, second in [*PAIRS, ("*1", "*9"), ("*3", "*6"), ("*3", "*9"), ("*6", "*6")]:
        vcf38, _ = _definition_vcf(tmp_path / "twin38.vcf", cyp2d6, first, second, "GRCh38", None)
        vcf37, left_out = _definition_vcf(tmp_path / "twin37.vcf", cyp2d6, first, second, "GRCh37", lifted)
        call38 = next(
            c
            for c in evidence_calls(read_genome(vcf38, request, absent=AbsentPolicy()), definitions)[1]
            if c.gene == "CYP2D6"
        )
        evidence37 = read_genome(vcf37, request, absent=AbsentPolicy())
        assert evidence37.build.build is GenomeBuild.GRCH37
        call37 = next(c for c in evidence_calls(evidence37, definitions)[1] if c.gene == "CYP2D6")
        assert set(call37.missing_positions) >= {_name(cyp2d6, key) for key in left_out}
        if (_defined_at(cyp2d6, first) | _defined_at(cyp2d6, second)) & left_out:
            continue
        compared += 1
        named37 = {d.name: d for d in call37.diplotypes}
        assert [d.name for d in call38.diplotypes] == [d.name for d in call38.diplotypes if d.name in named37]
        for name, diplotype in named37.items():  # a further candidate only where a missing position would tell
            if name not in {d.name for d in call38.diplotypes}:
                hidden = {a for a in (diplotype.allele1, diplotype.allele2) if _defined_at(cyp2d6, a) & left_out}
                assert hidden, (first, second, name)
        exact += [d.name for d in call38.diplotypes] == list(named37)
    # *2, *4, *10, *17, *29 and *41 are defined at chr22:42129130 (and *4 at five more positions), which has no
    # GRCh37 form in the shared PharmCAT/PyPGx data: those pairs are read with the position reported missing. Of
    # the 7 pairs compared, *1/*9 and *3/*9 are also *1/*180 and *3/*180 in GRCh37 (*180 differs from *9 at a
    # position without one); the other 5 are called exactly as in GRCh38.
    assert (compared, exact) == (7, 5)


def _name(definition: GeneDefinition, key: str) -> str:
    """How a call lists a missing position: its rsID, else ``chrom:pos``."""
    variant = next(v for v in definition.variants if v.key == key)
    return variant.rsid or variant.key


def _defined_at(definition: GeneDefinition, allele: str) -> set[str]:
    """The positions where ``allele`` differs from the reference sequence."""
    cells = next(a for a in definition.named_alleles if a.name == allele).alleles
    return {v.key for v, cell in zip(definition.variants, cells, strict=True) if cell is not None and cell != v.ref}


def test_possible_results_that_share_what_the_rows_rest_on_are_advised_once(knowledge: PgxKnowledge) -> None:
    """*1/*1 and *1/*2 could each still be an intermediate (one copy deleted) or ultrarapid (one extra copy)
    metabolizer: the codeine advice over those results is worked out once, and each answer names its own range."""
    from tailormed.engines.pgx.recommend import _kept

    first = _advice(knowledge, _call("*1/*1"), "codeine")
    guideline = next(g for g in knowledge.guidelines.guidelines if g.id == first.guideline_id)
    held = len(_kept(guideline).advice)
    assert held > 0
    second = _advice(knowledge, _call("*1/*2"), "codeine")
    assert len(_kept(guideline).advice) == held
    assert first.provisional and second.provisional
    assert second.range_note is not None and "*1/*2" in second.range_note and "*1/*1:" not in second.range_note
    assert [r.text for r in second.rows] == [r.text for r in first.rows]
