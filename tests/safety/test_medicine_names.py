"""Medicines written by brand, by combination brand or by their international name reach the guidance; a brand that
is also an ordinary word, or that names different products, is never taken silently as one of them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tailormed.engines.pgx.review import review_medications
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.knowledge.medicines import core_medicines
from tailormed.knowledge.pgx.guidelines import load_guidelines
from tailormed.knowledge.pgx.interactions import read_phenoconversion
from tailormed.knowledge.pgx.phenotypes import load_phenotypes
from tailormed.model.patient import Medication

VOCABULARY = core_medicines()
CORE = KnowledgeBundle(None, None, curated_sources())
GUIDELINES = load_guidelines(CORE, "pgx-core-guidelines")
PHENOTYPES = load_phenotypes(CORE, "pgx-core-phenotypes")
RULES = read_phenoconversion()
COMBINATIONS = sorted(VOCABULARY.combinations, key=lambda c: c.brand)


def review(*names: str) -> object:
    return review_medications([Medication(name=n) for n in names], {}, GUIDELINES, RULES, PHENOTYPES, VOCABULARY)


@pytest.mark.parametrize(
    ("written", "ingredient"),
    [
        ("Tegretol", "carbamazepine"),
        ("Prograf 1 mg capsule", "tacrolimus"),
        ("Ziagen", "abacavir"),
        ("ZIAGEN 300 MG", "abacavir"),
        ("Celebrex 200 mg", "celecoxib"),
        ("Strattera", "atomoxetine"),
        ("Effexor 75 mg", "venlafaxine"),  # "Effexor XR" without its form word
        ("Protonix 40 mg tablet", "pantoprazole"),
        ("Dilantin", "phenytoin"),
        ("Lexapro 10 mg", "escitalopram"),
        ("Trodelvy 180 mg", "sacituzumab govitecan-hziy"),
        ("Votrient 200 mg tablet", "pazopanib"),
        ("Myrbetriq 25 mg", "mirabegron"),
        ("Norpramin 25 mg", "desipramine"),
        ("Silenor 6 mg", "doxepin"),
        ("Doptelet Sprinkle", "avatrombopag"),
        ("Toviaz 4 mg", "fesoterodine"),
        ("Orilissa", "elagolix"),
        ("Evoxac 30 mg capsule", "cevimeline"),
        ("Tasigna 200 mg hard capsules", "nilotinib"),
        ("Zofran ODT 8 mg", "ondansetron"),
        ("Risperdal 2 mg tablet", "risperidone"),
        ("Haldol 5 mg/mL injection", "haloperidol"),
        ("Pravachol 40 mg", "pravastatin"),
        ("Tofranil-PM 75 mg", "imipramine"),
        ("Detrol LA 4 mg", "tolterodine"),
        ("Enablex 7.5 mg", "darifenacin"),
        ("Razadyne ER 8 mg", "galantamine"),
        ("Antivert 25 mg", "meclizine"),
        ("Rythmol SR 225 mg", "propafenone"),
        ("Ancobon 500 mg capsule", "flucytosine"),
        ("Altoprev 20 mg", "lovastatin"),
        ("Lescol XL 80 mg", "fluvastatin"),
        ("Tambocor 100 mg", "flecainide"),
        ("Evekeo 10 mg", "amphetamine"),
        ("Surmontil 25 mg", "trimipramine"),
        ("Vivactil 10 mg", "protriptyline"),
        ("Hysingla ER 20 mg", "hydrocodone"),
        ("Aczone 7.5% gel", "dapsone"),
        ("Luvox CR 100 mg", "fluvoxamine"),
        # brands outside the United States (DPWG drugs)
        ("Sintrom 4 mg", "acenocoumarol"),
        ("Sinthrome 1mg tablets", "acenocoumarol"),
        ("Marcumar 3 mg Tabletten", "phenprocoumon"),
        ("Marcoumar", "phenprocoumon"),
        ("Clopixol 10 mg film-coated tablets", "zuclopenthixol"),
        ("Floxapen 500 mg capsules", "flucloxacillin"),
        ("Navoban 5 mg", "tropisetron"),
        ("Xefo Rapid 8 mg", "lornoxicam"),
        ("Tilcotil 20 mg", "tenoxicam"),
        ("Penthrox 3 mL", "methoxyflurane"),
        # brands no longer sold in the United States under that name, and common ones the sources lacked
        ("Elavil 25 mg", "amitriptyline"),
        ("Asendin 50 mg", "amoxapine"),
        ("Trilafon 4 mg", "perphenazine"),
        ("Mellaril 25 mg", "thioridazine"),
        ("Humatin 250 mg capsule", "paromomycin"),
        ("Garamycin", "gentamicin"),
        ("Zyloprim 300 mg", "allopurinol"),
        ("Trileptal 300 mg film-coated tablets", "oxcarbazepine"),
        ("Nolvadex 20 mg", "tamoxifen"),
        ("Nolvadex-D 20mg tablets", "tamoxifen"),
        ("Jantoven 5 mg", "warfarin"),
        ("Inderal 40 mg", "propranolol"),
    ],
)
def test_brands_of_drugs_with_guidance_resolve(written: str, ingredient: str) -> None:
    found = VOCABULARY.resolve(written)
    assert found is not None and found.ingredients == (ingredient,) and found.via == "brand"


def test_the_guidance_reached_by_a_brand_is_the_ingredients() -> None:
    result = review("Tegretol 200 mg")
    drugs = {a.drug for m in result.medications for a in m.genotype_recommendations}  # type: ignore[attr-defined]
    assert "carbamazepine" in drugs
    assert result.unrecognised == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("written", "ingredient"),
    [
        ("paracetamol 500 mg", "acetaminophen"),
        ("Paracetamol", "acetaminophen"),
        ("salbutamol inhaler", "salbutamol"),
        ("albuterol", "salbutamol"),  # the CPIC table files RxNorm 435 under the INN
        ("ciclosporin", "cyclosporine"),
        ("pethidine 50 mg", "meperidine"),
        ("suxamethonium", "succinylcholine"),
        ("glibenclamide", "glyburide"),
        ("rifampicin", "rifampin"),
    ],
)
def test_international_names_resolve_to_the_same_ingredient(written: str, ingredient: str) -> None:
    found = VOCABULARY.resolve(written)
    assert found is not None and found.ingredients == (ingredient,)
    medicine = VOCABULARY.medicine(ingredient)
    assert medicine is not None and medicine.sources


def test_a_succinylcholine_guideline_is_reached_by_its_inn() -> None:
    result = review("suxamethonium")
    assert result.unrecognised == [] and result.without_guidance == []  # type: ignore[attr-defined]


@settings(max_examples=100, deadline=None)
@given(combination=st.sampled_from(COMBINATIONS), decoration=st.sampled_from(["", " 1 tablet", " oral"]))
def test_a_combination_brand_resolves_to_every_ingredient(combination: object, decoration: str) -> None:
    brand = combination.brand  # type: ignore[attr-defined]
    found = VOCABULARY.resolve(brand + decoration)
    if found is None:
        assert VOCABULARY.ambiguity(brand + decoration) is not None, brand
        return
    assert set(found.ingredients) == set(combination.ingredients), brand  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("written", "ingredients"),
    [
        ("Teysuno 20 mg/5.8 mg/15.8 mg", ("gimeracil", "oteracil", "tegafur")),
        ("UFT", ("tegafur", "uracil")),
        ("Tylenol with Codeine 300 mg/30 mg", ("acetaminophen", "codeine")),
        ("Norco 10/325", ("acetaminophen", "hydrocodone")),
        ("Adderall XR 20 mg", ("amphetamine", "dextroamphetamine")),
    ],
)
def test_combination_products_of_drugs_with_guidance_reach_it(written: str, ingredients: tuple[str, ...]) -> None:
    found = VOCABULARY.resolve(written)
    assert found is not None and found.ingredients == ingredients
    drugs = {a.drug for m in review(written).medications for a in m.genotype_recommendations}  # type: ignore[attr-defined]
    assert drugs and drugs <= set(ingredients)


def test_drugs_sold_under_their_own_name_say_so_with_the_source() -> None:
    unbranded = {m.ingredient: m for m in VOCABULARY.medicines if m.unbranded}
    assert {"primaquine", "streptomycin", "codeine", "halothane"} <= set(unbranded)
    for medicine in unbranded.values():
        assert not medicine.brands, medicine.ingredient
        assert any(medicine.ingredient in s.quote.casefold() for s in medicine.sources), medicine.ingredient
    assert VOCABULARY.resolve("Kantrex 1 g").ingredients == ("kanamycin",)  # type: ignore[union-attr]


def test_symbyax_is_olanzapine_and_fluoxetine() -> None:
    found = VOCABULARY.resolve("Symbyax 6/25 mg")
    assert found is not None and set(found.ingredients) == {"olanzapine", "fluoxetine"}


@pytest.mark.parametrize("written", ["Soma", "soma 350 mg", "Tabloid", "Cortisporin"])
def test_ambiguous_brands_are_reported_not_guessed(written: str) -> None:
    assert VOCABULARY.resolve(written) is None
    meanings = VOCABULARY.ambiguity(written)
    assert meanings is not None and len(meanings) >= 2
    result = review(written)
    assert result.medications == [] and result.without_guidance == []  # type: ignore[attr-defined]
    (line,) = result.unrecognised  # type: ignore[attr-defined]
    assert line.startswith(f"{written}: ambiguous name (") and "give the ingredient" in line


def test_every_brand_is_filed_once_or_reported_ambiguous() -> None:
    seen: dict[str, set[tuple[str, ...]]] = {}
    for medicine in VOCABULARY.medicines:
        for brand in medicine.brands:
            seen.setdefault(brand.casefold(), set()).add((medicine.ingredient,))
    for combination in VOCABULARY.combinations:
        seen.setdefault(combination.brand.casefold(), set()).add(tuple(sorted(combination.ingredients)))
    for brand, meanings in seen.items():
        if len(meanings) > 1 or brand in VOCABULARY.common_words:
            assert VOCABULARY.resolve(brand) is None and VOCABULARY.ambiguity(brand) is not None, brand


def test_veterinary_products_stay_out_of_the_human_vocabulary() -> None:
    veterinary = {product.brand for product in VOCABULARY.veterinary}
    assert {"Metacam", "Otomax", "Loxicom", "Vetalog", "Disal", "UlcerGard", "Salix - substance"} <= veterinary
    for product in VOCABULARY.veterinary:
        assert product.sources and product.sources[0].quote, product.brand
        # never as a brand; a name that spells out its ingredients ("Betagen brand of Betamethasone and
        # Gentamicin") may still be read by those words
        for written in (product.brand, f"{product.brand} 1.5 mg/ml oral suspension", product.brand.split()[0]):
            found = VOCABULARY.resolve(written)
            assert found is None or found.via != "brand", written
        assert VOCABULARY.resolve(product.brand.split()[0]) is None, product.brand
    shown = [
        p.display
        for m in VOCABULARY.medicines
        for p in m.products
        if any(f"[{brand.casefold()}]" in p.display.casefold() for brand in veterinary)
    ]
    assert shown == []
    brands = {b.casefold() for m in VOCABULARY.medicines for b in m.brands}
    brands |= {c.brand.casefold() for c in VOCABULARY.combinations}
    assert not brands & {b.casefold() for b in veterinary}
    # the human products of the same ingredients are still known
    assert VOCABULARY.resolve("Mobic 15 mg").ingredients == ("meloxicam",)  # type: ignore[union-attr]
    assert VOCABULARY.resolve("meloxicam").ingredients == ("meloxicam",)  # type: ignore[union-attr]


def test_brands_not_known_to_be_human_medicines_are_left_out_with_the_reason() -> None:
    withheld = {product.brand for product in VOCABULARY.withheld}
    assert {"Ostilox", "Eloxiject", "Vetromax", "Remicin", "Relifor", "Furoquid", "Cortalone"} <= withheld
    for product in VOCABULARY.withheld:
        assert product.unverified is not None and not product.verified, product.brand
        for written in (product.brand, f"{product.brand} 10 mg"):
            assert VOCABULARY.resolve(written) is None, written
    assert not withheld & {product.brand for product in VOCABULARY.veterinary}
    # a human product of the same family stays known: Drotic is an otic solution for people
    assert VOCABULARY.resolve("Drotic").ingredients == ("hydrocortisone", "neomycin", "polymyxin b")  # type: ignore[union-attr]


def test_an_order_for_a_veterinary_product_is_reported_not_recognised() -> None:
    result = review("Metacam 1.5 mg/ml", "Otomax", "UlcerGard 2.28 g oral paste", "Disal 50 mg")
    assert result.unrecognised == [  # type: ignore[attr-defined]
        "Metacam 1.5 mg/ml: not a known medicine",
        "Otomax: not a known medicine",
        "UlcerGard 2.28 g oral paste: not a known medicine",
        "Disal 50 mg: not a known medicine",
    ]
