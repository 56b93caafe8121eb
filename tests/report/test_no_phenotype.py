"""A gene called but given no phenotype (an outside CYP2D6 call with tandem and hybrid alleles, ``*13+*1/*36+*10x2``,
whose phenotype the table does not give) is said, not skipped: the clinician sees that no phenotype was assigned and
why, the patient on the drug hears that we could not tell how the gene affects it, in every report language. No
phenotype is made up for it."""

from __future__ import annotations

from pathlib import Path

import pytest
import textstat

from tailormed.demo import demo_record
from tailormed.errors import InputError
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.model.careplan import CarePlan
from tailormed.model.patient import Patient
from tailormed.model.pgx import GenePhenotype, GuidelineResult, PhenotypeStatus, RecommendationStatus
from tailormed.pipeline.analyze import analyze_files
from tailormed.report.i18n import SOURCE_LANGUAGE, available_languages, read_catalog, translations
from tailormed.report.render import render_clinician_html, render_patient_html
from tailormed.report.text import visible_text
from tailormed.report.view import build_view

from .conftest import pgx_run, plan_for
from .readability import grades, offline_cmudict

CALL = "*13+*1/*36+*10x2"
WHY = "no phenotype in the CYP2D6 table for *13+*1, *36+*10x2"
LEAD = "We could not tell how your genes affect this medicine."
FORM = "Your result for the %(genes)s gene has a form of the gene that the guides we use do not cover."
ASK = "Ask your care team what this means for this medicine."


@pytest.fixture(scope="module", autouse=True)
def _cmudict(tmp_path_factory: pytest.TempPathFactory) -> None:
    offline_cmudict(tmp_path_factory.mktemp("nltk"))


@pytest.fixture(scope="module")
def tandem(core: KnowledgeBundle, tmp_path_factory: pytest.TempPathFactory) -> tuple[Patient, CarePlan]:
    """Demo patient 3 (on tamoxifen) analysed as ``tailormed analyze`` does it, with an outside CYP2D6 call of tandem
    and hybrid alleles; her VCF without the *4 splice site, so the call fits the VCF's CYP2D6 positions."""
    folder = tmp_path_factory.mktemp("tandem")
    record = demo_record("demo-03-rodriguez")
    vcf = record.with_suffix(".vcf").read_text().splitlines(keepends=True)
    kept = [line for line in vcf if "\trs3892097\t" not in line]
    assert len(kept) == len(vcf) - 1
    (folder / "demo-03-rodriguez.vcf").write_text("".join(kept))
    (folder / "demo-03-rodriguez.outside.tsv").write_text(f"CYP2D6\t{CALL}\n")
    (folder / "demo-03-rodriguez.yaml").write_text(record.read_text())
    done = analyze_files(folder / "demo-03-rodriguez.yaml", out_dir=folder / "out", bundle=core, pdf=False)
    return done.patient, done.plan


def test_the_tandem_call_gets_no_phenotype_and_no_tamoxifen_advice(tandem: tuple[Patient, CarePlan]) -> None:
    _, plan = tandem
    [gene] = [f.data for f in plan.findings if isinstance(f.data, GenePhenotype) and f.data.gene == "CYP2D6"]
    assert gene.diplotypes == [CALL] and gene.conflict is None
    assert gene.status is PhenotypeStatus.UNRESOLVED and gene.phenotype is None and gene.activity_score is None
    answers = [f.data for f in plan.findings if isinstance(f.data, GuidelineResult) and f.data.drug == "tamoxifen"]
    assert answers and all(a.status is RecommendationStatus.NOT_ASSESSED and not a.rows for a in answers)


def test_clinician_report_says_no_phenotype_and_why(tandem: tuple[Patient, CarePlan]) -> None:
    patient, plan = tandem
    text = visible_text(render_clinician_html(plan, patient))
    assert f"No phenotype assigned. Why: {WHY}; guidance that needs the phenotype is not given." in text
    medications = text[text.index("Medications on the list.") : text.index("Gene results.")]
    rows = medications.split("tamoxifen.\n")[1:]
    assert len(rows) == 3  # CPIC, DPWG and FDA
    for row in rows:
        assert f"CYP2D6 {CALL} has no phenotype.\nWhy: {WHY}." in row


