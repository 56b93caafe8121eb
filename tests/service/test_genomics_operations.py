"""FHIR Genomics operations, with the IG's own example queries (STU3 OperationDefinition notes) run on our patients.

The IG's examples use subject HG00403; here the same queries ask about demo-01-hale (CYP2C19 *2/*2)."""

from __future__ import annotations

from typing import Any

from .conftest import Service

SUBJECT = "demo-01-hale"


def _get(service: Service, operation: str, query: str) -> Any:
    response = service.client.get(f"/fhir/${operation}?{query}", headers=service.headers("clinician"))
    return response


def _parts(parameter: dict[str, Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for part in parameter.get("part", []):
        out.setdefault(part["name"], []).append(part.get("resource", part.get("valueString", part.get("valueBoolean"))))
    return out


def test_find_subject_haplotypes_cyp2d6_and_cyp2c19_as_in_the_ig(service: Service) -> None:
    # IG: GET .../$find-subject-haplotypes?subject=HG00403&genes=http://www.genenames.org|HGNC:2625,...|HGNC:2621
    response = _get(
        service,
        "find-subject-haplotypes",
        f"subject={SUBJECT}&genes=http://www.genenames.org|HGNC:2625,http://www.genenames.org|HGNC:2621",
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["resourceType"] == "Parameters"
    params = [p for p in body["parameter"] if p["name"] == "haplotypes"]
    assert [_parts(p)["geneItem"][0] for p in params] == [
        "http://www.genenames.org|HGNC:2625",
        "http://www.genenames.org|HGNC:2621",
    ]
    cyp2c19 = _parts(params[1])
    genotype = cyp2c19["genotype"][0]
    assert genotype["meta"]["profile"] == ["http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/genotype"]
    assert genotype["code"]["coding"][0]["code"] == "84413-4"
    assert genotype["valueCodeableConcept"]["coding"][0]["display"] == "CYP2C19 *2/*2"
    gene = genotype["component"][0]["valueCodeableConcept"]["coding"][0]
    assert (gene["system"], gene["code"]) == ("http://www.genenames.org", "HGNC:2621")
    assert {h["valueCodeableConcept"]["coding"][0]["display"] for h in cyp2c19["haplotype"]} == {"CYP2C19 *2"}
    assert genotype["subject"]["reference"] == f"Patient/{SUBJECT}"


def test_find_subject_tx_implications_by_treatment_as_in_the_ig(service: Service) -> None:
    # IG: $find-subject-tx-implications?subject=HG00403&treatments=http://www.nlm.nih.gov/research/umls/rxnorm|32968
    response = _get(
        service,
        "find-subject-tx-implications",
        f"subject={SUBJECT}&treatments=http://www.nlm.nih.gov/research/umls/rxnorm|32968",
    )
    assert response.status_code == 200, response.text
    params = response.json()["parameter"]
    implications = {p["resource"]["id"]: p["resource"] for p in params if p["name"] == "implication"}
    assert "ti-clopidogrel-CPIC" in implications  # (and DPWG's, where the knowledge has it)
    implication = implications["ti-clopidogrel-CPIC"]
    assert implication["meta"]["profile"][0].endswith("/therapeutic-implication")
    medication = implication["component"][0]
    assert medication["code"]["coding"][0]["code"] == "51963-7"
    assert medication["valueCodeableConcept"]["coding"][0]["code"] == "32968"
    assert any(
        "CYP2C19 Poor Metabolizer" in (c["valueCodeableConcept"].get("text") or "") for c in implication["component"]
    )
    assert "prasugrel" in implication["note"][0]["text"]
    genotypes = [p["resource"] for p in params if p["name"] == "genotype"]
    assert implication["derivedFrom"] == [{"reference": f"Observation/{genotypes[0]['id']}"}]


def test_find_subject_tx_implications_by_haplotype_as_in_the_ig(service: Service) -> None:
    # IG: $find-subject-tx-implications?subject=HG00403&haplotypes=CYP2C19 *1/*2 (here the patient's *2/*2)
    response = _get(service, "find-subject-tx-implications", f"subject={SUBJECT}&haplotypes=CYP2C19 *2/*2")
    drugs = {
        p["resource"]["component"][0]["valueCodeableConcept"]["text"]
        for p in response.json()["parameter"]
        if p["name"] == "implication"
    }
    assert "clopidogrel" in drugs
    other = _get(service, "find-subject-tx-implications", f"subject={SUBJECT}&haplotypes=CYP2C19 *1/*1")
    assert [p for p in other.json()["parameter"] if p["name"] == "implication"] == []


def test_tx_implications_follow_phenoconversion(service: Service) -> None:
    response = _get(service, "find-subject-tx-implications", "subject=demo-02-mensah&treatments=2670")
    implication = next(p["resource"] for p in response.json()["parameter"] if p["name"] == "implication")
    texts = [c["valueCodeableConcept"].get("text") for c in implication["component"]]
    assert any("CYP2D6 Poor Metabolizer" in (t or "") for t in texts)
    assert any("fluoxetine" in n["text"] for n in implication["note"])


def test_find_subject_variants_by_range_as_in_the_ig(service: Service) -> None:
    # IG: $find-subject-variants?subject=HG00403&ranges=NC_000007.14:140713327-140924929,...&includeVariants=true
    response = _get(
        service,
        "find-subject-variants",
        f"subject={SUBJECT}&ranges=NC_000010.11:94761000-94855000,NC_000017.11:39688093-39728660&includeVariants=true",
    )
    assert response.status_code == 200, response.text
    cyp2c19, erbb2 = [_parts(p) for p in response.json()["parameter"]]
    assert cyp2c19["rangeItem"] == ["NC_000010.11:94761000-94855000"] and cyp2c19["presence"] == [True]
    assert erbb2["presence"] == [False] and "variant" not in erbb2
    positions = set()
    for variant in cyp2c19["variant"]:
        components = {c["code"]["coding"][0]["code"]: c for c in variant["component"]}
        assert components["48013-7"]["valueCodeableConcept"]["coding"][0]["code"] == "NC_000010.11"
        assert components["92822-6"]["valueCodeableConcept"]["coding"][0]["code"] == "LA30100-4"
        positions.add(components["81254-5"]["valueRange"]["low"]["value"])
    # rs4244285 (CYP2C19*2, chr10:94781859 1-based) is at 0-based start 94781858
    assert 94781858 in positions
    # 0-based, end exclusive: a range ending at the variant's start does not contain it
    edge = _get(service, "find-subject-variants", f"subject={SUBJECT}&ranges=NC_000010.11:94781000-94781858")
    assert _parts(edge.json()["parameter"][0])["presence"] == [False]


def test_operations_answer_400_for_bad_parameters_and_404_for_unknown_patients(service: Service) -> None:
    assert _get(service, "find-subject-variants", f"subject={SUBJECT}&ranges=chr10:1-2").status_code == 400
    assert _get(service, "find-subject-variants", f"subject={SUBJECT}&ranges=NC_000010.11:20-10").status_code == 400
    assert _get(service, "find-subject-haplotypes", "subject=HG00403&genes=CYP2D6").status_code == 404
    assert _get(service, "find-subject-haplotypes", f"subject={SUBJECT}").status_code == 422
