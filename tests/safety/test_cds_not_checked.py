"""CDS Hooks says why an order was not checked: an ambiguous name is named with what it may mean, like the care
plan does; only a name the vocabulary does not know is called unrecognised."""

from __future__ import annotations

from tailormed.knowledge.medicines import core_medicines
from tailormed.model.patient import Medication
from tailormed.service.cds import Card, medication_of, not_checked_cards

VOCABULARY = core_medicines()


def test_an_ambiguous_brand_is_reported_ambiguous_with_its_candidates() -> None:
    cards = [Card.model_validate(c) for c in not_checked_cards([Medication(name="Soma 350 mg")], VOCABULARY)]
    assert len(cards) == 1
    card = cards[0]
    assert card.indicator == "info"
    assert (
        card.summary
        == "Not checked for pharmacogenomics: ambiguous name Soma 350 mg (carisoprodol or an ordinary word)"
    )
    assert card.detail is not None and "Order it by ingredient or RxNorm code" in card.detail
    assert "recognise" not in card.summary


def test_a_brand_filed_for_two_products_names_both() -> None:
    (card,) = not_checked_cards([Medication(name="Cortisporin")], VOCABULARY)
    meanings = VOCABULARY.ambiguous_meanings("Cortisporin")
    assert meanings is not None and " or " in meanings
    assert card["summary"].startswith("Not checked for pharmacogenomics: ambiguous name Cortisporin (")
    assert len(card["summary"]) < 140  # the specification's limit; the detail names every candidate
    assert f"Cortisporin ({meanings})" in card["detail"]


def test_ambiguous_and_unknown_orders_get_a_card_each() -> None:
    orders = [Medication(name="Tabloid"), Medication(name="Flibbertigibbet 10 mg tablet")]
    summaries = [c["summary"] for c in not_checked_cards(orders, VOCABULARY)]
    assert summaries == [
        "Not checked for pharmacogenomics: ambiguous name Tabloid (thioguanine or an ordinary word)",
        "Not checked for pharmacogenomics: Flibbertigibbet 10 mg tablet (not a medicine tailormed recognises)",
    ]


RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def order(**drug: object) -> dict[str, object]:
    return {"resourceType": "MedicationRequest", "id": "o1", "status": "draft", "intent": "order", **drug}


def test_orders_naming_their_drug_through_a_contained_medication_are_read() -> None:
    by_code = order(
        contained=[
            {"resourceType": "Medication", "id": "m", "code": {"coding": [{"system": RXNORM, "code": "309362"}]}}
        ],
        medicationReference={"reference": "#m"},
    )
    by_ingredients = order(
        contained=[
            {
                "resourceType": "Medication",
                "id": "m",
                "ingredient": [
                    {"itemCodeableConcept": {"coding": [{"system": RXNORM, "code": "32968", "display": "clopidogrel"}]}}
                ],
            }
        ],
        medicationReference={"reference": "#m"},
    )
    for resource in (by_code, by_ingredients):
        drug = medication_of(resource)
        assert drug is not None
        found = VOCABULARY.resolve(drug.name, drug.rxnorm)
        assert found is not None and found.ingredients == ("clopidogrel",)
    by_display = medication_of(order(medicationReference={"display": "Plavix 75 mg tablet"}))
    assert by_display is not None and by_display.name == "Plavix 75 mg tablet"
