"""Patient record intake: YAML/JSON records, their error messages, genome paths and ``tailormed record check``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tailormed.errors import InputError
from tailormed.intake.fhir import convert_fhir_bundle
from tailormed.intake.record import load_record, read_record, resolve_genome_path
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.model.patient import MedicationStatus, Route, Sex
from tailormed.pipeline.plausible import plausibility

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

FIXTURES = Path(__file__).parent / "fhir_fixtures"

RECORD = """\
id: rec-01
demographics:
  sex: female
  birth_date: 1970-05-01
medications:
  - name: clopidogrel
    rxnorm: "32968"
  - name: atorvastatin
    status: stopped
  - name: warfarin
    status: {status}
genome:
  vcf: {vcf}
  sample: S1
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_record_loads_into_patient(tmp_path: Path) -> None:
    patient = load_record(write(tmp_path, "p.yaml", RECORD.format(status="planned", vcf="genome/p.vcf")), RANGES)
    assert patient.id == "rec-01"
    assert patient.demographics.sex is Sex.FEMALE
    assert patient.demographics.birth_date is not None
    assert patient.demographics.birth_date.isoformat() == "1970-05-01"
    assert [m.status for m in patient.medications] == [
        MedicationStatus.ACTIVE,
        MedicationStatus.STOPPED,
        MedicationStatus.PLANNED,
    ]
    assert [m.name for m in patient.current_medications()] == ["clopidogrel", "warfarin"]


def test_json_record_loads_the_same_patient(tmp_path: Path) -> None:
    from_yaml = load_record(write(tmp_path, "p.yaml", RECORD.format(status="planned", vcf="p.vcf")), RANGES)
    from_json = load_record(write(tmp_path, "p.json", from_yaml.model_dump_json()), RANGES)
    assert from_json == from_yaml


def test_enum_error_names_field_path_values_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", RECORD.format(status="ongoing", vcf="p.vcf"))
    with pytest.raises(InputError) as caught:
        load_record(path, RANGES)
    assert caught.value.message == "medications[2].status: 'ongoing' is not one of active, planned, stopped"
    assert caught.value.location == "line 11"
    assert caught.value.source == str(path)
    assert caught.value.exit_code == 2


def test_medication_route_is_read_and_a_bad_route_is_refused_with_its_line(tmp_path: Path) -> None:
    text = RECORD.format(status="planned", vcf="p.vcf").replace(
        '    rxnorm: "32968"\n', '    rxnorm: "32968"\n    route: oral\n'
    )
    patient = load_record(write(tmp_path, "p.yaml", text), RANGES)
    assert [m.route for m in patient.medications] == [Route.ORAL, None, None]
    path = write(tmp_path, "bad.yaml", text.replace("route: oral", "route: cream"))
    with pytest.raises(InputError) as caught:
        load_record(path, RANGES)
    assert caught.value.message.startswith("medications[0].route: 'cream' is not one of oral, intravenous, ")
    assert "topical, ophthalmic, otic, nasal" in caught.value.message
    assert (caught.value.location, caught.value.source) == ("line 8", str(path))


def test_enum_error_in_json_also_names_the_line(tmp_path: Path) -> None:
    document = {"id": "x", "medications": [{"name": "a"}, {"name": "b", "status": "ongoing"}]}
    path = write(tmp_path, "p.json", json.dumps(document, indent=2))
    with pytest.raises(InputError) as caught:
        load_record(path, RANGES)
    assert caught.value.message == "medications[1].status: 'ongoing' is not one of active, planned, stopped"
    assert caught.value.location == "line 9"


def test_misspelled_section_is_an_error_not_silently_dropped(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"line 2: medicatons: unknown field"):
        load_record(write(tmp_path, "p.yaml", "id: x\nmedicatons:\n  - name: a\n"), RANGES)


def test_missing_required_field(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"medications\[0\]\.name: required field is missing"):
        load_record(write(tmp_path, "p.yaml", "id: x\nmedications:\n  - rxnorm: '1'\n"), RANGES)


