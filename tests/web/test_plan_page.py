"""The plan page's sections, the what-if recomputation, the medication check and the downloads, over HTTP."""

from __future__ import annotations

import html
import json
import re
import time
from pathlib import Path

import httpx

from .conftest import Server

PATIENT = "demo-01-hale"
WITH_RISKS = "demo-02-mensah"


def test_the_plan_page_has_every_section(server: Server) -> None:
    client, _ = server.sign_in("clinician")
    html = client.get(f"/app/patients/{WITH_RISKS}").text
    for heading in (
        "Act on now",
        "Pharmacogenomics",
        "Risks and what-if",
        "Polygenic scores",
        "Hereditary findings",
        "Tumour therapies",
        "Diagnosis candidates",
        "Model predictions",
        "Decisions",
        "What this does not tell you",
    ):
        assert f">{heading}</h" in html, heading
    assert "Recommendation</th>" in html and "Strength</th>" in html
    assert 'type="range"' in html


def test_what_if_recomputes_the_risk_with_the_same_equation(server: Server) -> None:
    from tailormed.engines.risk.results import base_risk, equation_results
    from tailormed.knowledge.bundle import load_bundle
    from tailormed.knowledge.risk.load import load_risk_knowledge
    from tailormed.web.whatif import risk_on

    client, csrf = server.sign_in("clinician")
    plan = client.get(f"/app/patients/{WITH_RISKS}").text
    assert 'data-risk="pce"' in plan
    answer = client.post(
        f"/app/api/patients/{WITH_RISKS}/whatif",
        json={"risk": "pce", "values": {"bp_sys_mmhg": 120, "smoke_current": False}},
        headers={"X-CSRF-Token": csrf},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["after"] < body["before"]
    # the same equation, by hand, from the stored record and plan
    with server.platform.db.read() as db:
        entry = server.platform.repo.load_patient(db, WITH_RISKS)
        stored = server.platform.repo.latest_plan(db, WITH_RISKS)
    assert entry is not None and stored is not None
    knowledge = load_risk_knowledge(load_bundle())
    result = next(r for r in equation_results(entry.patient, risk_on(stored.plan), knowledge)[0] if r.key == "pce")
    changed = result.inputs.model_copy(update={"bp_sys_mmhg": 120.0, "smoke_current": False})
    expected = base_risk("pce", changed, knowledge)
    finding = next(f for f in stored.plan.findings if f.id == "risk:pce")
    if finding.data.polygenic_relative_risk is None:  # type: ignore[union-attr]
        assert abs(body["after"] - expected) < 1e-12
    assert abs(body["equation_risk"] - expected) < 1e-12
    assert server.audit_rows(actor="clinician", patient_id=WITH_RISKS, detail="what-if pce")


def test_what_if_refuses_without_the_csrf_header_and_bad_inputs(server: Server) -> None:
    client, csrf = server.sign_in("clinician")
    url = f"/app/api/patients/{WITH_RISKS}/whatif"
    missing = client.post(url, json={"risk": "pce", "values": {"bp_sys_mmhg": 120}})
    assert missing.status_code == 403
    not_modifiable = client.post(url, json={"risk": "pce", "values": {"age_years": 30}}, headers={"X-CSRF-Token": csrf})
    assert not_modifiable.status_code == 422 and "age_years" in not_modifiable.json()["detail"]
    out_of_range = client.post(
        url, json={"risk": "pce", "values": {"bp_sys_mmhg": 400}}, headers={"X-CSRF-Token": csrf}
    )
    assert out_of_range.status_code == 422


def test_the_medication_check_shows_the_cds_card(server: Server) -> None:
    client, csrf = server.sign_in("clinician")
    form = client.get(f"/app/patients/{PATIENT}/medication-check")
    assert form.status_code == 200
    refused = client.post(f"/app/patients/{PATIENT}/medication-check", data={"drug": "clopidogrel"})
    assert refused.status_code == 403
    checked = client.post(f"/app/patients/{PATIENT}/medication-check", data={"drug": "clopidogrel", "csrf": csrf})
    assert checked.status_code == 200
    assert "What the CDS Hooks card would say for clopidogrel" in checked.text
    assert "CYP2C19" in checked.text
    none = client.post(f"/app/patients/{PATIENT}/medication-check", data={"drug": "lisinopril", "csrf": csrf})
    assert "No card" in none.text
    unknown = client.post(f"/app/patients/{PATIENT}/medication-check", data={"drug": "zzqx-unlisted", "csrf": csrf})
    assert "could not recognise" in unknown.text and "No card" not in unknown.text


def test_downloads_are_files_of_the_latest_plan(server: Server) -> None:
    client, _ = server.sign_in("clinician")
    plan = client.get(f"/app/patients/{PATIENT}/download/careplan.json")
    assert plan.status_code == 200 and "attachment" in plan.headers["content-disposition"]
    assert json.loads(plan.text)["patient_id"] == PATIENT
    bundle = client.get(f"/app/patients/{PATIENT}/download/fhir_genomics.json")
    assert bundle.status_code == 200 and json.loads(bundle.text)["resourceType"] == "Bundle"
    for name in ("report_clinician.pdf", "report_patient.pdf"):
        pdf = client.get(f"/app/patients/{PATIENT}/download/{name}")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf", name
        assert pdf.content.startswith(b"%PDF") and "attachment" in pdf.headers["content-disposition"]
    assert client.get(f"/app/patients/{PATIENT}/download/nothing.txt").status_code == 404


def test_cds_card_links_open_the_patients_plan_page(server: Server) -> None:
    """The link on a CDS card (order-select for clopidogrel, and the patient-view summary) is the web app's plan
    page of that patient: a signed-in clinician of the care team gets the page, anyone else is sent to sign in."""
    order = {
        "resourceType": "MedicationRequest",
        "id": "link-1",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": f"Patient/{PATIENT}"},
        "medicationCodeableConcept": {"text": "clopidogrel"},
    }
    select = {
        "hook": "order-select",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {
            "userId": "Practitioner/example",
            "patientId": PATIENT,
            "selections": ["MedicationRequest/link-1"],
            "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": order}]},
        },
    }
    view = {
        "hook": "patient-view",
        "hookInstance": "b4cbd1c3-5a6e-4c0b-9b1f-4b1c8f0c2a77",
        "context": {"userId": "Practitioner/example", "patientId": PATIENT},
    }
    with server.client() as ehr:
        cards = ehr.post("/cds-services/tailormed-pgx-order-select", json=select).json()["cards"]
        cards += ehr.post("/cds-services/tailormed-patient-summary", json=view).json()["cards"]
    assert len(cards) == 2
    urls = {link["url"] for card in cards for link in card["links"] if link["type"] == "absolute"}
    assert urls == {f"{server.url}/app/patients/{PATIENT}"}
    url = urls.pop()
    client, _ = server.sign_in("clinician")
    page = client.get(url)
    assert page.status_code == 200 and "Act on now" in page.text and "Robert Hale" in page.text
    anonymous = server.client().get(url)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/app/sign-in")


