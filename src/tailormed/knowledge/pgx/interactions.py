"""Phenoconversion knowledge: which co-medications inhibit or induce a pharmacogene's enzyme, and by how much.

The curated source ``pgx-phenoconversion`` (``phenoconversion.yaml``) lists perpetrator drugs with their enzyme,
role and strength, and per gene how a strength changes the result (a factor on the activity score, with the score
bands that name the phenotype). A drug whose strength no source read states, or whose strength has no sourced rule
for its gene, leaves the gene's result for other drugs unassessed, never unchanged. An inhibitor whose AUC fold
change on a sensitive index substrate is quoted takes its strength from the FDA's fold-change classes
(``strength_definitions``): the loader refuses an entry whose class disagrees with its own measurement.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from pydantic import Field, model_validator

from tailormed.knowledge.files import parse_model, read_yaml
from tailormed.knowledge.sourcing import Sourced
from tailormed.model.base import Contract
from tailormed.model.patient import Route

SOURCE = "pgx-phenoconversion"
PHENOCONVERSION_FILE = "phenoconversion.yaml"
CURATED_FOLDER = Path(__file__).resolve().parents[1] / "curated" / SOURCE


class Role(StrEnum):
    INHIBITOR = "inhibitor"
    INDUCER = "inducer"


class Strength(StrEnum):
    STRONG = "strong"
    MODERATE = "moderate"


#: Routes whose exposure is not the systemic one a perpetrator's strength rests on (its studies and labels give
#: tablets or injections): a medicine used so is left out, unless its entry quotes a source for that route.
LOCAL_ROUTES = frozenset({Route.TOPICAL, Route.OPHTHALMIC, Route.OTIC, Route.NASAL})


class Perpetrator(Sourced):
    """A drug that changes an enzyme's activity in whoever takes it, with the sources of its strength."""

    claims = ("auc_fold",)

    drug: str
    synonyms: list[str] = Field(default_factory=list)
    rxnorm: str | None = None
    atc: str | None = None
    gene: str
    role: Role
    strength: Strength | None = Field(
        description="None: it acts on the enzyme, but no source read states by how much (its effect is not assessed)"
    )
    auc_fold: float | None = Field(
        default=None, gt=0, description="Measured fold change of a sensitive substrate's AUC, when a source gives one"
    )
    auc_substrate: str | None = Field(
        default=None, description="The sensitive index substrate whose AUC ``auc_fold`` measures"
    )

    @property
    def effect_key(self) -> str | None:
        """``strong_inhibitor``, ``moderate_inducer`` ...: the key of the gene's ``effects`` (None: no strength)."""
        return f"{self.strength.value}_{self.role.value}" if self.strength is not None else None

    local_routes: list[Route] = Field(
        default_factory=list,
        description="Local routes through which a quoted source reports the interaction too (a quote names the "
        "route); any other local route leaves the drug out",
    )

    @model_validator(mode="after")
    def _local_routes_quoted(self) -> Perpetrator:
        for route in self.local_routes:
            if route not in LOCAL_ROUTES:
                raise ValueError(f"local_routes: {route.value} is not a local route ({_routes(LOCAL_ROUTES)})")
            if not any(route.value in source.quote.casefold() for source in self.sources):
                raise ValueError(f"local_routes: {route.value} is named by no quote of {self.drug}'s sources")
        return self

    def names(self) -> list[str]:
        return [self.drug, *self.synonyms]


def _routes(routes: frozenset[Route]) -> str:
    return ", ".join(sorted(r.value for r in routes))


EFFECT_KEYS = frozenset(f"{strength.value}_{role.value}" for strength in Strength for role in Role)


class StrengthDefinitions(Sourced):
    """The FDA's inhibitor classes by the AUC fold change of a sensitive index substrate, and those substrates per
    gene: a measured fold change on one of them decides an inhibitor's strength, whatever a list elsewhere says."""

    claims = ("inhibitor_auc_fold",)

    inhibitor_auc_fold: dict[Strength, float] = Field(
        description="Strength -> the lowest AUC fold change of that class (the next stronger class's lowest is its "
        "upper bound, exclusive)"
    )
    index_substrates: dict[str, list[str]] = Field(description="Gene -> the FDA's sensitive index substrates")

    @model_validator(mode="after")
    def _ordered_and_quoted(self) -> StrengthDefinitions:
        lowest = self.inhibitor_auc_fold
        if set(lowest) != set(Strength) or not lowest[Strength.STRONG] > lowest[Strength.MODERATE] > 1:
            raise ValueError("inhibitor_auc_fold needs a strong and a moderate class, strong > moderate > 1")
        quoted = " ".join(source.quote for source in self.sources).casefold()
        for gene, substrates in self.index_substrates.items():
            missing = [name for name in substrates if name.casefold() not in quoted]
            if missing:
                raise ValueError(f"index_substrates.{gene}: {', '.join(missing)} in no quote of these sources")
        return self

    def inhibitor_strength(self, auc_fold: float) -> Strength | None:
        """The class of an inhibitor that raises a sensitive index substrate's AUC ``auc_fold``-fold; None below
        the moderate class (a weak inhibitor or none, for which no source read states an effect)."""
        for strength, lowest in sorted(self.inhibitor_auc_fold.items(), key=lambda item: -item[1]):
            if auc_fold >= lowest:
                return strength
        return None


