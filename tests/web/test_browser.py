"""The web app in a real headless Chromium: the flows a clinician and a patient go through, and axe-core's
WCAG 2.1 A/AA rules on every page at 1280 px and 390 px."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tailormed.demo import demo_record

from .conftest import Server, sign_in_page

Axe = Callable[[Any, str], None]


def test_clinician_signs_in_finds_a_patient_opens_the_plan_and_signs_out(
    server: Server, browser: Any, check_axe: Axe
) -> None:
    page = browser.new_page()
    page.goto(f"{server.url}/app/patients")
    assert "/app/sign-in" in page.url
    check_axe(page, "sign-in page")
    sign_in_page(page, server.url, "clinician")
    assert page.url.endswith("/app/patients?") or "/app/patients" in page.url
    assert page.get_by_role("heading", name="Patients of your care team").is_visible()
    check_axe(page, "patient list")
    page.get_by_label("Search by name or id").fill("hale")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    rows = page.locator("table.patients tbody tr")
    assert rows.count() == 1
    page.get_by_role("link", name="Robert Hale").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Act on now").is_visible()
    check_axe(page, "plan page")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert "/app/sign-in" in page.url
    page.goto(f"{server.url}/app/patients/demo-01-hale")
    assert "/app/sign-in" in page.url


def test_patient_sees_my_results_in_english_and_spanish_and_not_another_patient(
    server: Server, browser: Any, check_axe: Axe
) -> None:
    page = browser.new_page()
    sign_in_page(page, server.url, "demo-03-rodriguez")
    assert "/app/me" in page.url
    assert page.locator("html").get_attribute("lang") in ("en", "es")
    check_axe(page, "my results")
    page.get_by_label("Language / Idioma").select_option("en")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Your health report").is_visible()
    page.get_by_label("Language / Idioma").select_option("es")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "es"
    check_axe(page, "my results (es)")
    answer = page.goto(f"{server.url}/app/patients/demo-01-hale")
    assert answer is not None and answer.status == 404
    check_axe(page, "not-found page")


def test_the_accessibility_check_finds_a_violation_when_there_is_one(browser: Any, check_axe: Axe) -> None:
    page = browser.new_page()
    page.set_content("<html><head><title>t</title></head><body><main><img src='x.png'><input></main></body></html>")
    try:
        check_axe(page, "broken page")
    except AssertionError as exc:
        assert "image-alt" in str(exc) and "label" in str(exc)
    else:
        raise AssertionError("axe-core reported no violation on a page with an unlabelled image and field")


def test_clinician_moves_a_what_if_slider_and_checks_a_medication(server: Server, browser: Any, check_axe: Axe) -> None:
    page = browser.new_page()
    sign_in_page(page, server.url, "clinician")
    page.goto(f"{server.url}/app/patients/demo-02-mensah")
    check_axe(page, "plan page with risks")
    form = page.locator("form.whatif[data-risk='pce']")
    result = form.locator(".whatif-result")
    before = result.inner_text()
    slider = form.get_by_label("Systolic blood pressure (mmHg)")
    slider.focus()
    for _ in range(10):
        slider.press("ArrowLeft")  # keyboard only, as a keyboard user would
    page.wait_for_function("f => f.dataset.after !== undefined && f.dataset.after !== ''", arg=form.element_handle())
    after = result.inner_text()
    assert after != before and "Estimated risk with these values" in after
    assert "percentage points" in after
    page.get_by_role("link", name="Medication check").click()
    page.wait_for_load_state()
    page.get_by_label("Drug to order").fill("clopidogrel")
    page.get_by_role("button", name="Check").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="What the CDS Hooks card would say for clopidogrel").is_visible()
    check_axe(page, "medication check")


def test_patient_reranks_withdraws_research_downloads_and_sees_the_clinicians_visit(
    server: Server, browser: Any, check_axe: Axe
) -> None:
    clinician = browser.new_page()
    sign_in_page(clinician, server.url, "clinician")
    clinician.goto(f"{server.url}/app/patients/demo-02-mensah")
    clinician.close()
    browser.clear_cookies()

    page = browser.new_page()
    sign_in_page(page, server.url, "demo-02-mensah")
    page.get_by_role("link", name="My priorities").click()
    page.wait_for_load_state()
    check_axe(page, "my priorities")
    ranking = page.locator("#decisions ol.ranking").first

    def set_weights(weights: dict[str, str]) -> str:
        with page.expect_response("**/app/api/me/priorities") as answer:
            for label, value in weights.items():
                page.get_by_label(label, exact=False).first.fill(value)
        assert answer.value.ok
        page.wait_for_function("() => document.querySelector('.priorities-status').textContent.startsWith('Saved')")
        page.evaluate("() => { document.querySelector('.priorities-status').textContent = ''; }")
        return str(ranking.inner_text())

    benefit = set_weights({"How well it works": "5", "Fewer side effects": "0", "Lower cost": "0", "Convenience": "0"})
    cost = set_weights({"Lower cost": "5", "How well it works": "0"})
    assert cost != benefit  # the options came back ranked again, without reloading the page
    set_weights({"How well it works": "1", "Fewer side effects": "1", "Lower cost": "1", "Convenience": "1"})
    page.get_by_role("link", name="My consent").click()
    page.wait_for_load_state()
    check_axe(page, "my consent")
    research = page.locator("form.consent").filter(has=page.locator("input[value=research]"))
    research.get_by_label("No").check()
    research.get_by_role("button").click()
    page.wait_for_load_state()
    assert page.locator("#research-now").inner_text() == "No"
    page.get_by_role("link", name="My results").click()
    page.wait_for_load_state()
    with page.expect_download() as download:
        page.get_by_role("link", name="Care plan (JSON)").click()
    assert download.value.suggested_filename == "demo-02-mensah-careplan.json"
    page.get_by_role("link", name="Who saw my data").click()
    page.wait_for_load_state()
    check_axe(page, "who saw my data")
    assert page.get_by_role("cell", name="clinician (clinician)").first.is_visible()
    assert page.get_by_role("cell", name="looked at your care plan").first.is_visible()


def test_clinician_creates_a_patient_from_a_fhir_bundle_uploads_a_vcf_and_watches_the_analysis(
    server: Server, browser: Any, check_axe: Axe, tmp_path: Path
) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:web-1",
                "resource": {
                    "resourceType": "Patient",
                    "id": "web-flow-01",
                    "gender": "male",
                    "birthDate": "1961-03-04",
                },
            }
        ],
    }
    good = tmp_path / "web-flow-01.json"
    good.write_text(json.dumps(bundle), encoding="utf-8")
    bad = tmp_path / "broken-bundle.json"
    bad.write_text('{"resourceType": "Bundle", "type": "collection", "entry": [', encoding="utf-8")
    vcf = demo_record("demo-01-hale").with_name("demo-01-hale.vcf")
    broken_vcf = tmp_path / "broken.vcf"
    broken_vcf.write_text(vcf.read_text(encoding="utf-8").replace("#CHROM", "#CHROMOSOME", 1), encoding="utf-8")

    page = browser.new_page()
    sign_in_page(page, server.url, "clinician")
    page.get_by_role("link", name="New patient from a record or FHIR Bundle").click()
    page.wait_for_load_state()
    check_axe(page, "new patient")
    page.get_by_label("Record file or FHIR Bundle").set_input_files(str(bad))
    page.get_by_role("button", name="Create patient").click()
    page.wait_for_load_state()
    assert "broken-bundle.json" in page.locator(".problem").inner_text()
    check_axe(page, "new patient with an intake error")
    page.get_by_label("Record file or FHIR Bundle").set_input_files(str(good))
    page.get_by_role("button", name="Create patient").click()
    page.wait_for_load_state()
    assert page.url.endswith("/app/patients/web-flow-01")
    check_axe(page, "plan page before any analysis")

    box = page.locator(".card.upload")
    page.get_by_label("Upload a genome (VCF, bgzipped VCF or BCF)").set_input_files(str(broken_vcf))
    box.get_by_role("button", name="Upload", exact=True).click()
    page.wait_for_function("() => document.querySelector('.card.upload').dataset.done === '422'")
    assert "broken.vcf" in box.locator(".upload-status").inner_text()
    page.get_by_label("Upload a genome (VCF, bgzipped VCF or BCF)").set_input_files(str(vcf))
    box.get_by_role("button", name="Upload", exact=True).click()
    page.wait_for_function("() => document.querySelector('.card.upload').dataset.done === '201'")
    assert (
        page.locator("#upload-progress").get_attribute("value") == "100"
        or page.evaluate("() => document.getElementById('upload-progress').value") == 100
    )
    page.get_by_role("button", name="Record the patient's consent to clinical use").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Run the analysis").click()
    page.wait_for_load_state()
    assert "/app/analyses/" in page.url
    check_axe(page, "analysis progress")
    page.wait_for_function(
        "() => ['succeeded', 'failed'].includes(document.querySelector('.card.analysis').dataset.status)",
        timeout=240_000,
    )
    assert page.locator(".card.analysis").get_attribute("data-status") == "succeeded"
    assert page.evaluate("() => document.getElementById('progress').value") == 100
    page.get_by_role("link", name="Open the care plan").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Act on now").is_visible()
    assert page.get_by_role("heading", name="Pharmacogenomics").is_visible()


def test_plan_page_with_diagnoses_and_their_workup_is_accessible(server: Server, browser: Any, check_axe: Axe) -> None:
    page = browser.new_page()
    sign_in_page(page, server.url, "clinician")
    page.goto(f"{server.url}/app/patients/demo-03-rodriguez")
    assert page.get_by_role("heading", name="Which test to order").is_visible()
    check_axe(page, "plan page with diagnosis candidates and their workup")


def _report_test_plans() -> Any:
    """The report tests' findings of every domain (polygenic score, hereditary, tumour, prediction with its model
    card, a decision with a contraindication), loaded from their conftest so both suites render the same plan."""
    spec = importlib.util.spec_from_file_location("report_plans", Path(__file__).parents[1] / "report" / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_plan_page_with_a_finding_of_every_domain_shows_each_and_is_accessible(
    server: Server, browser: Any, check_axe: Axe
) -> None:
    from tailormed.service.demo import TEAM

    plans = _report_test_plans()
    repo = server.platform.repo
    with server.platform.db.read() as db:
        entry, stored = repo.load_patient(db, "demo-01-hale"), repo.latest_plan(db, "demo-01-hale")
    assert entry is not None and stored is not None
    patient = entry.patient.model_copy(update={"id": "web-every-domain", "display_name": "Every Domain"})
    plan = stored.plan.model_copy(
        update={
            "patient_id": patient.id,
            "findings": [*stored.plan.findings, *plans.other_domain_findings()],
            "decisions": [plans.antiplatelet_decision()],
        }
    )
    with server.platform.db.transaction() as db:
        repo.create_patient(db, patient, kind="record", created_by="test")
        team = repo.team_by_name(db, TEAM)
        assert team is not None
        repo.add_team_patient(db, team.id, patient.id)
        for category in ("clinical", "secondary_findings"):
            repo.add_consent(db, patient.id, category, "permit", [], recorded_by="test")
        repo.save_plan(db, patient.id, plan, {}, analysis_id=None)
    page = browser.new_page()
    sign_in_page(page, server.url, "counsellor")  # hereditary (ACMG secondary) findings: genetic counsellors only
    answer = page.goto(f"{server.url}/app/patients/web-every-domain")
    assert answer is not None and answer.status == 200
    section = {name: page.locator(f"section#{name}") for name in ("risk", "hereditary", "oncology", "predictions")}
    assert section["risk"].locator("figure svg").count() >= 1  # the polygenic percentile plot
    assert section["hereditary"].get_by_role("columnheader", name="Management").is_visible()
    assert section["hereditary"].locator("tbody tr").count() >= 1
    folded = section["oncology"].locator("details")
    assert folded.count() == 1 and not folded.get_attribute("open")  # lower tiers folded away
    assert section["predictions"].locator("svg").count() >= 1
    assert "interval" in section["predictions"].inner_text()
    assert section["predictions"].get_by_text("Model card", exact=True).count() >= 1
    assert page.get_by_text("Safety first", exact=False).count() >= 1
    check_axe(page, "plan page with a finding of every domain")


def test_the_account_page_of_a_role_without_web_pages_is_accessible(
    server: Server, browser: Any, check_axe: Axe
) -> None:
    page = browser.new_page()
    sign_in_page(page, server.url, "researcher")
    assert page.url.endswith("/app/account")
    assert page.get_by_role("heading", name="Your account").is_visible()
    check_axe(page, "account page")
    answer = page.goto(f"{server.url}/app/patients/demo-01-hale")
    assert answer is not None and answer.status in (403, 404)
    check_axe(page, "refused page")