def test_value_error_counts_further_problems(tmp_path: Path) -> None:
    text = "id: x\nobservations:\n  - {loinc: LDL, name: LDL, value: 1}\n  - {loinc: 2093-3, value: 2}\n"
    with pytest.raises(InputError) as caught:
        load_record(write(tmp_path, "p.yaml", text), RANGES)
    assert caught.value.message.startswith("observations[0].loinc: String should match pattern")
    assert caught.value.message.endswith("(and 1 more problems)")
    assert caught.value.location == "line 3"


def test_yaml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_record(write(tmp_path, "p.yaml", "id: x\nmedications: [\n  {name: a\n"), RANGES)
    assert caught.value.location is not None
    assert caught.value.location.startswith("line 4")
    assert caught.value.message.startswith("invalid YAML:")


def test_json_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_record(write(tmp_path, "p.json", '{\n  "id": "x",\n  "medications": [\n}\n'), RANGES)
    assert caught.value.location == "line 4, column 1"
    assert caught.value.message.startswith("invalid JSON:")


def test_a_field_written_twice_is_refused_not_overwritten(tmp_path: Path) -> None:
    """A second ``medications:`` block would silently replace the first list (YAML and JSON parsers keep the last
    value): the record is refused at the second key's line."""
    text = RECORD.format(status="active", vcf="g.vcf") + "medications:\n  - name: aspirin\n"
    with pytest.raises(InputError) as caught:
        load_record(write(tmp_path, "p.yaml", text), RANGES)
    assert caught.value.location is not None and caught.value.location.startswith("line 15")
    assert caught.value.message == "invalid YAML: duplicate field 'medications' (first on line 5)"
    nested = "id: x\ndemographics:\n  sex: female\n  sex: male\n"
    with pytest.raises(InputError, match=r"line 4, column 3: invalid YAML: duplicate field 'sex' \(first on line 3\)"):
        load_record(write(tmp_path, "q.yaml", nested), RANGES)
    as_json = '{\n  "id": "x",\n  "demographics": {"sex": "female"},\n  "id": "y"\n}\n'
    with pytest.raises(InputError) as caught:
        load_record(write(tmp_path, "p.json", as_json), RANGES)
    assert caught.value.location is not None and caught.value.location.startswith("line 4")
    assert caught.value.message == "invalid JSON: duplicate field 'id' (first on line 2)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "file is empty"),
        ("- a\n- b\n", "a patient record must be a mapping of fields, got a list"),
        ("just words\n", "a patient record must be a mapping of fields, got a str value"),
        ("~\n", "a patient record must be a mapping of fields, got an empty document"),
    ],
)
def test_documents_that_are_not_records(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        load_record(write(tmp_path, "p.yaml", text), RANGES)
    assert caught.value.message == message


def test_unreadable_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        load_record(tmp_path / "absent.yaml", RANGES)
    with pytest.raises(InputError, match="is a directory"):
        load_record(tmp_path, RANGES)
    binary = tmp_path / "p.yaml"
    binary.write_bytes(b"id: x\n\xff\xfe\n")
    with pytest.raises(InputError, match="line 2: not UTF-8 text"):
        load_record(binary, RANGES)


def test_resolve_genome_path_is_relative_to_the_record(tmp_path: Path) -> None:
    record = write(tmp_path, "p.yaml", RECORD.format(status="active", vcf="genome/p.vcf.gz"))
    patient = load_record(record, RANGES)
    assert resolve_genome_path(patient, record) == tmp_path / "genome" / "p.vcf.gz"
    absolute = load_record(write(tmp_path, "q.yaml", RECORD.format(status="active", vcf="/data/q.vcf")), RANGES)
    assert resolve_genome_path(absolute, record) == Path("/data/q.vcf")
    bare = load_record(write(tmp_path, "r.yaml", "id: r\n"), RANGES)
    assert resolve_genome_path(bare, record) is None


def test_fhir_bundle_is_routed_to_the_fhir_reader() -> None:
    intake = read_record(FIXTURES / "synthea_like.json", RANGES)
    assert intake.kind == "fhir-bundle"
    assert intake.patient.id == "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    assert any("Encounter" in warning for warning in intake.warnings)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from tailormed.cli import main; sys.argv = ['tailormed', *sys.argv[1:]]; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False, env={"COLUMNS": "200"}
    )


