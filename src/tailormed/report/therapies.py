"""Tumour therapy matches as reports show them: one line per biomarker and therapy, sorted by what to act on.

Several sources often make the same claim in their own words ("Dabrafenib + Trametinib", "Trametinib;Dabrafenib"),
and one therapy may carry claims at several tiers. A line joins every match of one alteration with one therapy (the
same drugs in any order and spelling), keeps the best-tier claim as the line's claim, and says when another claim
points the other way. Lines at AMP/ASCO/CAP tiers I-A, I-B and II-C are what a clinician acts on now; tier II-D
(preclinical data or a few case reports, AMP level D) and lower tiers go to the appendix; only tier I-A lines (an
FDA approval or a professional guideline for this tumour type, AMP level A) reach a patient, and never evidence
whose source could not be re-read (an evidence level marked "unverified").

One tumour can meet a therapy's label through one result and carry a resistance marker for it in another (RAS
wild-type meets panitumumab's label; BRAF V600E predicts no benefit from panitumumab). A line keeps the claims of the
tumour's other alterations that point the other way for its therapy at a tier to act on now
(:attr:`TherapyLine.opposed`): a resistance claim counts against every therapy holding all its drugs (a combination
made for the marker itself, encorafenib + cetuximab for BRAF V600E, is the same alteration's claim and is not
opposed by it). Such a line, like one whose own claims disagree at those tiers, is not offered to a patient.

>>> therapy_key("Trametinib;Dabrafenib") == therapy_key("dabrafenib + trametinib")
True
>>> claims_against("resistance", "supports"), claims_against("sensitivity", "does_not_support")
(True, True)
>>> claims_against("sensitivity", "supports"), claims_against("resistance", "does_not_support")
(False, False)
>>> tier("I-A"), tier("Tier II"), tier("II-D"), tier("Tier III")
(('I', 'A'), ('II', None), ('II', 'D'), ('III', None))
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from tailormed.model.finding import Finding
from tailormed.model.payloads import TherapyMatchData, therapy_key

_TIER = re.compile(r"^(?:tier\s+)?(IV|III|II|I)(?:[-\s]?([A-D]))?\b", re.IGNORECASE)
_AGAINST = ("resistance", "reduced_sensitivity")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")


def plain_therapy(therapy: str) -> str:
    """A therapy as a sentence writes it: capitalised drug names in lower case, regimen acronyms as they are.

    >>> plain_therapy("Encorafenib + Cetuximab + mFOLFOX6"), plain_therapy("FOLFOX-4 Regimen")
    ('encorafenib + cetuximab + mFOLFOX6', 'FOLFOX-4 regimen')
    """
    return _CAPITALISED.sub(lambda word: word.group(0).lower(), therapy)


def patient_therapy(data: TherapyMatchData) -> str:
    """A therapy as a patient reads it: its regimens named by their medicines (curated ``regimens.yaml``), drug
    names in lower case; a regimen the knowledge does not spell out keeps its letters.

    >>> data = TherapyMatchData(gene="BRAF", alteration="BRAF V600E", matched_level="protein", tumor_type="COAD",
    ...     therapy="Encorafenib + Cetuximab + mFOLFOX6", direction="supports", significance="sensitivity",
    ...     evidence_level="FDA", amp_tier="I-A", source="s",
    ...     regimens={"mFOLFOX6": ["oxaliplatin", "leucovorin", "fluorouracil"]})
    >>> patient_therapy(data)
    'encorafenib + cetuximab + oxaliplatin + leucovorin + fluorouracil'
    """
    parts = [" + ".join(data.regimens.get(part.strip(), [part.strip()])) for part in data.therapy.split(" + ")]
    return plain_therapy(" + ".join(parts))


def tier(amp_tier: str) -> tuple[str, str | None]:
    """An AMP/ASCO/CAP tier as (tier, evidence level): ``'I-A'`` -> ``('I', 'A')``, ``'Tier II'`` -> ``('II', None)``.
    """
    match = _TIER.match(amp_tier.strip())
    if match is None:
        return "", None
    return match.group(1).upper(), (match.group(2).upper() if match.group(2) else None)


def claims_against(significance: str, direction: str) -> bool:
    """Whether a claim says the therapy will not work: resistance supported, or sensitivity not supported."""
    resistant = significance.casefold() in _AGAINST
    return resistant != (direction.casefold() == "does_not_support")


def clinical(amp_tier: str) -> bool:
    """Tier I or II on clinical evidence (not level D: preclinical data or a few case reports)."""
    number, level = tier(amp_tier)
    return number in ("I", "II") and level != "D"


@dataclass(frozen=True)
class TherapyLine:
    """Every match of one alteration with one therapy; the first match is the best-tier claim."""

    matches: list[tuple[Finding, TherapyMatchData]]
    #: Claims for the tumour's other alterations, at a tier to act on now, that point the other way for this therapy
    #: (set by :func:`therapy_lines`).
    opposed: tuple[TherapyMatchData, ...] = ()

    @property
    def best(self) -> TherapyMatchData:
        return self.matches[0][1]

    @property
    def biomarker(self) -> str:
        """``BRAF V600E`` (the alteration label names its gene already, or the gene is put before it)."""
        return biomarker(self.best)

    @property
    def against(self) -> bool:
        return claims_against(self.best.significance, self.best.direction)

    @property
    def conflicting(self) -> bool:
        """Another claim about the same therapy points the other way, for this alteration or another."""
        return bool(self.opposed) or any(
            claims_against(d.significance, d.direction) != self.against for _, d in self.matches[1:]
        )

    @property
    def contested(self) -> bool:
        """Evidence to act on now points both ways: this line's claim and one against it (its own or another
        alteration's) are both at tier I or II on clinical evidence. Such a therapy is not offered to a patient."""
        own = any(
            claims_against(d.significance, d.direction) != self.against and clinical(d.amp_tier)
            for _, d in self.matches[1:]
        )
        return clinical(self.best.amp_tier) and (own or bool(self.opposed))

    @property
    def conflict_words(self) -> str:
        """What the clinician report, its summary and the web page say of a conflicting line: ``conflicting evidence``,
        naming the other alterations' claims when they are the conflict (empty when there is none)."""
        if not self.conflicting:
            return ""
        return f"conflicting evidence: {self.opposed_words}" if self.opposed else "conflicting evidence"

    @property
    def opposed_words(self) -> str:
        """The other alterations' claims against this line, for the clinician summary: ``no benefit expected with
        BRAF V600E (I-B)``."""
        claim = "may benefit with" if self.against else "no benefit expected with"
        found: dict[str, list[str]] = {}
        for data in self.opposed:
            tiers = found.setdefault(biomarker(data), [])
            tiers += [data.amp_tier] if data.amp_tier not in tiers else []
        return "; ".join(f"{claim} {name} ({', '.join(sorted(tiers))})" for name, tiers in found.items())

    @property
    def tiers(self) -> list[str]:
        return list(dict.fromkeys(d.amp_tier for _, d in self.matches))

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(e.source for f, _ in self.matches for e in f.evidence))

    @property
    def act_now(self) -> bool:
        """Tier I or II on clinical evidence (not level D: preclinical data or a few case reports)."""
        return clinical(self.best.amp_tier)

    @property
    def on_label(self) -> bool:
        """Tier I-A (FDA approval or professional guideline for this tumour type) on evidence that was re-read."""
        return tier(self.best.amp_tier) == ("I", "A") and "unverified" not in self.best.evidence_level.casefold()

    @property
    def approved(self) -> bool:
        """On-label with nothing the label needs left unstated (germline confirmation, a receptor status): what a
        patient may be told; a conditional line stays with the care team."""
        return self.on_label and not self.best.condition

    @property
    def finding_ids(self) -> list[str]:
        return [f.id for f, _ in self.matches]


