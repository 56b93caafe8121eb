"""Measurements no living person has are refused at intake (NCD-RisC data-cleaning ranges), naming file, field,
line and value; ``risk calc`` refuses them per row and column; real extremes inside the ranges still load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tailormed.errors import InputError
from tailormed.intake.record import load_record
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.knowledge.plausible import load_plausible_ranges
from tailormed.knowledge.risk.load import load_risk_knowledge
from tailormed.pipeline.plausible import plausibility
from tailormed.pipeline.risk_cases import calc_cases

CORE = KnowledgeBundle(None, None, curated_sources())
RANGES = plausibility(CORE)

RECORD = """\
id: p1
demographics:
  sex: male
  birth_date: {born}
observations:
  - {{loinc: 8480-6, name: Systolic blood pressure, value: 132, unit: "mm[Hg]", effective_date: 2026-02-10}}
  - {{loinc: {loinc}, name: measured, value: {value}, {unit}effective_date: 2026-02-10}}
"""


def record(tmp_path: Path, loinc: str, value: float, unit: str | None, born: str = "1970-05-01") -> Path:
    path = tmp_path / "p1.yaml"
    written = "" if unit is None else f"unit: '{unit}', "
    path.write_text(RECORD.format(born=born, loinc=loinc, value=value, unit=written), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("loinc", "value", "unit", "words"),
    [
        ("39156-5", 250, "kg/m2", "BMI (LOINC 39156-5) 250 kg/m2 is outside the plausible range 10-80 kg/m2"),
        ("8302-2", 1.78, None, "height (LOINC 8302-2) 1.78 (no unit given, read as cm) is outside"),
        ("29463-7", 800, "[lb_av]", "800 [lb_av] (362.9 kg) is outside the plausible range 12-300 kg"),
        ("8480-6", 13, "kPa", None),  # 97.5 mmHg: plausible
        ("8480-6", 300, "mmHg", "systolic blood pressure (LOINC 8480-6) 300 mmHg is outside"),
        ("2093-3", 1200, "mg/dL", "total cholesterol (LOINC 2093-3) 1200 mg/dL (31.04 mmol/L) is outside"),
        ("2085-9", 0.1, "mmol/L", "HDL cholesterol (LOINC 2085-9) 0.1 mmol/L is outside the plausible range 0.4-5"),
        ("4548-4", 25, "%", "HbA1c (LOINC 4548-4) 25 % is outside the plausible range 3-18 %"),
        ("8280-0", 25, "cm", "waist circumference (LOINC 8280-0) 25 cm is outside the plausible range 30-300 cm"),
    ],
)
def test_an_impossible_measurement_is_refused_naming_file_line_field_and_value(
    tmp_path: Path, loinc: str, value: float, unit: str | None, words: str | None
) -> None:
    path = record(tmp_path, loinc, value, unit)
    if words is None:
        assert load_record(path, RANGES).observations[1].value == value
        return
    with pytest.raises(InputError) as caught:
        load_record(path, RANGES)
    assert str(caught.value).startswith(f"{path}, line 7, observations[1].value: ")
    assert words in str(caught.value)
    assert "for ages 15 and over" in str(caught.value) or loinc in ("8480-6", "2093-3", "2085-9", "4548-4")


def test_real_extremes_inside_the_ranges_load(tmp_path: Path) -> None:
    # severe obesity, familial hypercholesterolaemia, a hypertensive crisis: rare, but people have them
    for loinc, value, unit in (("39156-5", 72, "kg/m2"), ("2093-3", 650, "mg/dL"), ("8480-6", 240, "mmHg")):
        assert load_record(record(tmp_path, loinc, value, unit), RANGES).observations[1].value == value


def test_anthropometric_ranges_follow_the_age_at_the_measurement(tmp_path: Path) -> None:
    # a 12-year-old (10-14 band: height 80-200 cm), a 3-year-old (no published range), no age (widest range)
    with pytest.raises(InputError, match=r"60 cm is outside the plausible range 80-200 cm for ages 10-14"):
        load_record(record(tmp_path, "8302-2", 60, "cm", born="2013-06-01"), RANGES)
    assert load_record(record(tmp_path, "8302-2", 60, "cm", born="2023-01-01"), RANGES).observations[1].value == 60
    path = tmp_path / "noage.yaml"
    path.write_text(RECORD.format(born="null", loinc="8302-2", value=60, unit="unit: cm, "), encoding="utf-8")
    assert load_record(path, RANGES).observations[1].value == 60  # 60 cm is plausible for a child of 5


def test_record_check_exits_with_the_input_error_code(tmp_path: Path) -> None:
    path = record(tmp_path, "39156-5", 250, "kg/m2")
    done = subprocess.run(
        [sys.executable, "-m", "tailormed", "record", "check", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "observations[1].value: BMI (LOINC 39156-5) 250 kg/m2" in done.stderr


FINDRISC = (
    "sex\tage_years\tbmi\twaist_cm\tphysically_active_30min_daily\tvegetables_fruit_berries_daily\t"
    "ever_antihypertensive_medication\tever_high_blood_glucose\tfamily_history_diabetes\n"
    "female\t50\t31\t95\tno\tno\tno\tno\tnone\n"
    "male\t50\t{bmi}\t95\tno\tno\tno\tno\tnone\n"
)


def test_findrisc_no_longer_scores_an_impossible_bmi() -> None:
    knowledge = load_risk_knowledge(CORE)
    _, rows = calc_cases("findrisc", FINDRISC.format(bmi=45), knowledge, source="cases.tsv", plausible=RANGES)
    assert rows == 2
    with pytest.raises(InputError) as caught:
        calc_cases("findrisc", FINDRISC.format(bmi=250), knowledge, source="cases.tsv", plausible=RANGES)
    assert str(caught.value).startswith("cases.tsv, line 3, column bmi: bmi 250 kg/m2 is outside the plausible range")


def test_every_range_is_its_table_cells_and_every_code_is_one_the_equations_read() -> None:
    curated = load_plausible_ranges(CORE)
    applied = [(r.name, r.loinc, r.unit) for r in RANGES.rules]
    assert [(r.name, tuple(r.loinc), r.unit) for r in curated.ranges] == applied
    protocol = "https://github.com/NCD-RisC/Data-cleaning-protocol/blob/"
    assert curated.purpose.sources[0].cite.startswith(protocol)
    for entry, rule in zip(curated.ranges, RANGES.rules, strict=True):
        for fact, band in zip(entry.bands, rule.bands, strict=True):
            (source,) = fact.sources
            assert source.cite.startswith(protocol) and "row " in source.at and "column " in source.at, rule.name
            assert source.quote.endswith(f" | {band.low:g}-{band.high:g}"), rule.name  # row label | cell
    read = {code for codes in load_risk_knowledge(CORE).facts.record.loinc.values() for code in codes}
    assert set(RANGES.by_loinc) == read


def test_errors_name_the_ranges_they_apply(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_record(record(tmp_path, "8480-6", 300, "mmHg"), RANGES)
    version = CORE.source("plausible-ranges").version
    assert f"outside the plausible range 70-270 mmHg (plausible-ranges: {version}): correct" in str(caught.value)
    assert version.startswith("NCD-RisC data-cleaning protocol")


def test_a_fhir_bundle_with_an_impossible_weight_is_refused(tmp_path: Path) -> None:
    bundle = json.loads((Path(__file__).parent / "fhir_fixtures" / "synthea_like.json").read_text(encoding="utf-8"))
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "Observation" and resource["code"]["coding"][0]["code"] == "29463-7":
            resource["valueQuantity"]["value"] = 714.0  # a slipped decimal point
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    with pytest.raises(InputError, match=r"weight \(LOINC 29463-7\) 714 kg is outside the plausible range 12-300 kg"):
        load_record(path, RANGES)


def test_a_bmi_computed_from_plausible_weight_and_height_is_checked_too(tmp_path: Path) -> None:
    # 290 kg and 105 cm are each inside their ranges; the BMI the equations would compute (263) is not
    path = tmp_path / "p2.yaml"
    path.write_text(
        RECORD.format(born="1970-05-01", loinc="29463-7", value=290, unit="unit: kg, ")
        + "  - {loinc: 8302-2, name: height, value: 105, unit: cm, effective_date: 2026-02-10}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_record(path, RANGES)
    where = f"{path}, line 7, observations[1].value: "
    assert str(caught.value).startswith(where + "BMI from weight 290 kg and height 105 cm")
    assert "263 kg/m2 is outside the plausible range 10-80 kg/m2" in str(caught.value)
    path.write_text(path.read_text(encoding="utf-8").replace("value: 105,", "value: 200,"), encoding="utf-8")
    assert load_record(path, RANGES).observations[2].value == 200  # 290 kg at 200 cm: BMI 72.5, rare but real


def test_ranges_intake_cannot_apply_are_a_knowledge_error_naming_the_file() -> None:
    from tailormed.errors import KnowledgeError
    from tailormed.intake.plausible import Plausibility

    entries = list(load_plausible_ranges(CORE).ranges)
    odd = [entries[0].model_copy(update={"unit": "furlong"}), *entries[1:]]
    with pytest.raises(KnowledgeError, match=r"^site\.yaml, ranges\.0\.unit: no unit conversions for 'furlong'"):
        Plausibility.of(odd, source="site.yaml", named="site")
    without_bmi = [entry for entry in entries if "39156-5" not in entry.loinc]
    with pytest.raises(KnowledgeError, match=r"^site\.yaml: no plausibility range for LOINC 39156-5"):
        Plausibility.of(without_bmi, source="site.yaml", named="site")


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("'5,2'", "total cholesterol (LOINC 2093-3) '5,2' is not a number"),
        ("high", "total cholesterol (LOINC 2093-3) 'high' is not a number"),
        (".nan", "total cholesterol (LOINC 2093-3) nan is not a number"),
    ],
)
def test_a_measurement_that_is_not_a_number_is_refused(tmp_path: Path, value: str, words: str) -> None:
    """A decimal comma ("5,2") or a word where a measurement the risk equations read belongs is not silently a
    missing input: the record is refused naming the line and the value."""
    with pytest.raises(InputError) as caught:
        load_record(record(tmp_path, "2093-3", value, "mmol/L"), RANGES)  # type: ignore[arg-type]
    assert str(caught.value).startswith(f"{tmp_path / 'p1.yaml'}, line 7, observations[1].value: ")
    assert words in str(caught.value)


def test_a_text_result_of_a_code_without_a_range_still_loads(tmp_path: Path) -> None:
    loaded = load_record(record(tmp_path, "94500-6", "Not detected", None), RANGES)  # type: ignore[arg-type]
    assert loaded.observations[1].value == "Not detected"


WEIGHED = """\
id: p1
demographics:
  sex: female
  birth_date: 1959-06-02
