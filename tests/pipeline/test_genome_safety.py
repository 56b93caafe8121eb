"""Genomes as users bring them: the other build, truncated copies, files that cover nothing, streams.

Each test is a case that once gave a confident wrong answer with exit code 0: a GRCh37 CYP3A5 reference read as
\\*1, a build override obeyed against the header, a bgzip file cut at a block boundary read as complete, a VCF of
other sites declared complete and called \\*1/\\*1 everywhere.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest

from tailormed.demo import demo_record
from tailormed.errors import InputError
from tailormed.evidence import GenomeInput, bgzf_complete, read_genome
from tailormed.intake.record import load_record, resolve_genome_path
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.model.evidence import AbsentPolicy, DeclaredBy
from tailormed.model.genotype import GenomeBuild, Locus
from tailormed.model.pgx import GeneCall
from tailormed.pipeline import pgx
from tailormed.pipeline.analyze import analyze_files
from tailormed.pipeline.plausible import plausibility

from ..conftest import bgzf_block

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

G37, G38 = GenomeBuild.GRCH37, GenomeBuild.GRCH38
COMPLETE = AbsentPolicy(absent_is_reference=True, declared_by=DeclaredBy.COMMAND_LINE)
HEADER = '##fileformat=VCFv4.2\n##reference={build}\n##FORMAT=<ID=GT,Number=1,Type=String,Description="GT">\n'
COLUMNS = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"


def _vcf(path: Path, build: str, rows: Sequence[tuple[str, int, str, str, str]]) -> Path:
    lines = [HEADER.format(build=build), COLUMNS]
    for chrom, pos, ref, alt, gt in sorted(rows, key=lambda r: (r[0], r[1])):
        lines.append(f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t.\tPASS\t.\tGT\t{gt}\n")
    path.write_text("".join(lines))
    return path


def _calls(path: Path, bundle: KnowledgeBundle, absent: AbsentPolicy = COMPLETE) -> dict[str, GeneCall]:
    definitions, _ = pgx.load_calling(bundle)
    evidence = read_genome(path, pgx.genome_request_for(bundle), absent=absent)
    return {call.gene: call for call in pgx.evidence_calls(evidence, definitions)[1]}


# -- issue 11 item 1: genes whose reference allele differs between builds (or is not *1) --------------------------


def _build_twins(bundle: KnowledgeBundle) -> list[tuple[str, Locus, tuple[int, str], Locus, tuple[int, str] | None]]:
    """(gene, site, its GRCh37 (pos, ref), another site of the gene, its GRCh37 (pos, ref)) for every definition
    position whose GRCh37 reference base is another of its alleles; the other site has the same base in both."""
    definitions, _ = pgx.load_calling(bundle)
    lifted = pgx.grch37_forms(bundle)

    def target(locus: Locus) -> tuple[int, str] | None:
        read = pgx.lift_to_grch37(locus, lifted)
        return (read.pos, read.ref) if read is not None else None

    found = []
    for gene, definition in definitions.items():
        same = [s for s in definition.loci() if len(s.ref) == 1 and (t := target(s)) is not None and t[1] == s.ref]
        for locus in definition.loci():
            moved = target(locus)
            if moved is None or moved[1] == locus.ref or not same:
                continue
            anchor = same[0]
            found.append((gene, locus, moved, anchor, target(anchor)))
    return found


@pytest.mark.parametrize("which", ["core", "built_bundle"])
def test_reference_of_each_build_is_read_as_that_build_says(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A person whose genome is the GRCh37 reference at a site gets one call, whichever build the VCF is in."""
    bundle: KnowledgeBundle = request.getfixturevalue(which)
    twins = _build_twins(bundle)
    assert any(gene == "CYP3A5" and site.id == "rs776746" for gene, site, *_ in twins)
    per_gene: dict[str, list[tuple[Locus, tuple[int, str]]]] = {}
    anchors = {}
    for gene, site, moved, anchor, anchor_target in twins:
        per_gene.setdefault(gene, []).append((site, moved))
        anchors[gene] = (anchor, anchor_target)
    for gene, sites in per_gene.items():  # every site of a gene where the builds differ (CYP2D6 has several)
        anchor, (anchor37, anchor_ref) = anchors[gene]
        covered37 = (anchor.chrom, anchor37, anchor_ref, anchor.alts[0], "0/0")
        covered38 = (anchor.chrom, anchor.pos, anchor.ref, anchor.alts[0], "0/0")
        absent37 = _calls(_vcf(tmp_path / "absent37.vcf", "GRCh37", [covered37]), bundle)[gene]
        listed = [(site.chrom, pos37, ref37, site.ref, "0/0") for site, (pos37, ref37) in sites]
        listed37 = _calls(_vcf(tmp_path / "listed37.vcf", "GRCh37", sorted([covered37, *listed])), bundle)[gene]
        carried = [(site.chrom, site.pos, site.ref, ref37, "1/1") for site, (_, ref37) in sites]
        carried38 = _calls(_vcf(tmp_path / "as38.vcf", "GRCh38", sorted([covered38, *carried])), bundle)[gene]
        read37 = (absent37.status, [d.name for d in absent37.diplotypes])
        assert (listed37.status, [d.name for d in listed37.diplotypes]) == read37, (gene, "sites 0/0")
        if not absent37.missing_positions:  # CYP2D6 has positions without a GRCh37 form: fewer sites, another call
            expected = (carried38.status, [d.name for d in carried38.diplotypes])
            assert read37 == expected, (gene, "sites absent")
        for site, _ in sites:
            assert (site.id or site.key) not in absent37.missing_positions  # read (as GRCh37's reference)
    cyp3a5 = next(t for t in twins if t[1].id == "rs776746")
    gene, site, (pos37, ref37), anchor, (anchor37, anchor_ref) = cyp3a5
    only37 = _vcf(tmp_path / "cyp3a5.vcf", "GRCh37", [(anchor.chrom, anchor37, anchor_ref, anchor.alts[0], "0/0")])
    assert [d.name for d in _calls(only37, bundle)["CYP3A5"].diplotypes] == ["*3/*3"]  # GRCh37 carries *3
    only38 = _vcf(tmp_path / "cyp3a5_38.vcf", "GRCh38", [(anchor.chrom, anchor.pos, anchor.ref, anchor.alts[0], "0/0")])
    assert [d.name for d in _calls(only38, bundle)["CYP3A5"].diplotypes] == ["*1/*1"]  # GRCh38 carries *1
    alt37 = _vcf(tmp_path / "cyp3a5_alt.vcf", "GRCh37", [(site.chrom, pos37, ref37, site.ref, "1/1")])
    assert [d.name for d in _calls(alt37, bundle)["CYP3A5"].diplotypes] == ["*1/*1"]


