"""Units as records write them (UCUM or everyday spelling), reduced to one spelling, and the exact factors between
units of one quantity. Molar units of a substance need its molar mass and are left to the caller."""

from __future__ import annotations

from collections.abc import Iterable

#: UCUM and everyday spellings that :func:`unit_key` maps to one form.
UNIT_SPELLINGS = {
    "mm[hg]": "mmhg",
    "[lb_av]": "lb",
    "lbs": "lb",
    "pound": "lb",
    "pounds": "lb",
    "[stone_av]": "st",
    "stone": "st",
    "stones": "st",
    "[in_i]": "in",
    "inch": "in",
    "inches": "in",
    "kg/m^2": "kg/m2",
    "kg/m²": "kg/m2",
    "ml/min/{1.73_m2}": "ml/min/1.73m2",
    "ml/min/1.73m^2": "ml/min/1.73m2",
    "ml/min/1.73m²": "ml/min/1.73m2",
}
#: Factors to centimetres, kilograms and millimetres of mercury (international inch; avoirdupois pound, and the
#: stone of 14 pounds; the kilopascal by the conventional millimetre of mercury, 133.322 Pa). Feet are left out on
#: purpose: a height written "5.10 ft" is as often 5 ft 10 in as 5.1 ft, so it is refused rather than guessed.
LENGTH_TO_CM = {"cm": 1.0, "m": 100.0, "mm": 0.1, "in": 2.54}
MASS_TO_KG = {"kg": 1.0, "g": 0.001, "lb": 0.45359237, "st": 14 * 0.45359237}
PRESSURE_TO_MMHG = {"mmhg": 1.0, "kpa": 7.500615758}


#: How a normalised unit is written back in messages, where its usual spelling is not the lower-case key.
UNIT_NAMES = {
    "mmhg": "mmHg",
    "kpa": "kPa",
    "mmol/l": "mmol/L",
    "mg/dl": "mg/dL",
    "g/l": "g/L",
    "ml/min/1.73m2": "mL/min/1.73m2",
}


def unit_names(keys: Iterable[str]) -> str:
    """Normalised units as a reader writes them, for messages.

    >>> unit_names(["mmhg", "kpa"])
    'mmHg, kPa'
    """
    return ", ".join(UNIT_NAMES.get(key, key) for key in keys)


def unit_key(unit: str) -> str:
    """A unit as written reduced to one spelling.

    >>> unit_key("mmol/L"), unit_key("mm[Hg]"), unit_key("mL/min/{1.73_m2}"), unit_key("g/liter")
    ('mmol/l', 'mmhg', 'ml/min/1.73m2', 'g/l')
    """
    key = unit.strip().lower().replace(" ", "").replace("liter", "l").replace("litre", "l")
    return UNIT_SPELLINGS.get(key, key)
