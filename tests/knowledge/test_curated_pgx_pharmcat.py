"""The curated PGx core against PharmCAT's full data (shared development data): same positions and bases, same
phenotypes for the same diplotypes, and the same CPIC strength for the same drug, population and gene results."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tailormed.knowledge.importers import pharmcat_guidelines
from tailormed.knowledge.pgx.definitions import IUPAC, GeneDefinition, is_wobble
from tailormed.knowledge.pgx.guidelines import GuidelineKnowledge, RecommendationRow, read_guidelines
from tailormed.knowledge.pgx.phenotypes import PhenotypeKnowledge, diplotype_key

#: Curated allele name -> PharmCAT's name, where they differ (PharmCAT's reference sequence of CYP2C19 is *38).
RENAMED = {("CYP2C19", "*1"): "*1"}
#: Genes without a PharmCAT phenotype table in this data, and what they are checked against instead.
NO_PHARMCAT_TABLE = {"CYP4F2": "CPIC assigns no CYP4F2 phenotype", "G6PD": "PyPGx table", "CYP2D6": "fallback table"}


@pytest.fixture(scope="module")
def pharmcat(shared_data: Path) -> Path:
    return shared_data / "pgx" / "pharmcat"


def _translation(pharmcat: Path, gene: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((pharmcat / "definition" / "alleles" / f"{gene}_translation.json").read_text())
    return data


def test_variants_agree_with_pharmcat(pharmcat: Path, definitions: dict[str, GeneDefinition]) -> None:
    compared = 0
    for gene, definition in definitions.items():
        upstream = {v["position"]: v for v in _translation(pharmcat, gene)["variants"]}
        for variant in definition.variants:
            theirs = upstream.get(variant.pos)
            assert theirs is not None, f"{gene} {variant.rsid}: position {variant.pos} not in PharmCAT"
            assert (variant.chrom, variant.rsid, variant.ref, variant.alts, variant.hgvs) == (
                theirs["chromosome"],
                theirs["rsid"],
                theirs["ref"],
                tuple(theirs["alts"]),
                theirs["chromosomeHgvsName"],
            ), f"{gene} {variant.rsid}"
            compared += 1
    assert compared == 248  # 45 hand-written positions, CYP2D6's 156 and NAT2's 47


def test_allele_bases_agree_with_pharmcat(pharmcat: Path, definitions: dict[str, GeneDefinition]) -> None:
    compared = 0
    for gene, definition in definitions.items():
        raw = _translation(pharmcat, gene)
        index = {v["position"]: i for i, v in enumerate(raw["variants"])}
        upstream = {a["name"]: a["alleles"] for a in raw["namedAlleles"]}
        reference_bases = next(a["alleles"] for a in raw["namedAlleles"] if a["reference"])
        for allele in definition.named_alleles:
            name = RENAMED.get((gene, allele.name), allele.name)
            assert name in upstream, f"{gene} {allele.name} is not a PharmCAT allele"
            for variant, cell in zip(definition.variants, allele.alleles, strict=True):
                ours = cell if cell is not None else variant.ref
                i = index[variant.pos]
                theirs = upstream[name][i] if upstream[name][i] is not None else reference_bases[i]
                if is_wobble(theirs) and (cell is None or allele.is_reference):  # read as the VCF REF
                    assert ours in IUPAC[theirs], f"{gene} {allele.name} at {variant.rsid}: core {ours}, {theirs}"
                else:
                    assert ours == theirs, f"{gene} {allele.name} at {variant.rsid}: core {ours}, PharmCAT {theirs}"
                compared += 1
    assert compared > 250


def test_core_names_every_pharmcat_allele_its_positions_define(
    pharmcat: Path, definitions: dict[str, GeneDefinition]
) -> None:
    """A PharmCAT allele whose variant bases all lie at core positions must be in the core, or it would be miscalled."""
    exemptions = json.loads((pharmcat / "definition" / "alleles" / "exemptions.json").read_text())
    for gene, definition in definitions.items():
        raw = _translation(pharmcat, gene)
        positions = [v["position"] for v in raw["variants"]]
        reference = next(a["alleles"] for a in raw["namedAlleles"] if a["reference"])
        core_positions = {v.pos for v in definition.variants}
        ours = {RENAMED.get((gene, a.name), a.name) for a in definition.named_alleles}
        ignored = set(exemptions.get(gene, {}).get("ignoredAlleles") or ())
        for allele in raw["namedAlleles"]:
            varied = {
                p for p, c, r in zip(positions, allele["alleles"], reference, strict=True) if c is not None and c != r
            }
            if varied and varied <= core_positions and allele["name"] not in ignored:
                assert allele["name"] in ours, f"{gene} {allele['name']} is defined by core positions but missing"


def test_phenotypes_agree_with_pharmcat_tables(pharmcat: Path, phenotypes: PhenotypeKnowledge) -> None:
    compared = 0
    for gene, table in phenotypes.genes.items():
        path = pharmcat / "phenotype" / f"{gene.replace('-', '_')}.json"
        if gene == "CYP2D6":
            path = pharmcat / "phenotype_fallback" / "CYP2D6.cpic.json"
        if not table.diplotypes or not path.is_file():
            assert not table.diplotypes or gene in NO_PHARMCAT_TABLE
            continue
        raw = json.loads(path.read_text())
        functions = {a["name"]: (a["functionValue"], a["activityValue"]) for a in raw["namedAlleles"]}
        for allele in table.alleles.values():
            assert functions[allele.name][0] == allele.function, f"{gene} {allele.name}"
            if allele.activity_value is not None:
                assert functions[allele.name][1] == allele.activity_value, f"{gene} {allele.name}"
        rows = {
            diplotype_key(n for n, k in r["diplotypekey"].items() for _ in range(int(k))): r for r in raw["diplotypes"]
        }
        for row in table.diplotypes:
            theirs = rows[row.alleles]
            assert (row.phenotype, row.activity_score, row.lookup_key) == (
                theirs["phenotype"],
                theirs["activityScore"],
                theirs["lookupkey"],
            ), f"{gene} {'/'.join(row.alleles)}"
            compared += 1
    assert compared > 200


def test_g6pd_phenotypes_agree_with_pypgx(shared_data: Path, phenotypes: PhenotypeKnowledge) -> None:
    """PharmCAT's G6PD table is missing from this data; PyPGx's CPIC-derived table writes males as ``X/MALE``."""
    expected: dict[tuple[str, ...], str] = {}
    with (shared_data / "pgx" / "pypgx" / "diplotype-table.csv").open(newline="") as handle:
        for record in csv.DictReader(handle):
            parts = tuple(record["Diplotype"].split("/"))
            if record["Gene"] == "G6PD" and len(parts) == 2:
                alleles = parts[:1] if parts[1] == "MALE" else parts
                expected[diplotype_key(alleles)] = record["Phenotype"].removeprefix("G6PD ")
    table = phenotypes.gene("G6PD")
    assert table is not None and table.haploid
    for row in table.diplotypes:
        assert expected[row.alleles] == row.phenotype, "/".join(row.alleles)
    assert len(table.diplotypes) == 15 + 15 * 16 // 2


@pytest.fixture(scope="module")
def upstream_guidelines(pharmcat: Path, tmp_path_factory: pytest.TempPathFactory) -> GuidelineKnowledge:
    out = tmp_path_factory.mktemp("pharmcat-guidelines")
    folder = pharmcat_guidelines.detect(pharmcat)
    assert folder is not None
    pharmcat_guidelines.build(folder, out)
    return read_guidelines(out / "guidelines.json")


def test_core_holds_every_pharmcat_row_for_its_genes(
    guidelines: GuidelineKnowledge, upstream_guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    """Every CPIC and DPWG row whose genes the core can phenotype is in the core, with the same strength and words,
    and quotes the guideline; nothing in the core says "no guidance" where the annotations hold a recommendation.
    A guideline written by hand from a newer annotation (same id as a generated one) replaces the export's rows."""
    core_genes = set(phenotypes.genes)
    folder = Path(pharmcat_guidelines.__file__).resolve().parents[1] / "curated" / "pgx-core-guidelines"
    written = yaml.safe_load((folder / "guidelines.yaml").read_text(encoding="utf-8"))["guidelines"]
    generated = {g["id"] for g in yaml.safe_load((folder / "cpic-dpwg.yaml").read_text(encoding="utf-8"))["guidelines"]}
    replaced = {g["url"].rsplit("/", 1)[1] for g in written if g["id"] in generated}
    # DPWG atorvastatin and simvastatin (the 2024 statin guideline); DPWG eliglustat; DPWG carbamazepine (HLA-A,
    # HLA-B), lamotrigine, oxcarbazepine and phenytoin (HLA-B) as updated by the 2024 anti-epileptic guideline
    assert replaced == {
        "PA166104933",  # CPIC azathioprine, mercaptopurine, thioguanine: intermediate for both TPMT and NUDT15
        "PA166104945",
        "PA166104965",
        "PA166182843",
        "PA166182844",
        "PA166182823",
        "PA166265161",
        "PA166265162",
        "PA166265341",
        "PA166265201",
        "PA166264881",
        "PA166104970",  # DPWG codeine, doxepin, flecainide: CYP2D6 activity score 2.5 ultrarapid
        "PA166104994",
        "PA166104969",
        "PA166104961",  # DPWG nortriptyline, metoprolol, tamoxifen, tramadol, venlafaxine (CYP2D6)
        "PA166104995",
        "PA166104966",
        "PA166104959",
        "PA166104968",
        "PA166104975",  # DPWG escitalopram, citalopram, omeprazole, pantoprazole: likely and rapid CYP2C19 rows
        "PA166104977",
        "PA166104957",
        "PA166104958",
        "PA166104960",  # DPWG thioguanine: TPMT possible intermediate metabolizer
        "PA166104982",  # DPWG amitriptyline, clomipramine, imipramine (CYP2D6): new doses, 2.5 ultrarapid
        "PA166104964",
        "PA166104972",
        "PA166104956",  # DPWG clopidogrel: likely and rapid CYP2C19 rows
        "PA166104976",  # DPWG paroxetine, risperidone, haloperidol: CYP2D6 2.5 ultrarapid
        "PA166104943",
        "PA166104988",
        "PA166182846",  # DPWG efavirenz: CYP2B6 rapid and ultrarapid rows
        "PA166184528",  # DPWG clomipramine, imipramine (CYP2C19), lansoprazole, voriconazole: likely and rapid rows
        "PA166104954",
        "PA166104987",
        "PA166104990",
        "PA166104937",  # DPWG aripiprazole, atomoxetine, brexpiprazole, pimozide, propafenone, zuclopenthixol:
        "PA166104989",  # CYP2D6 activity score 2.5 ultrarapid, rows for 1.75, 2.75, >=3.75 and n/a
        "PA166184527",
        "PA166182819",
        "PA166104962",
        "PA166104992",
        "PA166104963",  # DPWG capecitabine, fluorouracil, tegafur, flucytosine: DPYD 1.0 rows merged into one
        "PA166104939",
        "PA166104944",
        "PA166222801",
        "PA166104934",  # DPWG azathioprine, mercaptopurine (TPMT, NUDT15), thioguanine (NUDT15), irinotecan,
        "PA166184614",  # tacrolimus: rows for possible intermediate metabolizers and indeterminate
        "PA166104952",
        "PA166184613",
        "PA166184612",
        "PA166104951",
        "PA166104983",
        "PA166104984",  # DPWG phenytoin and siponimod (CYP2C9): rows by activity score
        "PA166211021",
        "PA166182842",  # DPWG warfarin (CYP2C9 rows by activity score; VKORC1 without links)
        "PA166182841",
    }

    def keys(row: RecommendationRow) -> list[frozenset[tuple[str, str, tuple[str, ...]]]]:
        options = [
            [(c.gene, c.kind.value, (v,)) for v in c.values]
            if c.kind.value in ("activity_score", "phenotype")
            else [(c.gene, c.kind.value, c.values)]
            for c in row.criteria
        ]
        return [frozenset(combo) for combo in itertools.product(*options)]

    index: dict[tuple[str, str, str | None, frozenset[tuple[str, str, tuple[str, ...]]]], list[RecommendationRow]] = {}
    for guideline in guidelines.guidelines:
        for row in guideline.recommendations:
            for drug in row.drugs or tuple(d.name for d in guideline.drugs):
                for key in keys(row):
                    index.setdefault((guideline.source, drug, row.population, key), []).append(row)
    compared, missing, different = 0, [], []
    for guideline in upstream_guidelines.guidelines:
        if guideline.id in replaced:
            continue
        for row in guideline.recommendations:
            if not set(row.genes) <= core_genes or len(row.text) < 8:
                continue
            for drug in row.drugs or tuple(d.name for d in guideline.drugs):
                for key in keys(row):
                    ours = index.get((guideline.source, drug, row.population, key), [])
                    if not ours:
                        missing.append((guideline.name, drug, sorted(key)))
                    elif not any(
                        (o.classification, o.text) == (row.classification, row.text) and o.sources for o in ours
                    ):
                        different.append((guideline.name, drug, sorted(key)))
                    else:
                        compared += 1
    assert missing == []
    assert different == []
    assert compared > 1900  # the rows of the replaced guidelines are checked in test_newer_guidelines.py


def test_drug_codes_agree_with_pypgx(shared_data: Path, guidelines: GuidelineKnowledge) -> None:
    codes: dict[str, tuple[str, set[str]]] = {}
    with (shared_data / "pgx" / "pypgx" / "cpic-table.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            codes.setdefault(
                row["Drug"].casefold(), (row["RxNorm"], {c.strip() for c in row["ATC"].split(",") if c.strip()})
            )
    compared = 0
    for guideline in guidelines.guidelines:
        for drug in guideline.drugs:
            if drug.name.casefold() not in codes:
                continue  # DPWG-only drugs that PyPGx's CPIC table does not list
            rxnorm, atc = codes[drug.name.casefold()]
            assert drug.rxnorm == (rxnorm if rxnorm != "NA" else None), drug.name
            assert not atc - {"NA"} or atc & set(drug.atc), drug.name  # PyPGx also lists combination products
            compared += 1
    assert compared > 100