def test_every_core_position_outside_cyp2d6_and_nat2_is_read_in_grch37(core: KnowledgeBundle) -> None:
    """Indels too (UGT1A1's TA repeat, CYP2C9*6, CYP3A5*7, NUDT15's insertion): a GRCh37 file never loses a position
    the GRCh38 one would read. CYP2D6 and NAT2 have positions the PyPGx table gives no GRCh37 form for
    (docs/validation.md); NAT2's five required positions have one, so a GRCh37 file can still be called."""
    definitions, _ = pgx.load_calling(core)
    lifted = pgx.grch37_forms(core)
    unread = {
        gene: [locus.id or locus.key for locus in definition.loci() if pgx.lift_to_grch37(locus, lifted) is None]
        for gene, definition in definitions.items()
        if gene != "CYP2D6"
    }
    nat2 = unread.pop("NAT2")
    assert {gene: sites for gene, sites in unread.items() if sites} == {}
    assert len(nat2) == 35 and len(definitions["NAT2"].variants) == 47
    required = definitions["NAT2"].exemptions.required_positions
    assert not {v.pos for v in definitions["NAT2"].variants if v.rsid in nat2} & set(required)


def test_indel_alleles_are_called_alike_in_both_builds(core: KnowledgeBundle, tmp_path: Path) -> None:
    """A heterozygous indel allele gives the same diplotype from a GRCh38 file and from its GRCh37 twin (UGT1A1*28
    among them). Every position of the gene is listed, as alleles, so a site whose reference base differs between
    the builds (CYP3A5 rs776746) says the same genotype in both files."""
    definitions, _ = pgx.load_calling(core)
    lifted = pgx.grch37_forms(core)

    def row(locus: Locus, alleles: tuple[str, str]) -> tuple[str, int, str, str, str]:
        order = [locus.ref, *locus.alts]
        return (locus.chrom, locus.pos, locus.ref, ",".join(locus.alts), "/".join(str(order.index(a)) for a in alleles))

    checked = []
    for gene, definition in definitions.items():
        if gene == "CYP2D6":
            continue
        loci = definition.loci()
        for locus in loci:
            if len(locus.ref) == 1 and all(len(alt) == 1 for alt in locus.alts):
                continue
            twins = {site.key: pgx.lift_to_grch37(site, lifted) for site in loci}
            for alt in (a for a in locus.alts if len(a) != len(locus.ref)):
                genome = {site.key: (site.ref, site.ref) for site in loci} | {locus.key: (locus.ref, alt)}
                rows38 = [row(site, genome[site.key]) for site in loci]
                rows37 = [row(read, genome[key]) for key, read in twins.items() if read is not None]
                assert len(rows37) == len(rows38), f"{gene} has positions without a GRCh37 form"
                name = f"{gene}_{locus.pos}_{alt}"
                call38 = _calls(_vcf(tmp_path / f"{name}_38.vcf", "GRCh38", rows38), core)[gene]
                call37 = _calls(_vcf(tmp_path / f"{name}_37.vcf", "GRCh37", rows37), core)[gene]
                assert call38.diplotypes, f"{gene} {locus.id} {alt} not called from GRCh38"
                assert [d.name for d in call37.diplotypes] == [d.name for d in call38.diplotypes], (gene, alt)
                assert not call37.missing_positions
                checked.append((gene, [d.name for d in call38.diplotypes]))
    assert {"UGT1A1", "CYP2C9", "CYP3A5", "NUDT15"} <= {gene for gene, _ in checked}
    assert ("UGT1A1", ["*1/*28"]) in checked


