"""Refusing inputs outside the range a model was published for, naming the input that is out of range."""

from __future__ import annotations

from collections.abc import Mapping

from tailormed.errors import InputError
from tailormed.knowledge.risk.coefficients import Band


class RiskInputError(InputError):
    """An input the model is not valid for; ``field`` names the input so callers can point at its column."""

    def __init__(self, message: str, *, field: str) -> None:
        self.field = field
        super().__init__(message)


def describe(band: Band) -> str:
    """``40 to 79``, ``at least 20 and below 90``, ...

    >>> describe(Band(low=40, high=79))
    '40 to 79'
    >>> describe(Band(low=20, high=90, high_open=True))
    'at least 20 and below 90'
    """
    low = None if band.low is None else f"{'above' if band.low_open else 'at least'} {band.low:g}"
    high = None if band.high is None else f"{'below' if band.high_open else 'at most'} {band.high:g}"
    if low and high and not band.low_open and not band.high_open:
        return f"{band.low:g} to {band.high:g}"
    return " and ".join(part for part in (low, high) if part)


def check_range(field: str, value: float, ranges: Mapping[str, Band], model: str) -> None:
    """Raise :class:`RiskInputError` when ``ranges`` has a band for ``field`` and ``value`` is outside it."""
    band = ranges.get(field)
    if band is not None and not band.contains(value):
        raise RiskInputError(
            f"{field} = {value:g} is outside the range {model} was developed for ({describe(band)}); "
            "tailormed does not extrapolate",
            field=field,
        )


def require(field: str, value: float | None, model: str) -> float:
    """``value``, or an error naming the missing input."""
    if value is None:
        raise RiskInputError(f"{model} needs {field}", field=field)
    return value
