"""Where a curated clinical fact comes from: the source, the place in it, and the words it rests on.

Every number, dose, interval, classification and recommendation in ``knowledge/curated/`` carries at least one
:class:`SourceQuote`. The quote is the source's own sentence or table cell, so a reviewer can check the fact
against it without re-reading the whole paper or label; a fact whose source could not be read is marked
:class:`Unverified` and is kept out of patient-facing text.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable
from typing import Annotated, ClassVar

from pydantic import AfterValidator, Field, model_validator

from tailormed.model.base import Contract

_CITE = re.compile(
    r"^(PMID:\d{5,9}|DOI:10\.\d{4,9}/\S+|PMCID:PMC\d+|FDA label: .+|DPWG: .+|CPIC: .+|NCCN: .+|ESMO: .+|"
    r"ACMG: .+|GeneReviews: .+|PharmVar: .+|PharmCAT: .+|ClinVar: .+|OncoTree: .+|RxNorm: .+|ATC: .+|"
    r"Shared data: \S+|Shared notes: \S+|https?://\S+)$"
)


def _cite(value: str) -> str:
    """A citation in one of the accepted forms.

    >>> _cite("PMID:35034351")
    'PMID:35034351'
    >>> _cite("Smith 2020")
    Traceback (most recent call last):
    ...
    ValueError: citation 'Smith 2020' is not PMID:n, DOI:10.x/y, PMCID:PMCn, a URL, or 'FDA label: ...' style
    """
    if not _CITE.match(value):
        raise ValueError(f"citation {value!r} is not PMID:n, DOI:10.x/y, PMCID:PMCn, a URL, or 'FDA label: ...' style")
    return value


Cite = Annotated[str, AfterValidator(_cite)]


class SourceQuote(Contract):
    """One source of a curated fact and the exact words in it that the fact rests on."""

    cite: Cite = Field(description="PMID:n, DOI:10.x/y, PMCID:PMCn, URL, or 'FDA label: <Brand> (<generic>) <date>'")
    at: str = Field(min_length=1, description="Where in the source: section, table, figure, page or row")
    quote: str = Field(min_length=8, description="The source's own sentence or table cell, verbatim")


class Unverified(Contract):
    """A fact kept although its source could not be read to the sentence; never shown to patients."""

    reason: str = Field(min_length=8)


class Sourced(Contract):
    """A curated clinical fact: its sources with the quoted words, or the reason it could not be sourced.

    ``sources`` is required; it may be empty only when ``unverified`` says why, and then the fact is kept out of
    patient-facing text. ``unsourced`` names the parts of an entry that no quote backs when the rest is sourced (a
    part that enters a result is flagged like an unverified fact). ``derived`` shows the arithmetic for a number
    the source words differently (``{"rr": "1 - 15/100"}`` for a "15% reduction"): the numbers in the expression
    come from the quotes (unit arithmetic such as 1, 7, 12 and 100 aside). ``claims`` names the numeric fields
    whose values must appear in a quote or in ``derived`` (checked by the curated-source test).
    """

    claims: ClassVar[tuple[str, ...]] = ()

    sources: tuple[SourceQuote, ...] = Field(description="Where the fact comes from, with the words it rests on")
    unverified: Unverified | None = Field(default=None, description="Why no source could be quoted")
    derived: dict[str, str] = Field(default_factory=dict, description="field -> arithmetic on quoted numbers")
    note: str | None = Field(default=None, description="What a reader of the quote should know (our words)")
    unsourced: dict[str, str] = Field(
        default_factory=dict, description="Parts of this entry (field names) that no quote backs, each with why"
    )

    def states_a_fact(self) -> bool:
        """False for entries that claim nothing a source could back (a 'no change' option); they need no source."""
        return True

    @model_validator(mode="after")
    def _sourced_or_said_why(self) -> Sourced:
        said_why = self.unverified is not None or bool(self.unsourced)
        if not self.sources and not said_why and self.states_a_fact():
            raise ValueError("a curated fact needs sources (cite, at, quote) or unverified with a reason")
        for part in self.unsourced:
            if part not in type(self).model_fields:
                raise ValueError(f"unsourced names {part!r}, which is not a field of this fact")
        for field, expression in self.derived.items():
            evaluate(expression)
            if field not in type(self).model_fields:
                raise ValueError(f"derived names {field!r}, which is not a field of this fact")
        return self

    @property
    def verified(self) -> bool:
        """True when the fact rests on quoted sources only (it may be shown to patients)."""
        return self.unverified is None

    @property
    def cites(self) -> list[str]:
        """The distinct citations of the fact, in order."""
        return list(dict.fromkeys(source.cite for source in self.sources))


_OPERATORS: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def evaluate(expression: str) -> float:
    """The value of an arithmetic expression of numbers, + - * / and parentheses (``derived`` values).

    >>> round(evaluate("1 - 15/100"), 2)
    0.85
    >>> evaluate("__import__('os')")
    Traceback (most recent call last):
    ...
    ValueError: derived value "__import__('os')" is not arithmetic on numbers
    """

    def walk(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
            return float(node.value)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        raise ValueError(f"derived value {expression!r} is not arithmetic on numbers")

    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"derived value {expression!r} is not arithmetic on numbers") from exc
    try:
        return walk(tree)
    except ZeroDivisionError as exc:
        raise ValueError(f"derived value {expression!r} divides by zero") from exc


def numbers_in(text: str) -> list[float]:
    """The numbers written in a quote (decimal points as '.' or the Lancet's '·'; thousands separators dropped).

    >>> numbers_in("RR 0·78, 95% CI 0·76–0·80; 12 064 people")
    [0.78, 95.0, 0.76, 0.8, 12.0, 64.0]
    >>> numbers_in("1,475 patients")
    [1475.0]
    """
    normal = text.replace("\u00b7", ".").replace("\u2212", "-")
    normal = re.sub(r"(?<=\d),(?=\d{3}\b)", "", normal)
    return [float(match) for match in re.findall(r"\d+(?:\.\d+)?", normal)]