def test_a_cyp2d6_call_from_the_vcf_shows_its_range_and_provisional_advice(server: Server, shared_data: Path) -> None:
    """A patient created, given a VCF and analysed through the web app: CYP2D6 *1/*1 from SNVs alone could be
    *1/*1x2, so the plan page marks codeine's advice provisional with the resolving test, and shows the gene's
    phenotype range."""
    client, csrf = server.sign_in("clinician")
    record = b"id: web-cyp2d6\ndemographics: {sex: female, birth_date: 1970-01-01}\nmedications: [{name: codeine}]\n"
    created = client.post(
        "/app/patients-new", data={"csrf": csrf}, files={"record": ("web-cyp2d6.yaml", record, "application/yaml")}
    )
    assert created.status_code == 303, created.text
    vcf = shared_data / "pgx" / "pharmcat" / "examples" / "pharmcat.example2.vcf"
    uploaded = client.post(
        "/app/api/patients/web-cyp2d6/genomes",
        params={"filename": vcf.name},
        content=vcf.read_bytes(),
        headers={"X-CSRF-Token": csrf},
    )
    assert uploaded.status_code == 201, uploaded.text
    _consent_and_analyse(client, csrf, "web-cyp2d6")
    page = " ".join(re.sub(r"<[^>]+>", " ", client.get("/app/patients/web-cyp2d6").text).split())
    medications = page.split("Medications on the list", 1)[1].split("Gene results", 1)[0]
    assert "codeine" in medications and "Provisional" in medications
    assert "the advice differs for *1/*1x2: Ultrarapid Metabolizer (activity score 3.0)" in medications
    assert "Resolving test: CYP2D6 copy-number testing" in medications
    genes = page.split("Gene results", 1)[1]
    assert "Phenotype range (copy number not measured): called Normal Metabolizer (2.0); could also be" in genes
    assert "*1/*5: Intermediate Metabolizer (activity score 1.0) if one copy deleted (*5)" in genes


