"""The PGS Catalog importer reads a score's percentile VCF (megSAP's rendering) through the knowledge VCF reader:
its SUM percentiles and the reference bases at the scored sites reach the bundle, and a broken record is refused
naming its line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tailormed.errors import KnowledgeError
from tailormed.knowledge.importers import pgs_catalog

VCF = "PGS000004_GRCh38.megSAP_percentiles.vcf"


def _upstream(shared_data: Path, folder: Path) -> Path:
    folder.mkdir()
    for name in ("pgs_all_metadata_scores.csv.gz", "PGS000004_hmPOS_GRCh38.txt", VCF):
        shutil.copyfile(shared_data / "risk/pgs" / name, folder / name)
    return folder


@pytest.mark.shared
def test_percentiles_and_reference_bases_come_from_the_vcf(shared_data: Path, tmp_path: Path) -> None:
    upstream = _upstream(shared_data, tmp_path / "pgs")
    pgs_catalog.build(upstream, tmp_path / "out")
    index = json.loads((tmp_path / "out" / "scores.json").read_text())
    (distribution,) = index["scores"]["PGS000004"]["reference_distributions"]
    assert distribution["source_file"] == VCF and distribution["build"] == "GRCh38"
    assert distribution["levels"][-1] == 100.0 and len(distribution["values"]) == len(distribution["levels"])
    rows = [line.split("\t") for line in (upstream / VCF).read_text().splitlines() if not line.startswith("#")]
    sites = json.loads((tmp_path / "out" / "reference_alleles.json").read_text())["GRCh38"]
    assert sites == {f"{row[0]}:{row[1]}": row[3].upper() for row in rows}


@pytest.mark.shared
def test_a_broken_percentile_record_is_refused_with_its_line(shared_data: Path, tmp_path: Path) -> None:
    upstream = _upstream(shared_data, tmp_path / "pgs")
    lines = (upstream / VCF).read_text().splitlines(keepends=True)
    first = next(number for number, line in enumerate(lines) if not line.startswith("#"))
    fields = lines[first + 2].split("\t")
    lines[first + 2] = "\t".join([fields[0], "not-a-position", *fields[2:]])
    (upstream / VCF).write_text("".join(lines))
    with pytest.raises(KnowledgeError) as caught:
        pgs_catalog.build(upstream, tmp_path / "out")
    assert caught.value.location == f"line {first + 3}" and VCF in str(caught.value)
