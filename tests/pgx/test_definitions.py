"""The pharmcat-definitions importer and the definition models: concrete values, provenance, clear errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tailormed.errors import KnowledgeError
from tailormed.knowledge.importers import pharmcat_definitions
from tailormed.knowledge.pgx.definitions import read_definition, read_definitions
from tailormed.knowledge.registry import importers


@pytest.fixture(scope="module")
def built(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = pharmcat_definitions.detect(shared_data)
    assert root is not None and root.name == "pharmcat"
    out = tmp_path_factory.mktemp("kb") / "pharmcat-definitions"
    record = pharmcat_definitions.build(root, out)
    assert record.version == "2025-11-05-00-25"
    assert "CC-BY-SA-4.0" in record.licence and "PharmVar" in record.citation
    assert set(record.files) == {f.name for f in out.iterdir()}
    assert "definition/alleles/exemptions.json" in record.upstream_files
    return out


def test_registered() -> None:
    assert pharmcat_definitions.NAME in {i.name for i in importers()}


def test_gene_contents(built: Path) -> None:
    definitions = read_definitions(built)
    assert len(definitions) == 20
    assert sum(len(d.variants) for d in definitions.values()) == 1201
    cyp2c19 = definitions["CYP2C19"]
    assert cyp2c19.reference.name == "*38"
    star2 = next(a for a in cyp2c19.named_alleles if a.name == "*2")
    rs58973490 = next(i for i, v in enumerate(cyp2c19.variants) if v.rsid == "rs58973490")
    assert star2.alleles[rs58973490] == "R" and star2.score == 4
    cyp2c9 = definitions["CYP2C9"]
    assert [v.rsid for v in cyp2c9.exemptions.extra_positions] == ["rs12777823"]
    dpyd = definitions["DPYD"]
    assert dpyd.lowest_function and dpyd.undocumented_as_reference
    assert dpyd.allele_activity["c.1905+1G>A (*2A)"] == 0.0
    assert len(definitions["CYP2D6"].variants) == 156 and not definitions["CYP2D6"].lowest_function
    nat2 = definitions["NAT2"].exemptions
    assert len(nat2.unphased_priorities) == 29 and nat2.unphased_priorities[0].pick == "*1/*6"
    ugt = definitions["UGT1A1"].variants[1]
    assert (ugt.rsid, ugt.ref, ugt.cpic_to_vcf["TA(7)"]) == ("rs3064744", "CAT", "CAT")


def test_nothing_to_import(tmp_path: Path) -> None:
    assert pharmcat_definitions.detect(tmp_path) is None


def test_malformed_upstream(shared_data: Path, tmp_path: Path) -> None:
    root = tmp_path / "pharmcat"
    alleles = root / "definition" / "alleles"
    alleles.mkdir(parents=True)
    source = shared_data / "pgx" / "pharmcat" / "definition" / "alleles"
    shutil.copy(source / "exemptions.json", alleles)
    raw = json.loads((source / "TPMT_translation.json").read_text())
    raw["namedAlleles"][1]["alleles"] = raw["namedAlleles"][1]["alleles"][:-1]
    (alleles / "TPMT_translation.json").write_text(json.dumps(raw))
    with pytest.raises(KnowledgeError, match="cells for 43 variants") as info:
        pharmcat_definitions.build(root, tmp_path / "out")
    assert info.value.source == str(alleles / "TPMT_translation.json")
    (alleles / "TPMT_translation.json").write_text("{not json")
    with pytest.raises(KnowledgeError, match="invalid JSON"):
        pharmcat_definitions.build(root, tmp_path / "out")


def test_corrupt_bundle_file(built: Path, tmp_path: Path) -> None:
    bad = tmp_path / "TPMT.json"
    bad.write_text('{"gene": "TPMT"}')
    with pytest.raises(KnowledgeError, match="invalid allele definition") as info:
        read_definition(bad)
    assert info.value.source == str(bad)
    with pytest.raises(KnowledgeError, match="no allele definitions for NOPE"):
        read_definitions(built, ["NOPE"])
