"""Conformance with PharmCAT: its 69 matcher cases, its static test VCFs, and its example outputs.

* ``named_allele_matcher_cases.json``: each case gives a gene, a VCF (a static test file, or a synthetic one
  built from the definition with edits and removed positions), the matcher options and the exact diplotype list.
* ``tests/vcf/<gene>/*.vcf``: files whose name encodes the expected diplotype (``s1s17`` = ``*1/*17``).
* ``examples/``: the diplotypes in PharmCAT's example reports for every gene.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tailormed.engines.pgx.matcher import match_gene
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.pgx.definitions import GeneDefinition, load_definitions
from tailormed.model.genotype import (
    BuildDetection,
    BuildSource,
    CallState,
    GenomeBuild,
    GenotypeCall,
    SampleGenotypes,
)
from tailormed.model.pgx import CallStatus, GeneCall

PHARMCAT = Path("pgx/pharmcat")
N_CASES = 69


def read_vcf(path: Path, definition: GeneDefinition) -> SampleGenotypes:
    """The first sample's genotypes at the definition's positions, as intake hands them to the matcher."""
    wanted = {v.key: v for v in definition.variants}
    calls: dict[str, GenotypeCall] = {}
    sample = "sample"
    for line in path.read_text().splitlines():
        if line.startswith("#CHROM"):
            sample = line.split("\t")[9]
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        chrom = fields[0] if fields[0].startswith("chr") else f"chr{fields[0]}"
        key = f"{chrom}:{fields[1]}"
        if key not in wanted:
            continue
        sequences = [fields[3], *(a for a in fields[4].split(",") if a != ".")]
        gt = fields[9].split(":")[0]
        phased = "|" in gt
        indexes = re.split(r"[|/]", gt)
        alleles = tuple(None if i == "." else sequences[int(i)] for i in indexes)
        if all(a is None for a in alleles):
            state = CallState.NO_CALL
        elif any(a is None for a in alleles):
            state = CallState.PARTIAL
        elif all(a == fields[3] for a in alleles):
            state = CallState.REFERENCE
        else:
            state = CallState.VARIANT
        calls[key] = GenotypeCall(
            chrom=chrom, pos=int(fields[1]), ref=fields[3], alleles=alleles, state=state, phased=phased
        )
    return SampleGenotypes(
        sample=sample,
        source=str(path),
        build=BuildDetection(build=GenomeBuild.GRCH38, source=BuildSource.USER, detail="test"),
        calls=calls,
    )


def synthetic_vcf(case: dict[str, Any], definition: GeneDefinition, out: Path) -> Path:
    """The VCF the case describes: every position 0/0, the edits applied, the missing records dropped."""
    by_id = {v.rsid: v for v in definition.variants if v.rsid} | {v.key: v for v in definition.variants}
    edits = {by_id[e["id"]].key: e for e in case["edits"]}
    dropped = {by_id[m].key for m in case["missing"]}
    separator = "|" if case["phased"] else "/"
    lines = ["##fileformat=VCFv4.2", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tSAMPLE"]
    for variant in definition.variants:
        if variant.key in dropped:
            continue
        alts = list(variant.alts)
        gt = f"0{separator}0"
        if variant.key in edits:
            edit = edits[variant.key]
            sequences = [variant.cpic_to_vcf[a] for a in edit["cpicAlleles"]]
            for sequence in sequences:
                if sequence != variant.ref and sequence not in alts:
                    alts.append(sequence)
            order = [variant.ref, *alts]
            sep = "|" if edit.get("phased", case["phased"]) else "/"
            gt = sep.join(str(order.index(s)) for s in sequences)
        alt = ",".join(alts) or "."
        lines.append(
            f"{variant.chrom}\t{variant.pos}\t{variant.rsid or '.'}\t{variant.ref}\t{alt}\t.\tPASS\t.\tGT\t{gt}"
        )
    out.write_text("\n".join(lines) + "\n")
    return out


def names(call: GeneCall) -> list[str]:
    return [d.name for d in call.diplotypes]


def test_all_cases_present(cases: list[dict[str, Any]]) -> None:
    assert len(cases) == N_CASES


@pytest.mark.parametrize("index", range(N_CASES))
def test_pharmcat_case(
    index: int,
    cases: list[dict[str, Any]],
    definitions: dict[str, GeneDefinition],
    shared_data: Path,
    tmp_path: Path,
) -> None:
    case = cases[index]
    definition = definitions[case["gene"]]
    if not case["withExemptions"]:
        definition = definition.model_copy(update={"exemptions": type(definition.exemptions)()})
    if case["kind"] == "static_vcf":
        vcf = shared_data / PHARMCAT / "tests" / case["vcf"]
    else:
        vcf = synthetic_vcf(case, definition, tmp_path / "case.vcf")
    call = match_gene(
        definition,
        read_vcf(vcf, definition),
        top_candidate_only=case["topCandidateOnly"],
        find_combinations=case["findCombinations"],
    )
    assert names(call) == case["expected"], case["id"]
    expected_status = {0: CallStatus.NO_CALL, 1: CallStatus.CALLED}.get(len(case["expected"]), CallStatus.AMBIGUOUS)
    assert call.status == expected_status


# Static test VCFs: file -> (expected diplotype, how it is checked). "top": among the top-scoring calls (the
# only call unless the unphased data allow ties); "all": among every fitting diplotype, because unphased scoring
# ranks another equally consistent call higher (PharmCAT's tie rule); "combo": the research combination call;
# "none": no call. A string alone is a skip reason for names that do not encode a plain diplotype.
STATIC: dict[str, tuple[str, str] | str] = {
    "CYP2B6/s1s1.vcf": ("*1/*1", "top"),
    "CYP2B6/s1s34.vcf": ("*1/*34", "top"),
    "DPYD/c1129-5923c2846.vcf": ("c.1129-5923C>G/c.2846A>T", "top"),
    "DPYD/c1156het.vcf": ("Reference/c.1156G>T (*12)", "top"),
    "DPYD/c1679c1156.vcf": ("c.1156G>T (*12)/c.1679T>G (*13)", "top"),
    "DPYD/c2846het.vcf": ("Reference/c.2846A>T", "top"),
    "DPYD/c557c703.vcf": ("c.557A>G/c.703C>T (*8)", "top"),
    "DPYD/novariant.vcf": ("Reference/Reference", "top"),
    "DPYD/s1s2b.vcf": "*2B is an obsolete DPYD name (now listed as separate c. variants)",
    "IFNL3/rs12979860CC.vcf": ("rs12979860 reference (C)/rs12979860 reference (C)", "top"),
    "IFNL3/rs12979860CT.vcf": ("rs12979860 reference (C)/rs12979860 variant (T)", "top"),
    "IFNL3/rs12979860TT.vcf": ("rs12979860 variant (T)/rs12979860 variant (T)", "top"),
    "NUDT15/refref.vcf": ("*1/*1", "top"),
    "NUDT15/s2ref.vcf": ("*1/*2", "top"),
    "NUDT15/s3ref.vcf": ("*1/*3", "top"),
    "SLCO1B1/SLCO1B1_s14_s19_t1.vcf": ("*14/*19", "top"),
    "SLCO1B1/SLCO1B1_s15_s45_t1.vcf": ("*15/*45.001", "all"),
    "SLCO1B1/SLCO1B1_s19_s37_t1.vcf": ("*19/*37", "all"),
    "SLCO1B1/SLCO1B1_s1_s14_t1.vcf": ("*1/*14", "top"),
    "SLCO1B1/SLCO1B1_s1_s15_t1.vcf": ("*1/*15", "top"),
    "SLCO1B1/SLCO1B1_s1_s25_t1.vcf": ("*1/*25", "top"),
    "SLCO1B1/SLCO1B1_s37_s40_t1.vcf": ("*37/*40", "top"),
    "SLCO1B1/SLCO1B1_s5_s14_t1.vcf": ("*5/*14", "top"),
    "SLCO1B1/multi.vcf": "name does not encode a diplotype",
    "SLCO1B1/s1as15s1bs5missing.vcf": ("*1/*15", "top"),
    "SLCO1B1/s1as15s1bs5twomissing.vcf": ("*1/*15", "top"),
    "SLCO1B1/s1s1.vcf": ("*1/*1", "top"),
    "SLCO1B1/s1s15.vcf": ("*1/*15", "top"),
    "SLCO1B1/s1s44.vcf": ("*1/*44", "top"),
    "SLCO1B1/s2s2.vcf": ("*2/*2", "top"),
    "SLCO1B1/s5s15.vcf": ("*5/*15", "top"),
    "SLCO1B1/s5s45.vcf": ("*5/*45.001", "top"),
    "TPMT/het3a.vcf": ("*1/*3A", "top"),
    "TPMT/hom1s_het3a.vcf": ("*1/*3A", "top"),
    "TPMT/s15offdata.vcf": "the rs9333570 ALT is not a defined allele (off-data), read as reference in TPMT",
    "TPMT/s16s22.vcf": ("*16/*22", "top"),
    "TPMT/s1s1.vcf": ("*1/*1", "top"),
    "TPMT/s1s1s.vcf": ("*1/*1", "top"),
    "TPMT/s1ss1ss3.vcf": ("*1/*3A", "top"),
    "TPMT/s3as3b.vcf": ("*3A/*3B", "top"),
    "TPMT/s3bs3c.vcf": ("*3B/*3C", "all"),
    "TPMT/unexpected.allele.vcf": ("*1/*1", "top"),
    "TPMT/unexpected.allele.with.s9.vcf": "name does not encode a diplotype",
    "UGT1A1/HG00436.vcf": "named after a sample, not a diplotype",
    "UGT1A1/NA12717_UGT1A1.vcf": "named after a sample, not a diplotype",
    "UGT1A1/NA18868_UGT1A1.vcf": "named after a sample, not a diplotype",
    "UGT1A1/NA19785_UGT1A1.vcf": "named after a sample, not a diplotype",
    "UGT1A1/s1s1.vcf": ("*1/*1", "top"),
    "UGT1A1/s1s28s60s80unphased.vcf": ("*1/*80+*28", "top"),
    "UGT1A1/s1s37s80s60phased.vcf": ("*1/*80+*37", "top"),
    "UGT1A1/s1s60s80phased.vcf": ("*1/*80", "top"),
    # PharmCAT's own test of this file prints the combination with the tandem split: "*1/*6+*28+*80"
    "UGT1A1/s1s60s80s28s6phased.vcf": ("*1/[*6 + *28 + *80]", "combo"),
    "UGT1A1/s1s60s80s6phased.vcf": ("*1/[*6 + *80]", "combo"),
    "UGT1A1/s1s60s80unphased.vcf": ("*1/*80", "top"),
    "UGT1A1/s1s80s27s60s28missingphased.vcf": ("*1/[*27 + *80]", "combo"),
    "UGT1A1/s27s28unphaseds80s60missing.vcf": ("*27/*28", "top"),
    "UGT1A1/s28het.vcf": ("*1/*28", "top"),
    "UGT1A1/s28hets60homounphaseds80missing.vcf": ("*1/*28", "top"),
    "UGT1A1/s28s28unphaseds60s80miss.vcf": ("*28/*28", "top"),
    "UGT1A1/s28s37.vcf": ("*28/*37", "top"),
    "UGT1A1/s28s37unphaseds80s60missing.vcf": ("*28/*37", "top"),
    "UGT1A1/s28s60hom.vcf": ("*1/*28", "top"),
    "UGT1A1/s28s80phased.vcf": ("*1/*80+*28", "top"),
    "UGT1A1/s28s80s6s60phased.vcf": ("*6/*80+*28", "top"),
    "UGT1A1/s28s80s6s60unphased.vcf": ("*6/*80+*28", "top"),
    "UGT1A1/s28s80unphased.vcf": ("*1/*80+*28", "top"),
    "UGT1A1/s6s6.vcf": ("*6/*6", "top"),
    "UGT1A1/s6s60s80s28missingphased.vcf": ("*6/*80", "top"),
    "UGT1A1/s6s60s80s28missingunphased.vcf": ("*6/*80", "top"),
    "UGT1A1/s80s28missing.vcf": ("*1/*80", "top"),
    "VKORC1/-1639A-1639A.vcf": ("rs9923231 variant (T)/rs9923231 variant (T)", "top"),
    "VKORC1/-1639G-1639A.vcf": ("rs9923231 reference (C)/rs9923231 variant (T)", "top"),
    "VKORC1/-1639G-1639G.vcf": ("rs9923231 reference (C)/rs9923231 reference (C)", "top"),
    "cyp2c19/noCall.vcf": ("", "none"),
    "cyp2c19/rs12769205call.vcf": ("*1/*35", "top"),
    "cyp2c19/rs12769205missingrs4244285het.vcf": ("*1/*2", "top"),
    "cyp2c19/rs12769205only.vcf": "names a single position's genotype, not a diplotype",
    "cyp2c19/rs12769205ref.vcf": "names a single position's genotype, not a diplotype",
    "cyp2c19/s15s28.vcf": ("*15/*28", "top"),
    "cyp2c19/s1s1.vcf": ("*1/*1", "top"),
    "cyp2c19/s1s17.vcf": ("*1/*17", "top"),
    "cyp2c19/s1s17s1s4bmissing.vcf": ("*1/*17", "top"),
    "cyp2c19/s1s17s1s4bmissingmore.vcf": ("*1/*17", "top"),
    "cyp2c19/s1s1rs12248560missing.vcf": ("*1/*1", "top"),
    "cyp2c19/s1s2.vcf": ("*1/*2", "top"),
    "cyp2c19/s1s28.vcf": ("*1/*28", "top"),
    "cyp2c19/s1s2rs3758581missing.vcf": ("*1/*2", "top"),
    "cyp2c19/s1s2rs3758581missingRs58973490het.vcf": ("*1/*2", "top"),
    "cyp2c19/s1s2rs58973490het.vcf": ("*1/*2", "top"),
    "cyp2c19/s1s35.vcf": ("*1/*35", "top"),
    "cyp2c19/s1s4b.vcf": ("*1/*4", "top"),
    "cyp2c19/s1s4s17.vcf": ("*1/*4", "top"),
    "cyp2c19/s2s2.vcf": ("*2/*2", "top"),
    "cyp2c19/s2s3.vcf": ("*2/*3", "top"),
    "cyp2c19/s4as4b.vcf": ("*4/*4", "top"),
    "cyp2c19/s4bs17.vcf": ("*4/*17", "top"),
    "cyp2c19/s4bs17rs28399504missing.vcf": ("*4/*17", "top"),
    "cyp2c19/s4s17het.vcf": ("*4/*17", "top"),
    "cyp2c19/s4s17missingS1.vcf": ("*4/*17", "all"),
    "cyp2c19/sUnks17.vcf": ("", "none"),
    "cyp2c9/s1s1.vcf": ("*1/*1", "top"),
    "cyp2c9/s1s61.vcf": ("*1/*61", "top"),
    "cyp2c9/s24s24.vcf": ("*24/*24", "top"),
    "cyp2c9/s24s2pluss24.vcf": ("*24/[*2 + *24]", "combo"),
    "cyp2c9/s2s24.vcf": ("*2/*24", "top"),
    "cyp2c9/s2s24only.vcf": ("", "none"),
    "cyp2c9/s2s25.vcf": ("*2/*25", "top"),
    "cyp2c9/s2s3.vcf": ("*2/*3", "top"),
    "cyp2c9/s3s18m94981296.vcf": "names a test scenario (a removed position), not a diplotype",
    "cyp3a5/s1s1.vcf": ("*1/*1", "top"),
    "cyp3a5/s1s1rs776746missing.vcf": ("*1/*1", "top"),
    "cyp3a5/s1s3rs776746rs28383479het.vcf": "names the heterozygous positions, not a diplotype",
    "cyp3a5/s1s3rs776746rs55965422het.vcf": ("*1/*3", "top"),
    "cyp3a5/s1s3rs776746rs55965422rs28383479het.vcf": "names the heterozygous positions, not a diplotype",
    "cyp3a5/s1s7.vcf": ("*1/*7", "top"),
    "cyp3a5/s1s7missing.vcf": ("*1/*1", "top"),
    "cyp3a5/s3s3rs55965422het.vcf": ("*3/*3", "top"),
    "cyp3a5/s3s5-homozygous.vcf": "*5 (rs55965422) is no longer an allele-defining position of CYP3A5",
    "cyp3a5/s3s9-homozygous.vcf": ("*3/*9", "top"),
    "cyp3a5/s3s9.vcf": ("*3/*9", "top"),
    "cyp4f2/s1s1.vcf": ("*1/*1", "top"),
}


def test_static_table_covers_every_file(shared_data: Path) -> None:
    root = shared_data / PHARMCAT / "tests" / "vcf"
    on_disk = {p.relative_to(root).as_posix() for p in root.glob("*/*.vcf")}
    assert on_disk == set(STATIC)


@pytest.mark.parametrize("name", sorted(STATIC))
def test_static_vcf(name: str, definitions: dict[str, GeneDefinition], shared_data: Path) -> None:
    entry = STATIC[name]
    if isinstance(entry, str):
        pytest.skip(entry)
    expected, mode = entry
    definition = definitions[name.split("/")[0].upper()]
    genotypes = read_vcf(shared_data / PHARMCAT / "tests" / "vcf" / name, definition)
    call = match_gene(definition, genotypes, top_candidate_only=mode != "all", find_combinations=mode == "combo")
    if mode == "none":
        assert call.status == CallStatus.NO_CALL
        assert call.diplotypes == []
    elif mode == "combo":
        assert names(call) == [expected]
    else:
        assert expected in names(call)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("UGT1A1/s28s80phased.vcf", "*1/*80+*28"),
        ("UGT1A1/s28s80unphased.vcf", "*1/*80+*28"),
        ("UGT1A1/s1s28s60s80unphased.vcf", "*1/*80+*28"),
        ("UGT1A1/s28s80s6s60phased.vcf", "*6/*80+*28"),
        ("UGT1A1/s28s80s6s60unphased.vcf", "*6/*80+*28"),
    ],
)
@pytest.mark.parametrize("source", ["pharmcat", "core"])
def test_ugt1a1_star80_plus_star28_stays_one_named_allele_in_combination_mode(
    name: str,
    expected: str,
    source: str,
    definitions: dict[str, GeneDefinition],
    core: KnowledgeBundle,
    shared_data: Path,
) -> None:
    """*80+*28 is a named UGT1A1 allele in PharmCAT's and the core's definitions: the research combination mode
    names it as the default mode does, never as a combination ``[*28 + *80]`` of its parts."""
    core_definitions = load_definitions(core, "pgx-core-definitions")
    definition = (definitions if source == "pharmcat" else core_definitions)["UGT1A1"]
    genotypes = read_vcf(shared_data / PHARMCAT / "tests" / "vcf" / name, definition)
    for combinations in (False, True):
        assert names(match_gene(definition, genotypes, find_combinations=combinations)) == [expected], combinations


def _report_rows(path: Path) -> list[dict[str, str]]:
    lines = path.read_text().splitlines()
    header = lines[1].split("\t")
    return [dict(zip(header, line.split("\t"), strict=False)) for line in lines[2:] if line]


@pytest.mark.parametrize("example", ["pharmcat.example", "pharmcat.example2"])
def test_example_reports(example: str, definitions: dict[str, GeneDefinition], shared_data: Path) -> None:
    """Every gene PharmCAT called from the example VCF (not from an outside call) gets the same diplotype."""
    folder = shared_data / PHARMCAT / "examples"
    rows = [r for r in _report_rows(folder / f"{example}.report.tsv") if r["Outside Call"] == "no"]
    assert len(rows) >= 19
    for row in rows:
        definition = definitions[row["Gene"]]
        call = match_gene(definition, read_vcf(folder / f"{example}.vcf", definition))
        assert names(call) == [row["Source Diplotype"]], row["Gene"]
        assert call.diplotypes[0].score == int(row["Match Score"]), row["Gene"]
        assert call.missing_positions == [], row["Gene"]


def test_example2_match_json(definitions: dict[str, GeneDefinition], shared_data: Path) -> None:
    folder = shared_data / PHARMCAT / "examples"
    results = json.loads((folder / "pharmcat.example2.match.json").read_text())["results"]
    assert len(results) == 19
    for result in results:
        definition = definitions[result["gene"]]
        call = match_gene(definition, read_vcf(folder / "pharmcat.example2.vcf", definition))
        assert names(call) == [d["name"] for d in result["diplotypes"]], result["gene"]
        assert call.phased == result["phased"] or call.phased, result["gene"]