def biomarker(data: TherapyMatchData) -> str:
    """The alteration a claim was matched through, with its gene: ``BRAF V600E``, ``RAS wild-type``."""
    alteration = data.alteration
    return alteration if alteration.split()[0] == data.gene else f"{data.gene} {alteration}"


def therapy_lines(matches: list[tuple[Finding, TherapyMatchData]]) -> list[TherapyLine]:
    """One line per alteration and therapy, best tier first (then sensitivity before resistance, then name), each
    with the other alterations' claims that oppose it."""
    groups: dict[tuple[str, str, tuple[str, ...]], list[tuple[Finding, TherapyMatchData]]] = {}
    for finding, data in matches:
        groups.setdefault((data.gene, data.alteration, therapy_key(data.therapy)), []).append((finding, data))
    lines = [TherapyLine(sorted(group, key=lambda pair: pair[1].amp_tier)) for group in groups.values()]
    lines = [replace(line, opposed=_opposed(line, lines)) for line in lines]
    return sorted(lines, key=lambda line: (line.best.amp_tier, line.against, line.best.therapy.casefold()))


def _opposed(line: TherapyLine, lines: list[TherapyLine]) -> tuple[TherapyMatchData, ...]:
    """Claims for another alteration at a tier to act on now that point the other way: against a therapy said to
    work, a resistance claim for it or for some of its drugs; for a therapy said not to work, a claim that a therapy
    holding all its drugs works. Claims named apart for another extent or tumour type are not for this tumour now,
    and neither oppose nor are opposed."""
    if line.best.off_extent or line.best.other_type_extent:
        return ()
    drugs = set(therapy_key(line.best.therapy))
    own = (line.best.gene, line.best.alteration)
    found = []
    for other in lines:
        if (other.best.gene, other.best.alteration) == own:
            continue
        for _, data in other.matches:
            if not clinical(data.amp_tier) or data.off_extent or data.other_type_extent:
                continue
            if claims_against(data.significance, data.direction) == line.against:
                continue
            theirs = set(therapy_key(data.therapy))
            if (drugs <= theirs) if line.against else (theirs <= drugs):
                found.append(data)
    return tuple(found)