# -- issue 11 item 2: an override never overrules the header; GRCh37 everywhere the knowledge has it ---------------


def _cli(*args: str, kb_home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TAILORMED_KB": str(kb_home), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "tailormed", *args], capture_output=True, text=True, check=False, env=env
    )


def _lifted_loci(bundle: KnowledgeBundle) -> dict[str, Locus]:
    lifted = pgx.grch37_forms(bundle)
    definitions, _ = pgx.load_calling(bundle)
    found = {}
    for definition in definitions.values():
        for locus in definition.loci():
            read = pgx.lift_to_grch37(locus, lifted)
            if read is not None:
                found[locus.key] = read
    return found


def _hale37(tmp_path: Path, bundle: KnowledgeBundle) -> Path:
    """demo-01's VCF in GRCh37 coordinates (sites whose GRCh37 base is the same), with a GRCh37 header."""
    lifted = {key: (read.pos, read.ref) for key, read in _lifted_loci(bundle).items()}
    record = demo_record("demo-01-hale")
    source = resolve_genome_path(load_record(record, RANGES), record)
    assert source is not None
    lines = []
    for line in source.read_text().splitlines():
        if line.startswith(("##contig", "##reference")):
            continue
        if line.startswith("#CHROM"):
            lines.append("##reference=file:///refs/human_g1k_v37.fasta")
            lines.append("##contig=<ID=chr10,length=135534747>")
        elif not line.startswith("#"):
            chrom, pos, rsid, ref, *rest = line.split("\t")
            target = lifted.get(f"{chrom}:{pos}")
            if target is None or target[1] != ref:
                continue
            line = "\t".join([chrom, str(target[0]), rsid, ref, *rest])
        lines.append(line)
    path = tmp_path / "hale37.vcf"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_build_override_against_the_header_is_refused(core: KnowledgeBundle, tmp_path: Path) -> None:
    vcf = _hale37(tmp_path, core)
    done = _cli("pgx", "call", str(vcf), "--build", "GRCh38", "--absent-is-reference", kb_home=tmp_path / "kb")
    assert done.returncode == 2
    assert "--build GRCh38 contradicts the file's header, which says GRCh37" in done.stderr
    assert "human_g1k_v37.fasta" in done.stderr
    done = _cli("pgx", "call", str(vcf), "--absent-is-reference", kb_home=tmp_path / "kb")
    assert done.returncode == 0, done.stderr
    rows = {line.split("\t")[1]: line.split("\t") for line in done.stdout.splitlines()[1:]}
    assert rows["CYP2C19"][2] == "*2/*2"


def test_analyze_reads_a_grch37_genome(core: KnowledgeBundle, tmp_path: Path) -> None:
    vcf = _hale37(tmp_path, core)
    result = analyze_files(demo_record("demo-01-hale"), vcf=vcf, out_dir=tmp_path / "out", bundle=core)
    assert result.evidence is not None and result.evidence.build.build is G37
    assert result.plan.inputs["build"].startswith("GRCh37 (header reference line")
    assert "action:medication_change:pgx:clopidogrel:cpic" in {a.id for a in result.plan.actions}