def test_cli_check_prints_normalized_json(tmp_path: Path) -> None:
    record = write(tmp_path, "p.yaml", RECORD.format(status="planned", vcf="p.vcf"))
    result = run_cli("record", "check", str(record))
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["id"] == "rec-01"
    assert [m["status"] for m in printed["medications"]] == ["active", "stopped", "planned"]
    assert "genome.vcf 'p.vcf' not found" in result.stderr


def test_cli_check_text_summary_for_a_fhir_bundle() -> None:
    result = run_cli("record", "check", str(FIXTURES / "synthea_like.json"), "--format", "text")
    assert result.returncode == 0, result.stderr
    assert "Ana Lucía Vargas" in result.stdout
    assert "fhir-bundle" in result.stdout
    assert "warning:" in result.stderr


def test_cli_check_bad_record_exits_2_with_one_clear_line(tmp_path: Path) -> None:
    record = write(tmp_path, "p.yaml", RECORD.format(status="ongoing", vcf="p.vcf"))
    result = run_cli("record", "check", str(record))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "line 11: medications[2].status: 'ongoing' is not one of active, planned, stopped" in result.stderr


def _years_ago(years: int) -> str:
    today = date.today()
    return today.replace(year=today.year - years, day=min(today.day, 28)).isoformat()


@pytest.mark.parametrize(("born", "problem"), [(_years_ago(150), "150 years old"), (_years_ago(-4), "in the future")])
def test_implausible_birth_dates_are_refused_like_implausible_ages(tmp_path: Path, born: str, problem: str) -> None:
    path = write(tmp_path, "r.yaml", RECORD.format(status="active", vcf="g.vcf").replace("1970-05-01", born))
    with pytest.raises(InputError, match=problem) as caught:
        load_record(path, RANGES)
    assert "demographics.birth_date" in str(caught.value) and caught.value.location == "line 4"
    aged = write(tmp_path, "a.yaml", "id: a\ndemographics: {age_years: 150}\n")
    with pytest.raises(InputError, match=r"demographics\.age_years"):
        load_record(aged, RANGES)