def test_the_plan_page_says_what_to_examine_next_and_which_test_to_order(server: Server) -> None:
    client, _ = server.sign_in("clinician")
    html = client.get("/app/patients/demo-03-rodriguez").text
    diagnosis = html[html.index('<section id="diagnosis"') : html.index('<section id="predictions"')]
    assert "<h3>What to examine next</h3>" in diagnosis and "<li>check for abdominal pain: " in diagnosis
    assert "<h3>Which test to order</h3>" in diagnosis
    assert "<strong>Exome or genome sequencing</strong>: the probability of the diseases" in diagnosis
    genes = diagnosis.split("Genes of the suggested test by their share of the probability", 1)[1]
    assert '<td>CARD8</td><td class="num">10' in genes and "OMIM:619079" in genes


def test_a_refused_record_is_shown_with_its_file_line_and_problem(server: Server) -> None:
    client, csrf = server.sign_in("clinician")
    record = b"id: web-bad-record\ndemographics: {sex: female}\nmedications:\n  - name: codeine\n    status: ongoing\n"
    refused = client.post(
        "/app/patients-new", data={"csrf": csrf}, files={"record": ("bad-record.yaml", record, "application/yaml")}
    )
    assert refused.status_code == 422
    problem = html.unescape(refused.text.split('class="problem"', 1)[1].split("</", 1)[0])
    assert (
        problem.lstrip(">")
        .strip()
        .startswith("bad-record.yaml, line 5: medications[0].status: 'ongoing' is not one of active, planned, stopped")
    ), problem
    assert client.get("/app/patients/web-bad-record").status_code == 404  # nothing half-created


def test_the_tumour_therapy_table_says_why_a_label_is_off(server: Server) -> None:
    """demo-04's resected stage III colon cancer: the web page's tumour therapy table, like the clinician report's,
    gives under the tumour type why a label is not on-label here (encorafenib + cetuximab: for metastatic disease;
    the melanoma labels: another tumour type and another extent), so no tier stands without its reason."""
    client, _ = server.sign_in("clinician")
    page = html.unescape(client.get("/app/patients/demo-04-park").text)
    oncology = page[page.index('<section id="oncology"') :]
    oncology = oncology[: oncology.index("</section>")]
    assert "approved for metastatic disease; this tumour is stage III, early (resectable or resected)" in oncology
    assert "of another tumour type; this tumour is stage III" in oncology


def test_the_tumour_therapy_table_names_the_marker_behind_conflicting_evidence(server: Server) -> None:
    """A metastatic BRAF V600E colon cancer stated KRAS and NRAS wild-type, created and analysed through the web app:
    the RAS wild-type labels (I-A) meet BRAF V600E's no-benefit claims (I-B). The page's tumour therapy table, like the
    clinician report's, names that claim beside 'conflicting evidence' on both panitumumab labels and the three
    cetuximab labels, and names the label behind BRAF V600E's own panitumumab row."""
    client, csrf = server.sign_in("clinician")
    record = (
        b"id: web-braf-ras\ndemographics: {sex: male, birth_date: 1970-01-01}\n"
        b"tumour:\n  oncotree_code: COAD\n  stage: IV\n  extent: metastatic\n"
        b"  somatic_variants: [{gene: BRAF, protein_change: V600E}]\n  wild_type: [KRAS, NRAS]\n"
    )
    created = client.post(
        "/app/patients-new", data={"csrf": csrf}, files={"record": ("web-braf-ras.yaml", record, "application/yaml")}
    )
    assert created.status_code == 303, created.text
    _consent_and_analyse(client, csrf, "web-braf-ras")
    page = html.unescape(client.get("/app/patients/web-braf-ras").text)
    oncology = page[page.index('<section id="oncology"') :]
    oncology = " ".join(re.sub(r"<[^>]+>", " ", oncology[: oncology.index("</section>")]).split())
    assert oncology.count("conflicting evidence: no benefit expected with BRAF V600E (I-B)") == 5, oncology
    assert "conflicting evidence: may benefit with RAS wild-type (I-A)" in oncology, oncology


def _consent_and_analyse(client: httpx.Client, csrf: str, patient: str) -> None:
    """Record the patient's consent, start an analysis from the web app and wait for it to succeed."""
    consent = client.post(f"/app/patients/{patient}/consent", data={"decision": "permit", "csrf": csrf})
    assert consent.status_code == 303, consent.text
    started = client.post(f"/app/patients/{patient}/analyses", data={"csrf": csrf})
    assert started.status_code == 303, started.text
    status_url = "/app/api/" + started.headers["location"].removeprefix("/app/")
    deadline = time.monotonic() + 240
    while (job := client.get(status_url).json())["status"] not in ("succeeded", "failed"):
        assert time.monotonic() < deadline, job
        time.sleep(0.5)
    assert job["status"] == "succeeded", job
