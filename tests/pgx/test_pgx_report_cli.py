"""``tailormed pgx report`` through ``python -m tailormed``: text and JSON, ``-o``, and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tailormed.demo import demo_record


def run(*args: str, kb_home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TAILORMED_KB": str(kb_home), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "tailormed", "pgx", "report", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def test_text_report(tmp_path: Path) -> None:
    result = run("--record", str(demo_record("demo-01-hale")), kb_home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "PGx report for demo-01-hale (sample HALE-R-WGS" in result.stdout
    assert "absent positions assumed reference" in result.stdout
    assert "clopidogrel" in result.stdout
    assert "Poor Metabolizer" in result.stdout


def test_json_report_to_file(tmp_path: Path) -> None:
    outside = tmp_path / "cyp2d6.tsv"
    outside.write_text("CYP2D6\t*1/*17\n")
    target = tmp_path / "report.json"
    record = str(demo_record("demo-02-mensah"))
    result = run("--record", record, "--outside-calls", str(outside), "-f", "json", "-o", str(target), kb_home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    data = json.loads(target.read_text())
    assert data["patient"] == "demo-02-mensah"
    assert data["build"]["source"] == "ref_alleles"
    assert data["knowledge"]["pgx-core-definitions"]
    genes = {g["gene"]: g for g in data["genes"]}
    assert genes["CYP2C9"]["diplotypes"] == ["*1/*8"]
    changes = {c["gene"]: c for c in data["medication_review"]["phenoconversions"]}
    assert changes["CYP2D6"]["effective_phenotype"] == "Poor Metabolizer"
    assert data["warfarin"]["weekly_mg"] > 0
    assert "pgx:warfarin:dose" in {f["id"] for f in data["findings"]}


def test_text_report_to_file(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    result = run("--record", str(demo_record("demo-04-park")), "-o", str(target), kb_home=tmp_path)
    assert result.returncode == 0, result.stderr
    text = target.read_text()
    assert "PGx report for demo-04-park" in text
    assert "capecitabine" in text
    assert "absent positions not called" in text


def test_bad_inputs_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("NOTAGENE\t*1/*1\n")
    target = tmp_path / "report.json"
    record = str(demo_record("demo-01-hale"))
    result = run("--record", record, "--outside-calls", str(bad), "-f", "json", "-o", str(target), kb_home=tmp_path)
    assert result.returncode == 2
    assert f"{bad}, line 1: unknown gene 'NOTAGENE'" in result.stderr
    assert not target.exists()
    no_genome = tmp_path / "p.yaml"
    no_genome.write_text("id: p1\n")
    result = run("--record", str(no_genome), kb_home=tmp_path)
    assert result.returncode == 2
    assert "no VCF given and the record has no genome.vcf" in result.stderr
    missing = run("--record", record, "--vcf", str(tmp_path / "none.vcf"), kb_home=tmp_path)
    assert missing.returncode == 2
    assert "none.vcf" in missing.stderr


def test_text_report_marks_advice_on_a_vcf_cyp2d6_call_provisional(tmp_path: Path, shared_data: Path) -> None:
    """CYP2D6 *1/*1 from SNVs could be *1/*1x2 (ultrarapid): the codeine row says so in the table itself."""
    record = tmp_path / "patient.yaml"
    vcf = shared_data / "pgx" / "pharmcat" / "examples" / "pharmcat.example2.vcf"
    record.write_text(
        "id: cyp2d6-vcf\ndemographics: {sex: female, birth_date: 1970-01-01}\n"
        f"medications: [{{name: codeine}}, {{name: clopidogrel}}]\ngenome: {{vcf: {vcf}}}\n",
        encoding="utf-8",
    )
    result = run("--record", str(record), kb_home=tmp_path)
    assert result.returncode == 0, result.stderr
    review = " ".join(result.stdout.split("Medication review", 1)[1].split())
    codeine = review.split("codeine", 1)[1].split("clopidogrel", 1)[0]
    assert "provisional: based on CYP2D6 *1/*1" in codeine
    assert "*1/*1x2: Ultrarapid Metabolizer" in codeine
    assert "CYP2D6 copy-number testing resolves this" in codeine
    clopidogrel = review.split("clopidogrel", 1)[1]
    assert "provisional" not in clopidogrel.split("guidance that would change", 1)[0]


def review_rows(text: str) -> list[list[str]]:
    """The medication review table's rows, each cell's wrapped lines joined."""
    rows: list[list[str]] = []
    table = text[text.index("Medication review") :]
    for line in table.splitlines():
        if not line.startswith("│"):
            continue
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if cells[0] or cells[1]:
            rows.append(cells)
        elif rows:
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
    return rows


def test_a_recommendation_is_shown_whole(tmp_path: Path) -> None:
    """DPWG's atorvastatin row for SLCO1B1 decreased function opens with a condition and a colon; the table must show
    the advice that follows it (and the advice for patients without that condition), not the condition alone."""
    target = tmp_path / "report.txt"
    result = run("--record", str(demo_record("demo-01-hale")), "-o", str(target), kb_home=tmp_path)
    assert result.returncode == 0, result.stderr
    [row] = [r for r in review_rows(target.read_text()) if r[:2] == ["atorvastatin", "DPWG"]]
    advice = row[3]
    assert "Patient has ADDITIONAL SIGNIFICANT RISK FACTORS for statin-induced myopathy:" in advice
    assert "Choose an alternative." in advice
    assert "Patient has NO additional significant risk factors" in advice
