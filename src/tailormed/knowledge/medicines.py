"""Medicine vocabulary: a medication as people and EHRs write it, resolved to its ingredients.

A record may name a drug by ingredient (``clopidogrel``), brand (``Plavix``), product string (``clopidogrel bisulfate
75 MG Oral Tablet``, ``clopidogrel 75 mg tablet``), RxNorm code (ingredient or product) or ATC code. Everything that
compares a medication with knowledge (guidelines, phenoconversion, plan actions, risk inputs) goes through
:meth:`MedicineVocabulary.resolve`, so all of them agree on what the patient takes. A name the vocabulary does not
know resolves to nothing and is reported as unrecognised, never guessed.

The curated source ``medicines`` (``medicines.json``, written by ``scripts/curate_medicines.py``) lists each
ingredient with its RxNorm and ATC codes, brands, RxNorm products, drug classes (from NLM VSAC value sets), the CPIC
levels of its gene pairs, and the sources of every fact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from pydantic import Field, PrivateAttr

from tailormed.knowledge.files import read_model
from tailormed.knowledge.sourcing import Sourced
from tailormed.model.base import Contract
from tailormed.model.patient import Medication

SOURCE = "medicines"
MEDICINES_FILE = "medicines.json"
CURATED_FILE = Path(__file__).resolve().parent / "curated" / SOURCE / MEDICINES_FILE

#: NLM VSAC value sets whose members belong to a drug class (value-set OID -> class).
CLASS_VALUE_SETS: dict[str, str] = {
    "2.16.840.1.113883.3.526.1577": "antihypertensive",  # Pharmacologic Therapy for Hypertension
    "2.16.840.1.113883.3.526.3.1489": "antihypertensive",  # ACE Inhibitor or ARB Ingredient
    "2.16.840.1.113883.3.526.3.1139": "antihypertensive",  # ACE Inhibitor or ARB or ARNI
    "2.16.840.1.113883.3.526.3.1493": "antihypertensive",  # Beta Blocker Therapy Ingredient
    "2.16.840.1.113762.1.4.1110.19": "statin",  # Statin Grouper
    "2.16.840.1.113883.3.526.3.1572": "statin",  # High Intensity Statin Therapy
    "2.16.840.1.113883.3.526.3.1575": "statin",  # Moderate Intensity Statin Therapy
    "2.16.840.1.113883.3.526.3.1574": "statin",  # Low Intensity Statin Therapy
    "2.16.840.1.113762.1.4.1196.394": "glucose_lowering",  # Hypoglycemics Treatment Medications
}

#: Salt, ester and hydrate words RxNorm and labels add to an ingredient name (``warfarin sodium``).
SALTS = frozenset(
    [
        "sodium",
        "potassium",
        "calcium",
        "magnesium",
        "hydrochloride",
        "hcl",
        "dihydrochloride",
        "bisulfate",
        "besylate",
        "maleate",
        "mesylate",
        "dimesylate",
        "succinate",
        "tartrate",
        "bitartrate",
        "fumarate",
        "hemifumarate",
        "citrate",
        "sulfate",
        "acetate",
        "hydrobromide",
        "bromide",
        "phosphate",
        "hyclate",
        "monohydrate",
        "dihydrate",
        "trihydrate",
        "sesquihydrate",
        "hemihydrate",
        "anhydrous",
        "dipropionate",
        "propionate",
        "disodium",
        "erbumine",
        "cilexetil",
        "medoxomil",
        "etexilate",
        "lysine",
        "olamine",
        "napsylate",
        "pamoate",
        "decanoate",
        "enanthate",
    ]
)
_FORMS = frozenset(
    [
        "oral",
        "tablet",
        "tablets",
        "tab",
        "tabs",
        "capsule",
        "capsules",
        "cap",
        "caps",
        "film",
        "coated",
        "film-coated",
        "chewable",
        "disintegrating",
        "delayed",
        "extended",
        "release",
        "er",
        "xr",
        "xl",
        "sr",
        "cr",
        "dr",
        "ir",
        "solution",
        "suspension",
        "injection",
        "injectable",
        "syrup",
        "elixir",
        "drops",
        "patch",
        "cream",
        "ointment",
        "gel",
        "spray",
        "inhaler",
        "powder",
        "for",
        "use",
        "by",
        "mouth",
        "po",
        "daily",
        "once",
        "twice",
        "bid",
        "tid",
        "qd",
        "qhs",
        "prn",
        "mg",
        "mcg",
        "µg",
        "g",
        "ml",
        "unt",
        "unit",
        "units",
        "iu",
        "%",
        "meq",
        "hr",
        "hour",
        "topical",
        "transdermal",
        "rectal",
        "suppository",
        "vial",
        "pack",
        "kit",
        "prefilled",
        "syringe",
        "cartridge",
        "injector",
        "auto-injector",
        "pen",
        "delayed-release",
        "extended-release",
        "odt",
    ]
)
_SPLIT = re.compile(r"\s*(?:/|\+|,|;|\band\b|\bwith\b)\s*")
_BRACKETS = re.compile(r"[\[(]([^\])]+)[\])]")
_PACK = re.compile(r"\{(?P<body>.*)\}\s*pack(?:\s*\[(?P<brand>[^\]]+)\])?", re.IGNORECASE)
_PACK_PART = re.compile(r"\(([^()]*(?:\[[^\]]*\])?)\)")
_DOSE = re.compile(r"\b\d+(\.\d+)?\s*(mg|mcg|µg|g|ml|unt|units?|iu|%|meq)(/\S+)?\b", re.IGNORECASE)


def base_name(text: str) -> str:
    """An ingredient name without salt, hydrate or ester words, lower case.

    >>> base_name("Clopidogrel Bisulfate"), base_name("metoprolol succinate"), base_name("heparin sodium, porcine")
    ('clopidogrel', 'metoprolol', 'heparin')
    """
    words = [w for w in re.split(r"[\s,]+", text.casefold().strip()) if w]
    while len(words) > 1 and (words[-1] in SALTS or words[-1] in {"porcine", "bovine"}):
        words.pop()
    return " ".join(words)


class Product(Contract):
    """An RxNorm clinical or branded drug (``309362``: ``clopidogrel 75 MG Oral Tablet``)."""

    rxnorm: str
    display: str


class CpicPair(Contract):
    gene: str
    level: str = Field(description="CPIC level of the gene-drug pair (A, A/B, B, C, D)")


class Medicine(Sourced):
    """One ingredient and the codes, names and classes it is known by."""

    ingredient: str
    rxnorm: str | None = None
    atc: list[str] = Field(default_factory=list, description="The ingredient's own ATC codes")
    atc_combinations: list[str] = Field(default_factory=list, description="ATC codes of combinations containing it")
    synonyms: list[str] = Field(default_factory=list, description="Other nonproprietary names (INN for a USAN)")
    brands: list[str] = Field(default_factory=list)
    classes: list[str] = Field(default_factory=list)
    products: list[Product] = Field(default_factory=list)
    cpic_pairs: list[CpicPair] = Field(default_factory=list)
    unbranded: str | None = Field(
        default=None, description="How the drug is sold when the sources show no brand of its own (our words)"
    )


class Combination(Sourced):
    """A brand of a product with several ingredients (``Symbyax``: olanzapine and fluoxetine)."""

    brand: str
    ingredients: list[str] = Field(min_length=2)


class VeterinaryProduct(Sourced):
    """A brand the source value sets list that is for animals only: kept out of the human vocabulary."""

    brand: str


class WithheldBrand(Sourced):
    """A brand the source value sets list that no source read shows to be a human medicine: kept out, with why."""

    brand: str


class Resolution(Contract):
    """What a medication entry was recognised as, and by which of its fields."""

    ingredients: tuple[str, ...]
    via: str = Field(description="'rxnorm', 'atc', 'name' or 'brand'")


class MedicineVocabulary(Contract):
    source: str = SOURCE
    version: str
    sources: dict[str, str] = Field(default_factory=dict, description="Where each kind of fact was read")
    medicines: list[Medicine]
    combinations: list[Combination] = Field(default_factory=list)
    common_words: list[str] = Field(
        default_factory=list, description="Brand names that are also ordinary words: never taken on their own"
    )
    veterinary: list[VeterinaryProduct] = Field(
        default_factory=list, description="Veterinary brands left out of the vocabulary, with the source saying so"
    )
    withheld: list[WithheldBrand] = Field(
        default_factory=list, description="Brands left out because no source read shows them to be human medicines"
    )
    _names: dict[str, str] = PrivateAttr(default_factory=dict)
    _brands: dict[str, tuple[str, ...]] = PrivateAttr(default_factory=dict)
    _ambiguous: dict[str, list[tuple[str, ...]]] = PrivateAttr(default_factory=dict)
    _codes: dict[str, str] = PrivateAttr(default_factory=dict)
    _atc: dict[str, list[str]] = PrivateAttr(default_factory=dict)
    _by_name: dict[str, Medicine] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: object, /) -> None:
        for medicine in self.medicines:
            name = medicine.ingredient
            self._by_name[name] = medicine
            self._names[name] = name
            self._names.setdefault(base_name(name), name)
            for brand in medicine.brands:
                self._add_brand(brand, (name,))
            if medicine.rxnorm:
                self._codes[medicine.rxnorm] = name
            for product in medicine.products:
                self._codes.setdefault(product.rxnorm, name)
            for code in [*medicine.atc, *medicine.atc_combinations]:
                self._atc.setdefault(code.upper(), []).append(name)
        for medicine in self.medicines:
            for synonym in medicine.synonyms:  # after every ingredient: an ingredient's own name always wins
                self._names.setdefault(synonym.casefold(), medicine.ingredient)
        for combination in self.combinations:
            self._add_brand(combination.brand, tuple(sorted(combination.ingredients)))
        for word in self.common_words:
            key = word.casefold()
            if key in self._brands:
                self._ambiguous[key] = [self._brands.pop(key), ()]

    def _add_brand(self, brand: str, ingredients: tuple[str, ...]) -> None:
        """File a brand under its name and its name without form words (``Effexor XR`` is also ``Effexor``)."""
        full = " ".join(brand.casefold().split())
        short = " ".join(w for w in full.split() if w not in _FORMS and not w[:1].isdigit()) or full
        for key in dict.fromkeys([full, short]):
            if key in self._ambiguous:
                if ingredients not in self._ambiguous[key]:
                    self._ambiguous[key].append(ingredients)
            elif self._brands.get(key, ingredients) != ingredients:
                self._ambiguous[key] = [self._brands.pop(key), ingredients]  # one name, different medicines
            else:
                self._brands[key] = ingredients

    def ambiguity(self, name: str) -> list[tuple[str, ...]] | None:
        """The medicines an ambiguous brand name may mean (``()`` for an ordinary word); None when it is not one.

        >>> core_medicines().ambiguity("Soma")
        [('carisoprodol',), ()]
        """
        plain = " ".join(w for w in _DOSE.sub(" ", name).casefold().split() if w not in _FORMS)
        for key in dict.fromkeys([plain, plain.split()[0] if plain else ""]):
            if key in self._ambiguous:
                return self._ambiguous[key]
        return None

    def ambiguous_meanings(self, name: str) -> str | None:
        """What an ambiguous name may mean, in words; None when it is not ambiguous.

        >>> core_medicines().ambiguous_meanings("Soma 350 mg")
        'carisoprodol or an ordinary word'
        """
        meanings = self.ambiguity(name)
        if meanings is None:
            return None
        return " or ".join(" + ".join(m) if m else "an ordinary word" for m in meanings)

    def medicine(self, ingredient: str) -> Medicine | None:
        return self._by_name.get(ingredient.casefold())

    def resolve(self, name: str | None = None, rxnorm: str | None = None, atc: str | None = None) -> Resolution | None:
        """The ingredients a medication entry means: by RxNorm code, ATC code, then name or brand; None if unknown.

        >>> vocab = core_medicines()
        >>> vocab.resolve("clopidogrel bisulfate 75 MG Oral Tablet").ingredients
        ('clopidogrel',)
        >>> vocab.resolve("Plavix").via, vocab.resolve("flibbertigibbet") is None
        ('brand', True)
        """
        if rxnorm and rxnorm.strip() in self._codes:
            return Resolution(ingredients=(self._codes[rxnorm.strip()],), via="rxnorm")
        if atc and atc.strip().upper() in self._atc:
            return Resolution(ingredients=tuple(self._atc[atc.strip().upper()]), via="atc")
        if name:
            return self._resolve_name(name)
        return None

    def _resolve_name(self, text: str) -> Resolution | None:
        pack = _PACK.fullmatch(text.strip())
        if pack is not None:
            return self._resolve_pack(pack["body"], pack["brand"])
        found: list[str] = []
        via = "name"
        for inner in _BRACKETS.findall(text):
            brand = self._brands.get(" ".join(inner.casefold().split()))
            if brand:
                found.extend(brand)
                via = "brand"
        plain = _DOSE.sub(" ", _BRACKETS.sub(" ", text)).casefold()
        whole = " ".join(w for w in plain.split() if w not in _FORMS and not w[:1].isdigit())
        if not found and whole in self._brands:  # a brand with "and" or "with" in it: "Bayer Back and Body Pain"
            return Resolution(ingredients=self._brands[whole], via="brand")
        for part in _SPLIT.split(plain):
            words = [w for w in part.split() if w not in _FORMS and not w[:1].isdigit()]
            if not words:
                continue
            phrase = " ".join(words)
            hit = self._names.get(phrase) or self._without_salts(phrase)
            if hit is None:
                brand = self._brands.get(phrase) or self._brands.get(base_name(phrase)) or self._brands.get(words[0])
                if brand is not None:
                    found.extend(brand)
                    via = "brand" if len(found) == len(brand) else via
                    continue
            for size in range(len(words) - 1, 0, -1):  # the longest known leading phrase: "aripiprazole lauroxil"
                if hit is not None:
                    break
                hit = self._names.get(" ".join(words[:size]))
            if hit is not None:
                found.append(hit)
        ingredients = tuple(dict.fromkeys(found))
        return Resolution(ingredients=ingredients, via=via) if ingredients else None

    def _without_salts(self, phrase: str) -> str | None:
        """The known name left as trailing salt words are dropped one at a time, the longest first: an ingredient
        named with its salt keeps it ("amifampridine phosphate hydrochloride" is amifampridine phosphate, which the
        FDA table names apart from amifampridine).

        >>> core_medicines().resolve("amifampridine phosphate hydrochloride 10 MG Oral Tablet").ingredients
        ('amifampridine phosphate',)
        """
        words = [w for w in re.split(r"[\s,]+", phrase) if w]
        while len(words) > 1 and (words[-1] in SALTS or words[-1] in {"porcine", "bovine"}):
            words.pop()
            hit = self._names.get(" ".join(words))
            if hit is not None:
                return hit
        return None

    def _resolve_pack(self, body: str, brand: str | None) -> Resolution | None:
        """An RxNorm pack (``{28 (clopidogrel 75 MG Oral Tablet) } Pack``): the ingredients of its drugs.

        >>> pack = "{7 (naproxen 500 MG Oral Tablet) / 7 (esomeprazole 20 MG Oral Tablet) } Pack"
        >>> core_medicines().resolve(pack).ingredients
        ('naproxen', 'esomeprazole')
        """
        if brand is not None:
            named = self._brands.get(" ".join(brand.casefold().split()))
            if named is not None:
                return Resolution(ingredients=named, via="brand")
        found: list[str] = []
        via = "name"
        for part in _PACK_PART.findall(body):
            resolved = self._resolve_name(part)
            if resolved is not None:
                found.extend(resolved.ingredients)
                via = "brand" if resolved.via == "brand" else via
        ingredients = tuple(dict.fromkeys(found))
        return Resolution(ingredients=ingredients, via=via) if ingredients else None

    def atc_codes(self, ingredients: Iterable[str]) -> list[str]:
        return [code for name in ingredients if (m := self.medicine(name)) for code in m.atc]

    def classes(self, ingredients: Iterable[str]) -> list[str]:
        return [c for name in ingredients if (m := self.medicine(name)) for c in m.classes]


def read_medicines(path: Path = CURATED_FILE) -> MedicineVocabulary:
    """Read a medicine vocabulary file; a damaged file is a :class:`KnowledgeError` naming it."""
    return read_model(path, MedicineVocabulary, "medicine vocabulary")


@lru_cache(maxsize=1)
def core_medicines() -> MedicineVocabulary:
    """The vocabulary shipped in the curated core (read once; it is package data, not user data)."""
    return read_medicines()


def medication_names(medication: Medication, vocabulary: MedicineVocabulary | None = None) -> tuple[str, ...]:
    """The ingredient names a medication entry stands for; the name as written (lower case) when it is unknown.

    >>> from tailormed.model.patient import Medication
    >>> medication_names(Medication(name="Antiplatelet", rxnorm="309362")), medication_names(Medication(name="Zocor"))
    (('clopidogrel',), ('simvastatin',))
    """
    found = (vocabulary or core_medicines()).resolve(medication.name, medication.rxnorm, medication.atc)
    if found is None:
        return (" ".join(medication.name.casefold().split()),)
    return found.ingredients