observations:
  - {{loinc: 8302-2, name: Body height, value: {height}, unit: "{height_unit}", effective_date: 2026-01-20}}
  - {{loinc: 29463-7, name: Body weight, value: {weight}, unit: "{weight_unit}", effective_date: 2026-01-20}}
"""


@pytest.mark.parametrize(
    ("weight", "unit", "kg"),
    [(13, "st", 82.5538), (13, "stone", 82.5538), (13, "[stone_av]", 82.5538), (182, "lbs", 82.5539),
     (182, "pounds", 82.5539), (82, "kg", 82.0)],
)
def test_a_weight_in_stone_or_pounds_is_read_in_kilograms_everywhere(
    tmp_path: Path, weight: float, unit: str, kg: float
) -> None:
    """Every reader of the record (intake's ranges, the risk equations, the warfarin dose) converts the same units."""
    from datetime import date

    from tailormed.engines.pgx.dosing import warfarin_inputs
    from tailormed.engines.risk.patient import findrisc_inputs
    from tailormed.knowledge.pgx.dosing import read_warfarin

    path = tmp_path / "p1.yaml"
    path.write_text(
        WEIGHED.format(height=163, height_unit="cm", weight=weight, weight_unit=unit), encoding="utf-8"
    )
    patient = load_record(path, RANGES)
    dosing = warfarin_inputs(patient, {}, read_warfarin(), on=date(2026, 2, 1))
    assert dosing.weight_kg == pytest.approx(kg, abs=1e-3)
    facts = load_risk_knowledge(CORE).facts
    mapped = findrisc_inputs(patient, date(2026, 2, 1), facts)
    assert any(f"BMI {round(kg / 1.63**2, 1):g} kg/m2" in used for used in mapped.used), mapped.used


@pytest.mark.parametrize(
    ("loinc", "value", "unit", "accepted"),
    [
        ("29463-7", 2900, "oz", "kg, g, lb, st"),
        ("8302-2", 5.10, "ft", "cm, m, mm, in"),
        ("8302-2", 5.10, "ft/in", "cm, m, mm, in"),
        ("8480-6", 132, "psi", "mmHg, kPa"),
        ("2093-3", 5.2, "mmol", "mmol/L, mg/dL, g/L"),
    ],
)
def test_a_unit_intake_cannot_read_is_refused_naming_line_and_the_accepted_units(
    tmp_path: Path, loinc: str, value: float, unit: str, accepted: str
) -> None:
    path = record(tmp_path, loinc, value, unit)
    with pytest.raises(InputError) as caught:
        load_record(path, RANGES)
    message = str(caught.value)
    assert message.startswith(f"{path}, line 7, observations[1].unit: "), message
    assert f"'{unit}'" in message and f"accepted: {accepted}" in message