# -- issue 11 item 3: a bgzip file cut at a block boundary is not complete ------------------------------------------


def test_bgzf_cut_at_a_block_boundary_is_refused(shared_data: Path, core: KnowledgeBundle, tmp_path: Path) -> None:
    text = (shared_data / "pgx/pharmcat/examples/pharmcat.example2.vcf").read_bytes()
    cut = text.index(b"\nchr10\t") + 1
    assert bgzf_block(b"") == bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
    complete = tmp_path / "complete.vcf.gz"
    complete.write_bytes(bgzf_block(text[:cut]) + bgzf_block(text[cut:]) + bgzf_block(b""))
    truncated = tmp_path / "truncated.vcf.gz"
    truncated.write_bytes(bgzf_block(text[:cut]))  # an interrupted copy: whole blocks, no end-of-file block
    assert gzip.decompress(truncated.read_bytes()) == text[:cut]  # gzip itself sees nothing wrong
    assert [d.name for d in _calls(complete, core)["CYP2C19"].diplotypes] == ["*2/*2"]
    with pytest.raises(InputError, match="without the BGZF end-of-file block: it is truncated") as caught:
        _calls(truncated, core)
    assert str(truncated) in str(caught.value)
    assert not bgzf_complete(truncated.read_bytes()) and bgzf_complete(complete.read_bytes())


def test_a_stream_is_read_once_without_touching_disk(shared_data: Path, core: KnowledgeBundle, tmp_path: Path) -> None:
    """A genome piped in by another process (``cat file | tailormed ...``) is read in one pass from where the pipe
    stands; the evidence equals the file's. The writer is a separate process, as a real pipe's is: htslib's read
    does not let another thread of this process run while it waits."""
    text = (shared_data / "pgx/pharmcat/examples/pharmcat.example2.vcf").read_bytes()
    data = bgzf_block(text) + bgzf_block(b"")
    path = tmp_path / "example2.vcf.gz"
    path.write_bytes(data)
    with subprocess.Popen(["cat", str(path)], stdout=subprocess.PIPE) as feeder:
        assert feeder.stdout is not None
        streamed = read_genome(GenomeInput.from_fd(feeder.stdout.fileno(), "upload 42"), pgx.genome_request_for(core))
        assert feeder.wait(timeout=60) == 0
    from_file = read_genome(path, pgx.genome_request_for(core))
    assert streamed.source.label == "upload 42" and streamed.source.format == "stream"
    assert streamed.genotypes == from_file.genotypes and streamed.build == from_file.build
    assert bgzf_complete(data[-28:])


# -- issue 11 item 4: a VCF declared complete that covers none of a gene --------------------------------------------


def _one_sample(source: Path, sample: str, out: Path) -> Path:
    with gzip.open(source, "rt") as handle:
        lines = handle.read().splitlines()
    header = next(line for line in lines if line.startswith("#CHROM")).split("\t")
    column = header.index(sample)
    kept = [line for line in lines if line.startswith("##")]
    kept += ["\t".join([*fields[:9], fields[column]]) for fields in (x.split("\t") for x in lines if x[:2] != "##")]
    out.write_text("\n".join(kept) + "\n")
    return out


def test_genes_a_complete_vcf_does_not_cover_are_not_called(shared_data: Path, tmp_path: Path) -> None:
    sites = shared_data / "risk/genotypes/tiny1000G.GRCh38.PGS001229_sites.vcf.gz"
    vcf = _one_sample(sites, "HG00096", tmp_path / "HG00096.vcf")
    done = _cli("pgx", "call", str(vcf), "--absent-is-reference", "--build", "GRCh38", kb_home=tmp_path / "kb")
    assert done.returncode == 0, done.stderr
    rows = [line.split("\t") for line in done.stdout.splitlines()[1:]]
    assert rows and all(row[5] == "no_call" and row[2] == "" for row in rows)  # never *1/*1 Normal
    for gene in ("CYP3A5", "CYP2C19", "CYP2C9", "VKORC1"):
        assert f"{gene}: not called: the VCF is declared complete but has no record at all in" in done.stderr


# -- issue 11 item 11: a REF that disagrees with the knowledge is never a match, and the user is told -------------