@pytest.mark.parametrize("years", [150, -4])
def test_fhir_birth_dates_are_checked_the_same_way(years: int) -> None:
    patient = {"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": _years_ago(years)}
    with pytest.raises(InputError, match="birthDate"):
        convert_fhir_bundle({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": patient}]}, "b")


@pytest.mark.parametrize("name", ['""', '"  "'])
def test_a_medication_without_a_name_is_refused(tmp_path: Path, name: str) -> None:
    text = RECORD.format(status="active", vcf="g.vcf").replace("  - name: atorvastatin", f"  - name: {name}")
    with pytest.raises(InputError) as caught:
        load_record(write(tmp_path, "p.yaml", text), RANGES)
    assert caught.value.location is not None and caught.value.location.startswith("line 8")
    assert caught.value.message.startswith("medications[1].name: ")


def test_tumour_stage_and_extent_are_checked_and_summarised(tmp_path: Path) -> None:
    """A record's tumour stage group and extent of disease: shown by ``record check``; a stage that is not an AJCC
    stage group or an extent word outside the three is refused naming the line and field."""
    tumour = "id: t-01\ntumour:\n  oncotree_code: COAD\n  stage: {stage}\n  extent: {extent}\n"
    code = "import sys; from tailormed.cli import main; sys.argv = ['tailormed', *sys.argv[1:]]; main()"

    def run_here(*args: str) -> subprocess.CompletedProcess[str]:  # this checkout's package (PYTHONPATH kept)
        env = {**os.environ, "COLUMNS": "200"}
        return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False, env=env)

    good = write(tmp_path, "good.yaml", tumour.format(stage="IIIB", extent="early"))
    result = run_here("record", "check", str(good), "--format", "text")
    assert result.returncode == 0, result.stderr
    assert "COAD, stage IIIB, early (resectable or resected)" in result.stdout
    for stage, extent, message in (
        ("stage III", "early", "line 4: tumour.stage: stage 'stage III' is not an AJCC stage group"),
        ("III", "adjuvant", "line 5: tumour.extent:"),
    ):
        bad = write(tmp_path, "bad.yaml", tumour.format(stage=stage, extent=extent))
        result = run_here("record", "check", str(bad))
        assert result.returncode == 2 and message in result.stderr, result.stderr
        if extent == "adjuvant":
            assert "early, locally_advanced, metastatic" in result.stderr


def test_tumour_wild_type_genes_are_checked(tmp_path: Path) -> None:
    """``tumour.wild_type`` lists the genes found without an alteration; a non-symbol, or a gene the same record also
    lists a somatic variant of, is refused naming the line and field."""
    tumour = "id: t-01\ntumour:\n  oncotree_code: COAD\n  wild_type: [{genes}]\n  somatic_variants:\n{variants}"
    braf = "  - gene: BRAF\n    protein_change: V600E\n"
    kras = "  - gene: KRAS\n    protein_change: G12D\n"
    record = load_record(write(tmp_path, "good.yaml", tumour.format(genes="KRAS, NRAS", variants=braf)), RANGES)
    assert record.tumour is not None and record.tumour.wild_type == ["KRAS", "NRAS"]
    ras = load_record(write(tmp_path, "ras.yaml", tumour.format(genes="RAS", variants=braf)), RANGES).tumour
    assert ras is not None and ras.wild_type_genes == {"KRAS", "NRAS"}  # RAS as the panitumumab label defines it
    for genes, variants, message in (
        ("KRAS, NRAS", braf + kras, "wild_type[0]: KRAS is stated wild-type but somatic_variants lists a KRAS variant"),
        ("RAS", kras, "wild_type[0]: RAS (with KRAS) is stated wild-type but somatic_variants lists a KRAS variant"),
        ("KRAS wild-type", braf, "'KRAS wild-type' is not an HGNC gene symbol"),
    ):
        with pytest.raises(InputError) as caught:
            load_record(write(tmp_path, "bad.yaml", tumour.format(genes=genes, variants=variants)), RANGES)
        assert caught.value.location is not None and caught.value.location.startswith("line "), caught.value
        assert message in caught.value.message, caught.value.message


def test_her2_ish_negative_beside_erbb2_amplification_is_refused(tmp_path: Path) -> None:
    """A record whose HER2 ISH test found no amplification while its copy-number list gives ERBB2 amplified
    contradicts itself about the HER2-negative labels: refused naming the line and both fields. Either one alone is
    taken."""
    tumour = "id: t-03\ntumour:\n  oncotree_code: IDC\n{expression}{copy_number}"
    ish = "  protein_expression:\n  - marker: HER2\n    result: IHC 2+\n  - marker: HER2\n    result: ISH negative\n"
    amplified = "  copy_number:\n  - gene: ERBB2\n    kind: amplification\n"
    for expression, copy_number in ((ish, ""), ("", amplified)):
        load_record(write(tmp_path, "good.yaml", tumour.format(expression=expression, copy_number=copy_number)), RANGES)
    with pytest.raises(InputError) as caught:
        load_record(write(tmp_path, "bad.yaml", tumour.format(expression=ish, copy_number=amplified)), RANGES)
    assert caught.value.location is not None and caught.value.location.startswith("line "), caught.value
    assert (
        "protein_expression[1]: HER2 ISH negative states ERBB2 not amplified but copy_number[0] lists an ERBB2 "
        "amplification; keep the one the report gives"
    ) in caught.value.message, caught.value.message


def test_record_check_shows_the_genes_found_wild_type(tmp_path: Path) -> None:
    """``record check --format text`` names the genes the tumour was found wild-type in beside its stage and extent,
    so a user sees what a wild-type label will be matched against before analysing."""
    record = write(tmp_path, "t.yaml", "id: t-02\ntumour:\n  oncotree_code: COAD\n  stage: IV\n  extent: metastatic\n"
                   "  wild_type: [KRAS, NRAS]\n")  # fmt: skip
    code = "import sys; from tailormed.cli import main; sys.argv = ['tailormed', *sys.argv[1:]]; main()"
    env = {**os.environ, "COLUMNS": "200"}
    result = subprocess.run(
        [sys.executable, "-c", code, "record", "check", str(record), "--format", "text"],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "COAD, stage IV, metastatic, wild-type: KRAS, NRAS" in result.stdout, result.stdout
