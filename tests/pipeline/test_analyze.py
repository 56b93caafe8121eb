"""``analyze_files``: files written atomically into OUT/<patient id>/, and nothing on bad input."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from tailormed.demo import demo_record
from tailormed.errors import InputError
from tailormed.fileio import OUTPUTS_LIST
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.model.careplan import CarePlan
from tailormed.model.evidence import DeclaredBy, GenomeEvidence
from tailormed.pipeline.analyze import analyze_files
from tailormed.report.outputs import report_file_names, report_support
from tailormed.report.tables import PGX_COLUMNS

ON = date(2026, 1, 15)



def test_writes_every_file(core: KnowledgeBundle, tmp_path: Path) -> None:
    result = analyze_files(demo_record("demo-01-hale"), out_dir=tmp_path / "out", bundle=core, on=ON)
    folder = tmp_path / "out" / "demo-01-hale"
    assert result.folder == folder
    expected = [
        "careplan.json",
        "evidence.json",
        "runs.json",
        "pgx.tsv",
        "summary.txt",
        *report_file_names(report_support()),
    ]
    written = sorted(p for p in folder.iterdir() if p.name != OUTPUTS_LIST)
    assert [p.name for p in written] == sorted(expected)
    assert sorted(result.files) == written
    plan = CarePlan.model_validate_json((folder / "careplan.json").read_text())
    assert plan.patient_id == "demo-01-hale"
    assert plan.inputs["absent_is_reference"] == "true"
    assert plan.inputs["build"].startswith("GRCh38 (header reference line")
    assert "action:medication_change:pgx:clopidogrel:cpic" in {a.id for a in plan.actions}
    assert any(n.reason == "assumed reference (declared by the user)" for n in plan.limitations)
    rows = list(csv.DictReader((folder / "pgx.tsv").read_text().splitlines(), delimiter="\t"))
    assert tuple(rows[0]) == PGX_COLUMNS
    assert {r["gene"]: r["diplotype"] for r in rows}["CYP2C19"] == "*2/*2"
    evidence = GenomeEvidence.model_validate(json.loads((folder / "evidence.json").read_text()))
    assert evidence.genotypes["pgx"]["chr10:94781859"].alleles == ("A", "A")
    assert evidence.absent.declared_by is DeclaredBy.RECORD
    summary = (folder / "summary.txt").read_text()
    # one line per drug: clopidogrel (CPIC, DPWG, FDA label), atorvastatin (CPIC, DPWG), pantoprazole (CPIC)
    assert "Act on now (3)" in summary
    assert "- [actionable] pantoprazole (CPIC): " in summary
    assert "- [actionable] clopidogrel (CPIC, DPWG, FDA label): Avoid clopidogrel" in summary
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no temporary leftovers


def test_broken_vcf_leaves_nothing(core: KnowledgeBundle, tmp_path: Path) -> None:
    record = demo_record("demo-01-hale")
    good = (record.parent / "demo-01-hale.vcf").read_text().splitlines()
    broken = tmp_path / "broken.vcf"
    broken.write_text("\n".join([*good, "chr10\t94761900\trs12248560\tC\tT\t50\tPASS\t.\tGT:DP:GQ\t0/x:30:99"]) + "\n")
    out = tmp_path / "out"
    with pytest.raises(InputError) as caught:
        analyze_files(record, vcf=broken, out_dir=out, bundle=core, on=ON)
    assert str(broken) in str(caught.value)
    assert not (out / "demo-01-hale").exists()
    assert not out.exists() or not list(out.iterdir())


def test_rerun_replaces_and_failure_keeps_previous(core: KnowledgeBundle, tmp_path: Path) -> None:
    record = demo_record("demo-04-park")
    out = tmp_path / "out"
    first = analyze_files(record, out_dir=out, bundle=core, on=ON)
    (first.folder / "notes.txt").write_text("the user's own file")
    again = analyze_files(record, out_dir=out, bundle=core, on=ON, absent_is_reference=True)
    assert (again.folder / "notes.txt").read_text() == "the user's own file"  # never deleted: not ours
    plan = CarePlan.model_validate_json((again.folder / "careplan.json").read_text())
    assert plan.inputs["absent_is_reference"] == "true"
    with pytest.raises(InputError):
        analyze_files(record, vcf=tmp_path / "missing.vcf", out_dir=out, bundle=core, on=ON)
    assert (again.folder / "careplan.json").read_text() == (out / "demo-04-park" / "careplan.json").read_text()
    assert sorted(p.name for p in out.iterdir()) == ["demo-04-park"]


def test_record_without_genome(core: KnowledgeBundle, tmp_path: Path) -> None:
    record = tmp_path / "p.yaml"
    record.write_text("id: no-genome\nmedications:\n  - name: clopidogrel\nconditions:\n  - name: Angina\n")
    result = analyze_files(record, out_dir=tmp_path / "out", bundle=core, on=ON)
    expected = ["careplan.json", "runs.json", "summary.txt", *report_file_names(report_support())]
    assert sorted(p.name for p in result.folder.iterdir() if p.name != OUTPUTS_LIST) == sorted(expected)
    assert "pgx" in result.engines_skipped
    assert "pharmacogenomic findings" in [n.item for n in result.plan.limitations]
    assert [p.title for p in result.plan.problems] == ["Angina"]
    assert result.plan.findings == []


def test_bad_record_is_an_input_error(tmp_path: Path, core: KnowledgeBundle) -> None:
    record = tmp_path / "bad.yaml"
    record.write_text("id: x\nmedicatons: []\n")
    with pytest.raises(InputError, match=r"bad\.yaml"):
        analyze_files(record, out_dir=tmp_path / "out", bundle=core)
    assert not (tmp_path / "out").exists()


def test_record_outside_calls_are_used(core: KnowledgeBundle, tmp_path: Path) -> None:
    """demo-02's record names a CYP2D6 outside call; fluoxetine then phenoconverts CYP2D6, with no option given."""
    result = analyze_files(demo_record("demo-02-mensah"), out_dir=tmp_path / "out", bundle=core, on=ON)
    plan = result.plan
    assert plan.inputs["outside_calls"].endswith("demo-02-mensah.outside.tsv")
    rows = list(csv.DictReader((result.folder / "pgx.tsv").read_text().splitlines(), delimiter="\t"))
    assert {r["gene"]: r["diplotype"] for r in rows}["CYP2D6"] == "*1/*17"
    change = next(f for f in plan.findings if f.id == "pgx:phenoconversion:CYP2D6")
    assert "fluoxetine" in change.summary.casefold()
    assert "conflict:drug_drug_gene:pgx:phenoconversion:CYP2D6" in {c.id for c in plan.conflicts}


def test_an_engine_refusing_the_record_names_the_record_file(core: KnowledgeBundle, tmp_path: Path) -> None:
    source = demo_record("demo-04-park")
    record = tmp_path / "colon.yaml"
    record.write_text(source.read_text().replace("oncotree_code: COAD", "oncotree_code: COLON"))
    (tmp_path / "demo-04-park.vcf").write_bytes((source.parent / "demo-04-park.vcf").read_bytes())
    with pytest.raises(InputError) as caught:
        analyze_files(record, out_dir=tmp_path / "out", bundle=core, on=ON)
    assert caught.value.source == str(record) and caught.value.location == "tumour.oncotree_code"
    assert not (tmp_path / "out").exists()
