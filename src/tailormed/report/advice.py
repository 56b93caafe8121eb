"""What a guideline asks of a medicine, in terms a patient report can say: another drug, a lower or higher
starting dose (with the fraction of the usual dose when the guideline states one), the usual start with later doses
changed, or closer checks.

The kind of change comes from the guideline row's own flags (``alternate_drug_available``, ``dosing_information``,
``other_prescribing_guidance``); the fraction is read from the row's own words only when they state a starting dose
as a share of the usual one ("Reduce starting dose by 50%", "Start with 50% of the standard dose"). The row text is
the guideline's own (quoted in the curated core, as released in an imported bundle). Nothing is guessed: a row that
states no share gives "a lower dose" or "a different dose".

>>> dose_share("Reduce starting dose by 50% followed by titration of dose based on toxicity")
('lower', 50)
>>> dose_share("Start with 50% of the standard dose or avoid fluorouracil and capecitabine.")
('lower', 50)
>>> dose_share("Start at half the usual dose, then titrate by toxicity")
('lower', 50)
>>> dose_share("Start with reduced starting doses (30%-80% of normal dose)")
('lower', None)
>>> dose_share("Increase starting dose 1.5 to 2 times recommended starting dose.")
('higher', None)
>>> dose_share("Be aware of possible increased risk for myopathy especially for 40mg dose")
>>> dose_share("Prescribe <=40mg as a starting dose and adjust doses of atorvastatin")
('lower', None)
>>> dose_share("Use 1.7 times the standard dose and monitor the effect"), dose_share("double the standard dose")
(('higher', None), ('higher', None))
>>> dose_share("Use smaller steps in dose titration and/or prescribe no more than 25% of the standard dose.")
('lower', None)
>>> dose_share("Initiate therapy with lowest recommended starting dose.")
('lower', None)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from tailormed.model.pgx import GuidelineResult, MatchedRow

_REDUCE_BY = re.compile(r"\b(?:reduce|decrease|lower)\w*\s+(?:the\s+)?(?:\w+\s+){0,2}doses?\s+by\s+(\d{1,2})\s*%", re.I)
_SHARE_OF = re.compile(
    r"(?<![\d%-])(\d{1,2})\s*%\s+of\s+(?:the\s+)?(?:standard|normal|usual|recommended|starting)\s+(?:\w+\s+)?dose",
    re.I,
)
_HALF = re.compile(r"\bhalf (?:of )?the (?:standard|normal|usual|recommended) (?:\w+ )?dose", re.I)
_RANGE_OF = re.compile(r"\d{1,3}\s*%\s*(?:-|–|to)\s*\d{1,3}\s*%\s+of\s+(?:the\s+)?(?:standard|normal|usual)", re.I)
# The verb must govern the dose ("reduce the starting dose", "lowest recommended starting dose"): "increased risk for
# myopathy especially for 40mg dose" caps a statin dose and "the dose is increased every 3 days" is a tolerance
# protocol, neither a higher starting dose.
_LOWER = re.compile(r"\b(?:reduce[ds]?|decrease[ds]?|lower|lowest)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}doses?\b", re.I)
_HIGHER = re.compile(
    r"\bincrease[ds]?\s+(?:the\s+)?(?:[\w-]+\s+){0,2}doses?\b|\bdouble the (?:\w+ )?dose\b|\buse the maximum dose\b"
    r"|\b\d+(?:\.\d+)?\s+times the (?:standard|normal|usual|recommended)\b",
    re.I,
)
# "Prescribe <=40mg as a starting dose": a statin row's cap on where to start.
_CAPPED_START = re.compile(r"(?:≤|<=?)\s*\d+(?:\.\d+)?\s*mg\b[^.]{0,20}\bas a starting dose", re.I)
# "prescribe no more than 25% of the standard dose" caps the dose; it does not say where to start.
_CAP = re.compile(r"\b(?:no|not) more than\s+$|\bat most\s+$|\bup to\s+$|\bmaximum(?: of)?\s+$", re.I)
_SENTENCE_END = re.compile(r"(?<=[.;])\s")
_USUAL_START = re.compile(
    r"^\W*(?:initiate|start)\w*\s+(?:therapy\s+)?(?:(?:with|at)\s+)?(?:the\s+)?(?:standard|normal|usual|recommended)\s+"
    r"(?:\w+\s+)?(?:daily\s+)?dose",
    re.I,
)
_ALTERNATIVE = re.compile(r"\balternative|\bavoid", re.I)
_CONSIDER = re.compile(r"^\W*consider\b", re.I)
_OFFERED = re.compile(r"\balternative\s+or\b", re.I)
_DOSE_PATTERNS = (_REDUCE_BY, _HALF, _SHARE_OF, _RANGE_OF, _LOWER, _HIGHER, _CAPPED_START)


# What the guideline row says is at stake (its "implications"): the drug working less well, or harm from it.
_LESS_EFFECT = re.compile(
    r"recurrence|therapeutic failure|treatment failure|lack of (?:efficacy|response)|reduced (?:efficacy|response)"
    r"|likelihood of response|insufficient|reduced (?:\w+ )?active metabolite formation|less effective",
    re.I,
)
_HARM = re.compile(
    r"toxicit|side effect|adverse (?:drug )?(?:reaction|effect)|hypersensitivity|\bSJS\b|\bDRESS\b|myopathy"
    r"|hemoly|haemoly|myelosuppression|neutropenia|leukopenia|bleeding|\bfatal\b|QT",
    re.I,
)


class Concern(StrEnum):
    """What a guideline's switch is about, as its rows' implications state it."""

    LESS_EFFECT = "less_effect"
    HARM = "harm"


class Change(StrEnum):
    """The change a guideline asks for, strongest first."""

    OTHER_DRUG = "other_drug"
    LOWER_DOSE = "lower_dose"
    HIGHER_DOSE = "higher_dose"
    DOSE = "dose"
    LATER = "later"
    MONITOR = "monitor"


@dataclass(frozen=True)
class MedicineAdvice:
    """One listed medicine: what the care team is asked to do, and the share of the usual starting dose if stated."""

    drug: str
    change: Change
    percent: int | None = None
    tentative: bool = False  # another drug is offered rather than asked for (see _tentative)
    concern: Concern | None = None  # what the switch is about, when every row's implications agree (see concern)


def dose_share(text: str) -> tuple[str, int | None] | None:
    """``('lower' | 'higher', percent of the usual dose or None)`` when the text changes a dose, else None."""
    if match := _REDUCE_BY.search(text):
        return "lower", 100 - int(match.group(1))
    if _HALF.search(text):
        return "lower", 50
    if (match := _SHARE_OF.search(text)) and not _RANGE_OF.search(text):
        share = int(match.group(1))
        if _CAP.search(text, 0, match.start()):
            return ("lower", None) if share < 100 else None
        return ("lower", share) if share < 100 else ("higher", share)
    if _RANGE_OF.search(text) or _LOWER.search(text) or _CAPPED_START.search(text):
        return "lower", None
    if _HIGHER.search(text):
        return "higher", None
    return None


def advice(drug: str, answers: list[GuidelineResult]) -> MedicineAdvice | None:
    """What the applying rows of ``answers`` (first source first) ask for ``drug``; None when they ask nothing."""
    rows = [row for answer in answers for row in answer.rows if row.actionable]
    if not rows:
        return None
    # A row that offers another drug asks for it first unless its first instruction is a dose change: CPIC's
    # "Avoid use of 5-fluorouracil ... In the event ... alternative agents are not considered ..., administer at a
    # strongly reduced dose" is another medicine, not a lower dose.
    # One that starts at the usual dose and offers another drug only if it does not work is not a switch, nor is one
    # that opens with a condition the patient may not meet ("Patient has ADDITIONAL SIGNIFICANT RISK FACTORS ...:").
    switch = [
        row
        for row in rows
        if row.alternate_drug_available and not _USUAL_START.search(_first(row)) and not _conditional(row)
    ]
    dosing = [row for row in rows if _leads_with_a_dose(row) or (row.dosing_information and row not in switch)]
    switching = [row for row in switch if row not in dosing]
    if switching:
        tentative = all(_tentative(row) for row in switching)
        return MedicineAdvice(drug, Change.OTHER_DRUG, tentative=tentative, concern=concern(switching))
    # "Initiate standard starting daily dose. For chronic therapy (>12 weeks) ... consider 50% reduction": the start
    # is the usual one; only later doses change
    changing = [row for row in dosing if not _USUAL_START.search(_first(row))]
    if changing:
        return _dose_advice(drug, changing)
    if dosing:
        return MedicineAdvice(drug, Change.LATER)
    if any(row.other_prescribing_guidance for row in rows):
        return MedicineAdvice(drug, Change.MONITOR)
    return None


def concern(rows: list[MatchedRow]) -> Concern | None:
    """Whether the rows' implications speak only of the drug working less well or only of harm; None when they
    speak of both, of neither, or state none (then the patient hears both).

    >>> tamoxifen = "Lower endoxifen concentrations; higher risk of breast cancer recurrence"
    >>> concern([MatchedRow(row_id="r", actionable=True, text="t", implications=[tamoxifen])])
    <Concern.LESS_EFFECT: 'less_effect'>
    >>> dpyd = "Complete DPD deficiency and increased risk for severe or even fatal drug toxicity"
    >>> concern([MatchedRow(row_id="r", actionable=True, text="t", implications=[dpyd])])
    <Concern.HARM: 'harm'>
    >>> concern([MatchedRow(row_id="r", actionable=True, text="t", implications=[tamoxifen, dpyd])]) is None
    True
    """
    stated = " ".join(text for row in rows for text in row.implications)
    less, harm = _LESS_EFFECT.search(stated) is not None, _HARM.search(stated) is not None
    if less == harm:
        return None
    return Concern.LESS_EFFECT if less else Concern.HARM


def _leads_with_a_dose(row: MatchedRow) -> bool:
    """The row's first instruction changes the dose, whatever else it offers ("Initiate therapy with lowest recommended
    starting dose. ... Alternatively, consider selecting another beta-blocker."; "Use 1.5 times the normal dose or
    choose an alternative"), not "choose an alternative or double the dose"."""
    first = _first(row)
    if dose_share(first) is None:
        return False
    at = min(m.start() for pattern in _DOSE_PATTERNS if (m := pattern.search(first)) is not None)
    other = _ALTERNATIVE.search(first)
    return other is None or at < other.start()


