"""Units as records write them (UCUM or everyday spelling), reduced to one spelling, and the exact factors between
units of one quantity. Molar units of a substance need its molar mass and are left to the caller."""

from __future__ import annotations

#: UCUM and everyday spellings that :func:`unit_key` maps to one form.
UNIT_SPELLINGS = {
    "mm[hg]": "mmhg",
    "[lb_av]": "lb",
    "lbs": "lb",
    "[in_i]": "in",
    "kg/m^2": "kg/m2",
    "kg/m²": "kg/m2",
    "ml/min/{1.73_m2}": "ml/min/1.73m2",
    "ml/min/1.73m^2": "ml/min/1.73m2",
    "ml/min/1.73m²": "ml/min/1.73m2",
}
#: Factors to centimetres, kilograms and millimetres of mercury (international inch and avoirdupois pound; the
#: kilopascal by the conventional millimetre of mercury, 133.322 Pa).
LENGTH_TO_CM = {"cm": 1.0, "m": 100.0, "mm": 0.1, "in": 2.54}
MASS_TO_KG = {"kg": 1.0, "g": 0.001, "lb": 0.45359237}
PRESSURE_TO_MMHG = {"mmhg": 1.0, "kpa": 7.500615758}


def unit_key(unit: str) -> str:
    """A unit as written reduced to one spelling.

    >>> unit_key("mmol/L"), unit_key("mm[Hg]"), unit_key("mL/min/{1.73_m2}"), unit_key("g/liter")
    ('mmol/l', 'mmhg', 'ml/min/1.73m2', 'g/l')
    """
    key = unit.strip().lower().replace(" ", "").replace("liter", "l").replace("litre", "l")
    return UNIT_SPELLINGS.get(key, key)