def test_clinician_summary_names_the_drug_left_without_guidance(tandem: tuple[Patient, CarePlan]) -> None:
    patient, plan = tandem
    html = render_clinician_html(plan, patient)
    start = html.index('<section id="summary">')
    summary = visible_text(html[start : html.index("</section>", start)])
    line = f"routine tamoxifen: guidance not given: CYP2D6 {CALL} has no phenotype ({WHY}) [CPIC, DPWG, FDA]."
    assert line in summary


@pytest.mark.parametrize("language", available_languages())
def test_patient_hears_it_in_every_language(tandem: tuple[Patient, CarePlan], language: str) -> None:
    patient, plan = tandem
    assert build_view(plan, patient).unphenotyped_only == ["tamoxifen"]
    words = translations(language)
    said = [words.gettext(LEAD), words.gettext(FORM) % {"genes": "CYP2D6"}, words.gettext(ASK)]
    if language != SOURCE_LANGUAGE:
        catalog = read_catalog(language)
        assert all((m := catalog.get(s)) is not None and m.string and m.string != s for s in (LEAD, FORM, ASK))
    text = visible_text(render_patient_html(plan, patient, language=language))
    assert f"tamoxifeno.\n{' '.join(said)}\n" in text  # named as the record writes it


def test_patient_report_still_reads_easily(tandem: tuple[Patient, CarePlan]) -> None:
    patient, plan = tandem
    english = visible_text(render_patient_html(plan, patient, language="en"))
    assert LEAD in english
    for text in (english, " ".join([LEAD, FORM % {"genes": "CYP2D6"}, ASK])):
        scores = grades(text)
        assert scores["flesch_kincaid"] <= 8.0 and scores["coleman_liau"] <= 8.0, scores
    spanish = visible_text(render_patient_html(plan, patient, language="es"))
    assert translations("es").gettext(LEAD) in spanish
    textstat.set_lang("es")
    try:
        assert textstat.fernandez_huerta(spanish) >= 60
    finally:
        textstat.set_lang("en")


def test_a_phenotyped_outside_call_says_none_of_it(core: KnowledgeBundle) -> None:
    """demo-03 with its own outside call (*1/*4): tamoxifen has advice; the only gene without a phenotype is CYP4F2,
    which no source gives phenotype rules."""
    patient, run = pgx_run("demo-03-rodriguez", core)
    plan = plan_for(patient, [run])
    assert build_view(plan, patient).unphenotyped_only == []
    clinician = visible_text(render_clinician_html(plan, patient))
    assert clinician.count("No phenotype assigned") == clinician.count("no CYP4F2 phenotype table") == 1
    assert "guidance not given" not in clinician
    assert LEAD not in visible_text(render_patient_html(plan, patient, language="en"))


def test_analyze_accepts_alleles_only_the_phenotype_table_names(
    tandem: tuple[Patient, CarePlan], core: KnowledgeBundle, tmp_path: Path
) -> None:
    """``*13`` is in the CYP2D6 phenotype table but in no allele definition (a hybrid): ``analyze`` takes the call, as
    ``pgx`` and the service do, and an allele no knowledge names is still refused."""
    _, plan = tandem
    assert plan.findings
    record = demo_record("demo-03-rodriguez")
    (tmp_path / "demo-03-rodriguez.vcf").write_text(record.with_suffix(".vcf").read_text())
    (tmp_path / "demo-03-rodriguez.outside.tsv").write_text("CYP2D6\t*1/*999\n")
    (tmp_path / "demo-03-rodriguez.yaml").write_text(record.read_text())
    with pytest.raises(InputError, match=r"'\*999' is not a CYP2D6 allele"):
        analyze_files(tmp_path / "demo-03-rodriguez.yaml", out_dir=tmp_path / "out", bundle=core, pdf=False)