def _tentative(row: MatchedRow) -> bool:
    """The row offers another drug rather than asking for one: graded Optional (CPIC), opening with "Consider", or
    giving the alternative as one of two courses ("Select an alternative or measure the endoxifen concentration")."""
    first = _first(row)
    return (
        (row.classification or "").casefold() == "optional"
        or _CONSIDER.match(first) is not None
        or _OFFERED.search(first) is not None
    )


def _conditional(row: MatchedRow) -> bool:
    lines = [line.strip() for line in row.text.splitlines() if line.strip()]
    return bool(lines) and lines[0].endswith(":")


def _first(row: MatchedRow) -> str:
    return _SENTENCE_END.split(row.text.strip(), maxsplit=1)[0]


def _dose_advice(drug: str, rows: list[MatchedRow]) -> MedicineAdvice:
    shares = [share for row in rows if (share := dose_share(row.text)) is not None]
    stated = next((s for s in shares if s[1] is not None), None)
    direction, percent = stated or (shares[0] if shares else ("", None))
    if direction == "lower":
        return MedicineAdvice(drug, Change.LOWER_DOSE, percent)
    if direction == "higher":
        return MedicineAdvice(drug, Change.HIGHER_DOSE, None)
    return MedicineAdvice(drug, Change.DOSE)