class Effect(Sourced):
    """What one strength of perpetrator does to the gene's result: a factor on its activity score."""

    activity_factor: float = Field(ge=0.0, le=1.0)


class ActivityBand(Contract):
    """Scores up to ``at_most`` (inclusive) or ``below`` (exclusive) have this phenotype; the last band is open."""

    phenotype: str
    at_most: float | None = None
    below: float | None = None

    def holds(self, score: float) -> bool:
        if self.at_most is not None:
            return score <= self.at_most
        if self.below is not None:
            return score < self.below
        return True


class GeneConversion(Sourced):
    """How a gene's result changes: the effect per perpetrator strength (only those a source states), the score
    bands that name a converted score, and the phenotype order that bounds what an inhibitor can leave."""

    effects: dict[str, Effect]
    activity_bands: list[ActivityBand] = Field(default_factory=list)
    phenotype_order: list[str] = Field(default_factory=list)
    phenotype_aliases: dict[str, str] = Field(default_factory=dict)

    def phenotype_for(self, score: float) -> str | None:
        return next((band.phenotype for band in self.activity_bands if band.holds(score)), None)


class PhenoconversionRules(Contract):
    source: str = SOURCE
    version: str
    citations: dict[str, str] = Field(default_factory=dict, description="Optional long form of citation keys")
    strength_definitions: StrengthDefinitions | None = None
    genes: dict[str, GeneConversion]
    perpetrators: list[Perpetrator]

    @model_validator(mode="after")
    def _consistent(self) -> PhenoconversionRules:
        for index, perpetrator in enumerate(self.perpetrators):
            gene = self.genes.get(perpetrator.gene)
            if gene is None:
                raise ValueError(f"perpetrators[{index}] ({perpetrator.drug}): no rules for gene {perpetrator.gene}")
            problem = self._fold_change_problem(perpetrator)
            if problem:
                raise ValueError(f"perpetrators[{index}] ({perpetrator.drug}, {perpetrator.gene}): {problem}")
        for name, gene in self.genes.items():
            unknown = sorted(set(gene.effects) - EFFECT_KEYS)
            if unknown:
                raise ValueError(f"genes.{name}.effects: unknown {', '.join(unknown)} (one of {sorted(EFFECT_KEYS)})")
        return self

    def _fold_change_problem(self, perpetrator: Perpetrator) -> str | None:
        """Why an inhibitor's measured fold change does not back its strength (None when it does, or none is given)."""
        if perpetrator.auc_fold is None or perpetrator.role is not Role.INHIBITOR or perpetrator.unverified:
            return None
        definitions = self.strength_definitions
        if definitions is None:
            return "auc_fold needs strength_definitions (the fold-change classes it is read against)"
        substrates = definitions.index_substrates.get(perpetrator.gene, [])
        if perpetrator.auc_substrate not in substrates:
            return (
                f"auc_substrate {perpetrator.auc_substrate!r} is not a sensitive index substrate of {perpetrator.gene} "
                f"(strength_definitions: {', '.join(substrates) or 'none'})"
            )
        implied = definitions.inhibitor_strength(perpetrator.auc_fold)
        if perpetrator.strength != implied:
            named = f"a {implied.value} inhibitor" if implied else "below the moderate class"
            return (
                f"strength {perpetrator.strength.value if perpetrator.strength else None}, but an AUC fold change of "
                f"{perpetrator.auc_fold:g} on {perpetrator.auc_substrate} makes it {named} (strength_definitions)"
            )
        if not set(definitions.sources) & set(perpetrator.sources):
            return "quote the fold-change classes it is read against (a source of strength_definitions)"
        return None

    def effect(self, perpetrator: Perpetrator) -> Effect | None:
        """What ``perpetrator`` does to its gene's result; None when no source read states it (its strength is
        unknown, or the gene has no sourced rule for that strength)."""
        key = perpetrator.effect_key
        return self.genes[perpetrator.gene].effects.get(key) if key is not None else None

    def citation(self, key: str) -> str:
        return self.citations.get(key, key)

    def unverified(self, perpetrator: Perpetrator) -> list[str]:
        """Why the strength of ``perpetrator``, or its effect on the gene, could not be tied to a quoted source."""
        effect = self.effect(perpetrator)
        parts: list[Sourced] = [perpetrator, *([effect] if effect is not None else [])]
        return [f"{perpetrator.drug} ({perpetrator.gene}): {p.unverified.reason}" for p in parts if p.unverified]


class _Bundle(Protocol):
    def has(self, source: str) -> bool: ...

    def read_yaml(self, source: str, file: str) -> Any: ...


def parse_phenoconversion(data: object, source: str | Path) -> PhenoconversionRules:
    return parse_model(data, PhenoconversionRules, "phenoconversion rules", source)


def read_phenoconversion(path: Path = CURATED_FOLDER / PHENOCONVERSION_FILE) -> PhenoconversionRules:
    """Read a phenoconversion YAML file (by default the one shipped in the curated core)."""
    return parse_phenoconversion(read_yaml(path, "phenoconversion rules"), path)


def load_phenoconversion(bundle: _Bundle, source: str = SOURCE) -> PhenoconversionRules:
    """The phenoconversion rules of a knowledge bundle."""
    return parse_phenoconversion(bundle.read_yaml(source, PHENOCONVERSION_FILE), f"{source}/{PHENOCONVERSION_FILE}")
