"""``tailormed onco match`` run as a user would (a subprocess), plus fuzzing of the tumour TSV readers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tailormed.engines.onco.run import COLUMNS
from tailormed.errors import InputError
from tailormed.intake.tumour import read_cases, read_cna, read_fusions
from tailormed.knowledge.bundle import KnowledgeBundle

_RUN = "import sys; from tailormed.cli import main; sys.argv[0] = 'tailormed'; main()"
HEADER = "case_id\tgene\talteration\tfeature_type\ttumor_type"


def invoke(*args: str | Path, kb: Path) -> tuple[int, str, str]:
    env = {**os.environ, "TAILORMED_KB": str(kb), "COLUMNS": "200", "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-c", _RUN, "onco", "match", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    return result.returncode, result.stdout, result.stderr


def test_alterations_tsv(tmp_path: Path) -> None:
    code, out, _ = invoke(
        "--alteration", "BRAF V600E", "-a", "ERBB2 amplification", "--tumor-type", "COAD", kb=tmp_path
    )
    assert code == 0
    lines = [line.split("\t") for line in out.splitlines()]
    assert lines[0] == list(COLUMNS)
    expected = ["case", "BRAF", "BRAF V600E", "protein", "COAD", "encorafenib + cetuximab", "supports"]
    assert [*expected, "sensitivity", "FDA", "I-A"] in [line[:10] for line in lines]


def test_extent_of_disease_option(tmp_path: Path) -> None:
    def encorafenib(*extent: str) -> list[str]:
        code, out, err = invoke("-a", "BRAF V600E", "-t", "COAD", "--core-only", *extent, kb=tmp_path)
        assert code == 0, err
        [line] = [row.split("\t") for row in out.splitlines() if "\tencorafenib + cetuximab\t" in row]
        return [line[COLUMNS.index("amp_tier")], line[COLUMNS.index("note")]]

    assert encorafenib("--extent", "metastatic") == ["I-A", ""]
    assert encorafenib("--extent", "early") == [
        "II-C", "approved for metastatic disease; this tumour is early (resectable or resected)"
    ]  # fmt: skip
    assert encorafenib() == ["I-A", "only for metastatic disease (the extent of disease is not stated for this tumour)"]
    code, _, err = invoke("-a", "BRAF V600E", "-t", "COAD", "--extent", "adjuvant", kb=tmp_path)
    assert code == 2 and "adjuvant" in err


def test_batch_input_json_and_output_file(tmp_path: Path) -> None:
    cases = tmp_path / "cases.tsv"
    cases.write_text(
        f"{HEADER}\nlung1\tEGFR\tL858R\tmutation\tLUAD\nlung1\tALK\tEML4-ALK\tfusion\tLUAD\n"
        "crc2\t\tMSI-H\tsignature\tCOAD\ncrc2\tKRAS\tG12C\tmutation\tCOAD\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.json"
    code, _, err = invoke("--input", cases, "--format", "json", "-o", out, kb=tmp_path)
    assert code == 0, err
    data = json.loads(out.read_text())
    assert data["knowledge"]["onco-core"]
    by_case = {
        case["case_id"]: {(m["row"]["therapies"][0], m["amp_tier"]) for m in case["matches"]} for case in data["cases"]
    }
    assert ("osimertinib", "I-A") in by_case["lung1"] and ("alectinib", "I-A") in by_case["lung1"]
    assert ("pembrolizumab", "I-A") in by_case["crc2"] and ("adagrasib", "I-A") in by_case["crc2"]


@pytest.mark.slow
def test_bad_inputs_exit_2_naming_file_and_line(tmp_path: Path) -> None:
    cases = tmp_path / "cases.tsv"
    cases.write_text(f"{HEADER}\nc1\tBRAF\tV600E\tfusion\tCOAD\n", encoding="utf-8")
    code, _, err = invoke("--input", cases, kb=tmp_path)
    assert code == 2 and "cases.tsv, line 2" in err and "does not fit" in err
    code, _, err = invoke("--alteration", "BRAF Vxyz", "-t", "COAD", kb=tmp_path)
    assert code == 2 and "BRAF Vxyz" in err
    code, _, err = invoke("-t", "COAD", kb=tmp_path)
    assert code == 2 and "nothing to match" in err


@pytest.mark.slow
def test_pcgr_coad_vcf_with_build(shared_data: Path, tmp_path: Path) -> None:
    vcf = shared_data / "onco" / "pcgr_examples" / "T001-COAD.grch38.vcf.gz"
    code, _, err = invoke("--vcf", vcf, "-t", "COAD", kb=tmp_path)
    assert code == 2 and "--build" in err  # the VCF states no build: never guessed
    code, out, err = invoke("--vcf", vcf, "-t", "COAD", "--build", "GRCh38", "--case-id", "T001-COAD", kb=tmp_path)
    assert code == 0, err
    assert "T001-COAD\tBRAF\tBRAF V600E\tgenomic\tCOAD\tencorafenib + cetuximab\tsupports\tsensitivity\tFDA\tI-A" in out
    assert "not assessed" in err


@pytest.mark.slow
def test_built_bundle_adds_civic_and_cgi(built_bundle: KnowledgeBundle) -> None:
    assert built_bundle.has("civic") and built_bundle.has("cgi-biomarkers")
    assert built_bundle.source("civic").version == "01-Aug-2021"
    from tailormed.pipeline.onco import load_knowledge

    assert [t.source for t in load_knowledge(built_bundle).tables] == ["onco-core", "civic", "cgi-biomarkers"]


_cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(_cells, min_size=1, max_size=6), max_size=5), st.sampled_from(["cases", "cna", "fusions"]))
def test_tumour_tsv_readers_fail_only_with_input_error(tmp_path: Path, rows: list[list[str]], kind: str) -> None:
    headers = {
        "cases": HEADER,
        "cna": "Chromosome\tStart\tEnd\tnMajor\tnMinor",
        "fusions": "FusionGene\tLeftBreakpoint\tRightBreakpoint\tSplitReads",
    }
    path = tmp_path / f"{kind}.tsv"
    path.write_text(headers[kind] + "\n" + "\n".join("\t".join(r) for r in rows), encoding="utf-8")
    reader = {"cases": read_cases, "cna": read_cna, "fusions": read_fusions}[kind]
    try:
        reader(path)
    except InputError as exc:
        assert str(path) in str(exc)


@pytest.mark.slow
def test_tumour_types_that_are_not_oncotree_codes_exit_2_with_suggestions(tmp_path: Path) -> None:
    for text, suggested in (("COLON", "COAD"), ("CRC", "COADREAD")):
        code, out, err = invoke("-a", "BRAF V600E", "-t", text, kb=tmp_path)
        assert code == 2 and not out, (text, err)
        assert f"'{text}' is not an OncoTree code" in err and suggested in err
    cases = tmp_path / "cases.tsv"
    cases.write_text(
        f"{HEADER}\nc1\tBRAF\tV600E\tmutation\tBOWEL\nc2\tBRAF\tV600E\tmutation\tCOLON\n", encoding="utf-8"
    )
    code, _, err = invoke("--input", cases, kb=tmp_path)
    assert code == 2 and "cases.tsv, line 3" in err and "COAD" in err


@pytest.mark.slow
def test_bowel_and_unknown_keep_the_colorectal_exclusion(tmp_path: Path) -> None:
    for tumour in ("BOWEL", "UNKNOWN"):
        code, out, err = invoke("-a", "BRAF V600E", "-t", tumour, kb=tmp_path)
        assert code == 0, err
        rows = [line.split("\t") for line in out.splitlines()[1:]]
        pan = [r for r in rows if "pan-braf-v600e-dabrafenib-trametinib" in r[10]]
        assert [r[9] for r in pan] == ["II-C"], tumour


def test_wild_type_results_in_a_batch_and_their_contradictions(tmp_path: Path) -> None:
    """A batch case states RAS wild-type as a row (``feature_type`` ``wild_type``): panitumumab is on-label without
    condition; a case that also lists a KRAS variant is refused, naming the line."""
    cases = tmp_path / "cases.tsv"
    cases.write_text(
        f"{HEADER}\textent\ncrc1\tBRAF\tV600E\tmutation\tCOAD\tmetastatic\ncrc1\t\tRAS wild-type\twild_type\tCOAD\t\n"
        "crc2\tKRAS\twild-type\twild_type\tREAD\t\n",
        encoding="utf-8",
    )
    code, out, err = invoke("--input", cases, "--core-only", kb=tmp_path)
    assert code == 0, err
    rows = [line.split("\t") for line in out.splitlines() if "\tpanitumumab\t" in line and "wild_type" in line]
    by_case = {row[0]: (row[COLUMNS.index("amp_tier")], row[COLUMNS.index("note")]) for row in rows}
    assert by_case["crc1"] == ("I-A", "")
    assert by_case["crc2"][0] == "I-A" and by_case["crc2"][1].startswith(
        "only with RAS wild-type (NRAS status not stated for this tumour)"
    )
    cases.write_text(f"{HEADER}\nc1\t\tRAS wild-type\twild_type\tCOAD\nc1\tKRAS\tG12D\tmutation\tCOAD\n")
    code, _, err = invoke("--input", cases, "--core-only", kb=tmp_path)
    assert code == 2 and "cases.tsv, line 3" in err and "RAS wild-type states KRAS without a variant" in err
    code, _, err = invoke("-a", "KRAS wild-type", "-a", "KRAS G12C", "-t", "COAD", "--core-only", kb=tmp_path)
    assert code == 2 and "KRAS G12C is listed" in err


def test_triple_negative_in_a_batch_and_its_contradictions(tmp_path: Path) -> None:
    """A batch case states triple-negative as a row without a gene: sacituzumab govitecan is on-label without
    condition; a case that also lists a positive receptor result is refused, naming the line, as is ``--alteration``."""
    cases = tmp_path / "cases.tsv"
    cases.write_text(f"{HEADER}\textent\nbc1\t\ttriple-negative\ttriple_negative\tIDC\tmetastatic\n", encoding="utf-8")
    code, out, err = invoke("--input", cases, "--core-only", kb=tmp_path)
    assert code == 0, err
    rows = [line.split("\t") for line in out.splitlines() if "\tsacituzumab govitecan\t" in line]
    # no condition: the note names only the first-line label beside the later-line one that heads the row
    first_line = "Also on-label for first line, not a candidate for PD-1 or PD-L1 inhibitor-based therapy"
    notes = [(r[COLUMNS.index("amp_tier")], r[COLUMNS.index("note")]) for r in rows if "tnbc-" in r[10]]
    assert notes == [("I-A", first_line)]
    for positive in ("ER\tIHC 5%\texpression", "ERBB2\tamplification\tamplification", "HER2\tIHC 3+\texpression"):
        cases.write_text(f"{HEADER}\nb1\t\ttriple-negative\ttriple_negative\tIDC\nb1\t{positive}\tIDC\n")
        code, _, err = invoke("--input", cases, "--core-only", kb=tmp_path)
        assert code == 2 and "cases.tsv, line 3" in err and "triple-negative states ER, PR and HER2 negative" in err
    code, _, err = invoke("-a", "TNBC", "-a", "PR IHC 40%", "-t", "IDC", "--core-only", kb=tmp_path)
    assert code == 2 and "PGR (PR) IHC 40% of tumour nuclei is listed" in err
    code, _, err = invoke("-a", "TNBC", "-a", "HER2 IHC 2+", "-t", "IDC", "--core-only", kb=tmp_path)
    assert code == 0, err


def test_ctdna_in_a_batch_and_its_contradiction(tmp_path: Path) -> None:
    """A batch case states ctDNA positive as a row without a gene: adjuvant atezolizumab is on-label without
    condition; a case stating both ctDNA positive and negative is refused, naming the line, as is ``--alteration``."""
    cases = tmp_path / "cases.tsv"
    cases.write_text(f"{HEADER}\textent\nb1\t\tctDNA positive\tctdna_positive\tBLCA\tearly\n", encoding="utf-8")
    code, out, err = invoke("--input", cases, "--core-only", kb=tmp_path)
    assert code == 0, err
    rows = [line.split("\t") for line in out.splitlines() if "blca-ctdna-positive" in line]
    assert [(r[COLUMNS.index("amp_tier")], r[COLUMNS.index("note")]) for r in rows] == [("I-A", "")]
    cases.write_text(
        f"{HEADER}\nb1\t\tctDNA positive\tctdna_positive\tBLCA\nb1\t\tctDNA not detected\tctdna_negative\tBLCA\n"
    )
    code, _, err = invoke("--input", cases, "--core-only", kb=tmp_path)
    assert code == 2 and "cases.tsv, line 3" in err and "ctDNA positive and ctDNA negative are both listed" in err
    code, _, err = invoke("-a", "ctDNA detected", "-a", "ctDNA negative", "-t", "BLCA", "--core-only", kb=tmp_path)
    assert code == 2 and "both listed" in err


def test_her2_ish_negative_beside_erbb2_amplification_is_refused(tmp_path: Path) -> None:
    """An ISH that found no ERBB2 amplification and ERBB2 amplification in one case contradict each other: refused,
    naming the line, as on ``--alteration``; IHC 2+ with ISH negative is accepted."""
    cases = tmp_path / "cases.tsv"
    cases.write_text(
        f"{HEADER}\nb1\tHER2\tISH negative\texpression\tIDC\nb1\tERBB2\tamplification\tamplification\tIDC\n"
    )
    code, _, err = invoke("--input", cases, "--core-only", kb=tmp_path)
    assert code == 2 and "cases.tsv, line 3" in err and "HER2 ISH negative states ERBB2 not amplified" in err
    code, _, err = invoke(
        "-a", "ERBB2 amplification", "-a", "HER2 ISH negative", "-t", "IDC", "--core-only", kb=tmp_path
    )
    assert code == 2 and "ERBB2 amplification is listed" in err
    code, _, err = invoke("-a", "HER2 IHC 2+", "-a", "HER2 ISH negative", "-t", "IDC", "--core-only", kb=tmp_path)
    assert code == 0, err


def test_stage_option(tmp_path: Path) -> None:
    """``--stage`` (an AJCC stage group) is shown with ``--extent`` in the reason a label is off; a stage that is not a
    stage group, or ``--stage`` with a batch table (whose ``stage`` column states each case's), exits 2."""
    code, out, err = invoke(
        "-a", "BRAF V600E", "-t", "COAD", "--core-only", "--extent", "early", "--stage", "IIIB", kb=tmp_path
    )
    assert code == 0, err
    [line] = [row.split("\t") for row in out.splitlines() if "\tencorafenib + cetuximab\t" in row]
    assert line[COLUMNS.index("note")] == (
        "approved for metastatic disease; this tumour is stage IIIB, early (resectable or resected)"
    )
    code, _, err = invoke("-a", "BRAF V600E", "-t", "COAD", "--stage", "stage III", kb=tmp_path)
    assert code == 2 and "--stage" in err and "is not an AJCC stage group" in err
    cases = tmp_path / "cases.tsv"
    cases.write_text(f"{HEADER}\nc1\tBRAF\tV600E\tmutation\tCOAD\n", encoding="utf-8")
    code, _, err = invoke("--input", cases, "--stage", "III", kb=tmp_path)
    assert code == 2 and "stage column" in err