def test_a_pgx_position_whose_ref_disagrees_is_not_used_and_said_so(tmp_path: Path) -> None:
    """rs4244285 (CYP2C19*2) is G>A in GRCh38; a record with REF C there is not read, and stderr says why."""
    vcf = _vcf(tmp_path / "mismatch.vcf", "GRCh38", [("chr10", 94781859, "C", "A", "1/1")])
    done = _cli("pgx", "call", str(vcf), kb_home=tmp_path / "kb")
    assert done.returncode == 0, done.stderr
    assert "warning: S1: chr10:94781859: VCF REF C differs from the knowledge REF G (line 5); not used" in done.stderr
    (row,) = [line.split("\t") for line in done.stdout.splitlines() if "\tCYP2C19\t" in line]
    assert "rs4244285" in row[6].split(",")  # listed missing, never read as *2 or as reference


# -- a call that could not test an allele: the advice resting on it is provisional --------------------------------


def test_advice_on_a_call_that_could_not_test_a_no_function_allele_is_provisional(
    core: KnowledgeBundle, tmp_path: Path
) -> None:
    """CYP2C19 from a VCF holding only rs12248560 (0/0): the matcher, like PharmCAT's, calls *1/*1, since *2 and *3
    cannot be tested (rs4244285, rs4986893 not in the file). Standard-dose clopidogrel must not read as settled."""
    from tailormed.engines.pgx.findings import analyze_pgx
    from tailormed.model.patient import Medication, Patient

    only = _vcf(tmp_path / "one.vcf", "GRCh38", [("chr10", 94761900, "C", "T", "0/0")])
    calls = _calls(only, core, AbsentPolicy())
    assert [d.name for d in calls["CYP2C19"].diplotypes] == ["*1/*1"]
    assert calls["CYP2C19"].untested == {"*2": ["rs4244285"], "*3": ["rs4986893"]}
    _, knowledge, _ = pgx.load_pgx(core)
    patient = Patient(id="p", medications=[Medication(name="clopidogrel")])
    result = analyze_pgx(patient, list(calls.values()), knowledge, on=date(2026, 1, 15))
    cyp2c19 = result.phenotypes["CYP2C19"]
    assert {p.diplotype: p.phenotype for p in cyp2c19.untested}.items() >= {
        ("*1/*2", "Intermediate Metabolizer"),
        ("*2/*2", "Poor Metabolizer"),
    }
    (cpic,) = [g for m in result.review.medications for g in m.genotype_recommendations if g.source == "CPIC"]
    assert cpic.provisional and cpic.resolving_test == "genotyping rs4244285, rs4986893"
    assert cpic.range_note is not None and "*2/*2: Poor Metabolizer if *2 is present (rs4244285 not called)" in (
        cpic.range_note
    )
    complete = _vcf(tmp_path / "all.vcf", "GRCh38", [("chr10", 94761900, "C", "T", "0/0"),
                                                     ("chr10", 94781859, "G", "A", "0/0"),
                                                     ("chr10", 94780653, "G", "A", "0/0")])  # fmt: skip
    tested = _calls(complete, core, AbsentPolicy())["CYP2C19"]
    assert tested.untested == {} and [d.name for d in tested.diplotypes] == ["*1/*1"]
    record = tmp_path / "p.yaml"
    record.write_text("id: p\ndemographics: {sex: male, birth_date: 1960-01-01}\nmedications: [{name: clopidogrel}]\n")
    done = analyze_files(record, vcf=only, out_dir=tmp_path / "out", bundle=core, pdf=False)
    clinician = (done.folder / "report_clinician.html").read_text() if done.folder else ""
    patient_report = (done.folder / "report_patient.html").read_text() if done.folder else ""
    assert "Provisional" in clinician and "genotyping rs4244285, rs4986893" in clinician
    assert "copy-number test" not in patient_report  # the patient's copy-number wording is for CYP2D6 only


# -- issue 11 item 12: no htslib index noise on unindexed files -----------------------------------------------------


def test_unindexed_files_read_quietly(shared_data: Path, tmp_path: Path) -> None:
    copy = tmp_path / "cineca.vcf.gz"
    copy.write_bytes((shared_data / "risk/genotypes/cineca_synthetic_subset.GRCh37.chr22.vcf.gz").read_bytes())
    for args in (["vcf", "info", str(copy)], ["pgx", "call", str(copy), "-s", "HG00097_HG00097", "--build", "GRCh37"]):
        done = _cli(*args, kb_home=tmp_path / "kb")
        assert done.returncode == 0, done.stderr
        assert "[E::" not in done.stderr and "idx_find_and_load" not in done.stderr
