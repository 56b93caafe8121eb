"""Warfarin dose: the IWPC pharmacogenetic algorithm, then the CPIC 2017 adjustments, shown as a worked sum.

sqrt(weekly dose in mg) = intercept + coefficients x (age in decades, height, weight, VKORC1 -1639 genotype,
CYP2C9 *1/*2/*3 diplotype, race group, enzyme inducer, amiodarone). Every term is returned with its input and
contribution so the dose can be checked by hand. CPIC 2017 then widens the dose into a range, in African ancestry,
for CYP2C9 *5/*6/*8/*11 and rs12777823 A carriers (its CYP4F2 *3 increase has no readable source, so it is not
applied).
Inputs the formula needs but the record lacks are listed, never guessed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date

from tailormed.intake.units import LENGTH_TO_CM, MASS_TO_KG, unit_key
from tailormed.knowledge.medicines import medication_names
from tailormed.knowledge.pgx.dosing import DoseAdjustmentRule, WarfarinModel
from tailormed.model.finding import NotAssessed
from tailormed.model.patient import Patient
from tailormed.model.pgx import DoseAdjustment, DoseTerm, GenePhenotype, WarfarinDose, WarfarinInputs

HEIGHT_LOINC = "8302-2"
WEIGHT_LOINC = "29463-7"


def iwpc_dose(inputs: WarfarinInputs, model: WarfarinModel) -> WarfarinDose:
    """The IWPC pharmacogenetic dose and the CPIC 2017 adjustments for these inputs.

    The pharmacogenetic formula is used only with called CYP2C9 and VKORC1 genotypes: its "unknown genotype" terms
    would give a dose that looks genotype-guided but is not, so without both genes no dose is given.
    """
    iwpc = model.iwpc
    citations = [model.citation(iwpc.citation), model.citation(model.cpic_2017.citation)]
    missing = [
        NotAssessed(item=name, reason=f"the IWPC algorithm needs {name}; not in the record")
        for name, value in (("age", inputs.age_years), ("height", inputs.height_cm), ("weight", inputs.weight_kg))
        if value is None
    ]
    vkorc1 = inputs.vkorc1 if inputs.vkorc1 in iwpc.vkorc1_rs9923231 and inputs.vkorc1 != "unknown" else None
    cyp2c9 = inputs.cyp2c9 if inputs.cyp2c9 in iwpc.cyp2c9 and inputs.cyp2c9 != "unknown" else None
    missing += [
        NotAssessed(
            item=gene,
            reason=f"{gene} genotype not called; the IWPC pharmacogenetic dose is given only with called CYP2C9 and "
            "VKORC1 genotypes",
        )
        for gene, value in (("CYP2C9", cyp2c9), ("VKORC1", vkorc1))
        if value is None
    ]
    if (
        missing
        or inputs.age_years is None
        or inputs.height_cm is None
        or inputs.weight_kg is None
        or vkorc1 is None
        or cyp2c9 is None
    ):
        return WarfarinDose(inputs=inputs, not_assessed=missing, citations=citations)
    decades = min(9, max(0, math.floor(inputs.age_years / 10)))
    race = inputs.race if inputs.race in iwpc.race else "missing_or_mixed"
    terms = [
        DoseTerm(name="intercept", value="", coefficient=iwpc.intercept, contribution=iwpc.intercept),
        _term("age decades", decades, iwpc.age_decades),
        _term("height cm", inputs.height_cm, iwpc.height_cm),
        _term("weight kg", inputs.weight_kg, iwpc.weight_kg),
        _level("VKORC1 -1639", vkorc1, iwpc.vkorc1_rs9923231[vkorc1]),
        _level("CYP2C9", cyp2c9, iwpc.cyp2c9[cyp2c9]),
        _level("race", race, iwpc.race[race]),
        _term("enzyme inducer", int(inputs.enzyme_inducer), iwpc.enzyme_inducer),
        _term("amiodarone", int(inputs.amiodarone), iwpc.amiodarone),
    ]
    root = sum(t.contribution for t in terms)
    weekly = root * root
    not_assessed = []
    if race == "missing_or_mixed":
        not_assessed.append(NotAssessed(item="race", reason="race missing or mixed: IWPC 'missing or mixed' term used"))
    adjustments = [a for rule in model.cpic_2017.adjustments if (a := _adjustment(rule, inputs)) is not None]
    low, high = weekly, weekly
    for adjustment in adjustments:
        if adjustment.applies:
            low *= 1 + adjustment.percent_low / 100
            high *= 1 + adjustment.percent_high / 100
        elif adjustment.applies is None:
            not_assessed.append(NotAssessed(item=adjustment.id, reason=f"could not be decided: {adjustment.text}"))
    adjusted = (round(min(low, high), 2), round(max(low, high), 2)) if any(a.applies for a in adjustments) else None
    return WarfarinDose(
        inputs=inputs,
        terms=terms,
        sqrt_weekly_dose=root,
        weekly_mg=weekly,
        daily_mg=weekly / 7,
        adjusted_weekly_mg=adjusted,
        adjustments=adjustments,
        not_assessed=not_assessed,
        citations=citations,
    )


def warfarin_inputs(
    patient: Patient,
    results: Mapping[str, GenePhenotype],
    model: WarfarinModel,
    *,
    on: date,
    rs12777823: tuple[str | None, ...] | None = None,
) -> WarfarinInputs:
    """The formula's inputs from the record (age on ``on``, LOINC height/weight, race, co-medication) and genes.

    ``rs12777823`` is the sample's two alleles at that site when it was genotyped, else None.
    """
    notes: list[str] = []
    iwpc = model.iwpc
    names = {name for m in patient.current_medications() for name in medication_names(m)}
    race, race_note = _race(patient.demographics.race, iwpc.race_terms)
    if race_note:
        notes.append(race_note)
    populations = {c.population.upper() for c in patient.demographics.genetic_ancestry if c.proportion >= 0.5}
    african = race == "black" or bool(populations & {p.upper() for p in model.cpic_2017.african_ancestry_populations})
    cyp2c9, cyp2c9_alleles, cyp2c9_note = _cyp2c9(results.get("CYP2C9"), iwpc.cyp2c9)
    if cyp2c9_note:
        notes.append(cyp2c9_note)
    carrier = None
    if rs12777823 is not None and all(a is not None for a in rs12777823):
        carrier = any(a == _rs12777823_alt(model) for a in rs12777823)
    return WarfarinInputs(
        age_years=patient.demographics.age_on(on),
        height_cm=_measure(patient, HEIGHT_LOINC, LENGTH_TO_CM),
        weight_kg=_measure(patient, WEIGHT_LOINC, MASS_TO_KG),
        vkorc1=_vkorc1(results.get("VKORC1")),
        cyp2c9=cyp2c9,
        race=race,
        enzyme_inducer=bool(names & {d.casefold() for d in iwpc.enzyme_inducer_drugs}),
        amiodarone=bool(names & {d.casefold() for d in iwpc.amiodarone_drugs}),
        african_ancestry=african,
        cyp2c9_alleles=cyp2c9_alleles,
        rs12777823_a_carrier=carrier,
        notes=notes,
    )


def _term(name: str, value: float, coefficient: float) -> DoseTerm:
    return DoseTerm(name=name, value=f"{value:g}", coefficient=coefficient, contribution=coefficient * value)


def _level(name: str, level: str, coefficient: float) -> DoseTerm:
    return DoseTerm(name=name, value=level, coefficient=coefficient, contribution=coefficient)


def _adjustment(rule: DoseAdjustmentRule, inputs: WarfarinInputs) -> DoseAdjustment | None:
    if rule.ancestry == "african" and not inputs.african_ancestry:
        return None
    if rule.ancestry == "non_african" and inputs.african_ancestry:
        return None
    applies: bool | None
    if rule.variant is not None:
        applies = inputs.rs12777823_a_carrier if rule.variant.rsid == "rs12777823" else None
    elif rule.gene == "CYP2C9":
        applies = None if inputs.cyp2c9_alleles is None else any(a in rule.alleles for a in inputs.cyp2c9_alleles)
    else:
        applies = None
    return DoseAdjustment(
        id=rule.id, text=rule.text, percent_low=rule.percent_low, percent_high=rule.percent_high, applies=applies
    )


def _rs12777823_alt(model: WarfarinModel) -> str:
    return next((r.variant.alt for r in model.cpic_2017.adjustments if r.variant and r.variant.rsid == "rs12777823"),
                "A")


def _measure(patient: Patient, loinc: str, units: Mapping[str, float]) -> float | None:
    observation = patient.latest(loinc)
    if observation is None or isinstance(observation.value, str):
        return None
    factor = units.get(unit_key(observation.unit or "") or next(iter(units)))
    return observation.value * factor if factor is not None else None


def _race(words: list[str], terms: Mapping[str, list[str]]) -> tuple[str, str | None]:
    groups = set()
    unmatched = []
    for word in words:
        key = " ".join(word.casefold().split())
        group = next((g for g, names in terms.items() if key in names), None)
        if group is None:
            unmatched.append(word)
        else:
            groups.add(group)
    if len(groups) == 1 and not unmatched:
        return groups.pop(), None
    if not words:
        return "missing_or_mixed", "race not recorded"
    return "missing_or_mixed", f"race {', '.join(words)} counted as missing or mixed"


def _cyp2c9(
    result: GenePhenotype | None, levels: Mapping[str, float]
) -> tuple[str | None, list[str] | None, str | None]:
    alleles = _single_diplotype(result)
    if alleles is None:
        return None, None, "CYP2C9 not called or ambiguous"
    mapped = sorted(a if a in ("*1", "*2", "*3") else "*1" for a in alleles)
    name = "/".join(mapped)
    note = None
    if mapped != sorted(alleles):
        note = f"CYP2C9 {'/'.join(alleles)}: alleles other than *2 and *3 are not in the IWPC algorithm, counted as *1"
    return (name if name in levels else None), alleles, note


def _vkorc1(result: GenePhenotype | None) -> str | None:
    if result is None or not result.called or result.phenotype is None:
        return None
    genotype = result.phenotype.removeprefix("-1639").strip()
    return genotype if genotype in ("GG", "AG", "AA") else None


def _single_diplotype(result: GenePhenotype | None) -> list[str] | None:
    if result is None or not result.called or len(result.diplotypes) != 1:
        return None
    return [part for part in result.diplotypes[0].split("/") if part]
