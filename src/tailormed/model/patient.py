"""The patient: everything tailormed knows about one person apart from their genotypes.

A record is written by a clinician or exported from an EHR (see ``intake.record`` and ``intake.fhir``);
every section is optional except the identifier, because engines must say what they could not assess
rather than refuse a partial record.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import Field, ValidationInfo, field_validator, model_validator

from tailormed.model.alteration import (
    WILD_TYPE_FAMILIES,
    Alteration,
    ExpressionScale,
    VariantOrigin,
    parse_alteration,
)
from tailormed.model.base import Coding, Contract
from tailormed.model.enums import DiseaseExtent
from tailormed.model.enums import Sex as Sex

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
#: The oldest age a record may give; older (or a birth date that implies it) is a data-entry error.
MAX_AGE_YEARS = 130


class AncestryComponent(Contract):
    """One component of genetically inferred ancestry (e.g. 1000 Genomes superpopulation ``EUR``)."""

    population: str
    proportion: Fraction = 1.0
    method: str | None = None


class Demographics(Contract):
    """Who the patient is, as far as equations and ancestry-dependent scores need to know."""

    sex: Sex = Sex.UNKNOWN
    birth_date: date | None = None
    age_years: Annotated[float, Field(ge=0, le=MAX_AGE_YEARS)] | None = None
    race: list[str] = Field(default_factory=list, description="Self-reported race, in the record's own words")
    ethnicity: str | None = Field(default=None, description="Self-reported ethnicity, e.g. 'Hispanic or Latino'")
    birth_country: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{2}$",
        description="Country of birth, ISO 3166-1 alpha-2 (e.g. 'US', 'MX'); some equations (BCRAT) depend on it",
    )
    genetic_ancestry: list[AncestryComponent] = Field(default_factory=list)

    @field_validator("birth_date")
    @classmethod
    def _plausible_birth_date(cls, value: date | None) -> date | None:
        """A birth date in the future or more than :data:`MAX_AGE_YEARS` ago is refused, like such an age."""
        if value is None:
            return value
        today = date.today()
        if value > today:
            raise ValueError(f"{value.isoformat()} is in the future")
        age = _whole_years(value, today)
        if age > MAX_AGE_YEARS:
            raise ValueError(f"{value.isoformat()} makes the patient {age} years old (at most {MAX_AGE_YEARS})")
        return value

    def age_on(self, when: date) -> float | None:
        """Age in years on ``when``: from the birth date if known, else the recorded age."""
        if self.birth_date is not None:
            return float(_whole_years(self.birth_date, when))
        return self.age_years


def _whole_years(born: date, on: date) -> int:
    """Completed years of life on ``on``.

    >>> _whole_years(date(1970, 6, 15), date(2026, 6, 14)), _whole_years(date(1970, 6, 15), date(2026, 6, 15))
    (55, 56)
    """
    years = on.year - born.year
    if (on.month, on.day) < (born.month, born.day):
        years -= 1
    return years


class ConditionStatus(StrEnum):
    ACTIVE = "active"
    RESOLVED = "resolved"
    HISTORY = "history"


class Condition(Contract):
    """A diagnosis or problem-list entry (SNOMED CT or ICD-10 coded where possible)."""

    name: str
    code: Coding | None = None
    onset_date: date | None = None
    onset_age_years: NonNegative | None = None
    status: ConditionStatus = ConditionStatus.ACTIVE


class MedicationStatus(StrEnum):
    """Whether the patient takes the drug now, is about to, or took it before."""

    ACTIVE = "active"
    PLANNED = "planned"
    STOPPED = "stopped"


class Dose(Contract):
    amount: NonNegative
    unit: str
    frequency: str | None = Field(default=None, description="e.g. 'once daily', 'BID', 'weekly'")


class Route(StrEnum):
    """How the medicine enters the body: an interaction measured with tablets need not follow a cream.

    Leave the route out when the record does not say it; ``other`` is a stated route outside this list.
    """

    ORAL = "oral"
    INTRAVENOUS = "intravenous"
    INTRAMUSCULAR = "intramuscular"
    SUBCUTANEOUS = "subcutaneous"
    TRANSDERMAL = "transdermal"
    TOPICAL = "topical"  # on the skin
    OPHTHALMIC = "ophthalmic"
    OTIC = "otic"
    NASAL = "nasal"
    INHALED = "inhaled"
    RECTAL = "rectal"
    VAGINAL = "vaginal"
    SUBLINGUAL = "sublingual"
    BUCCAL = "buccal"
    OTHER = "other"


class Medication(Contract):
    """A drug on the medication list; ``rxnorm``/``atc`` let engines match it without name guessing."""

    name: str = Field(min_length=1, pattern=r"\S", description="As written; a blank name names no medicine")
    rxnorm: str | None = None
    atc: str | None = None
    dose: Dose | None = None
    status: MedicationStatus = MedicationStatus.ACTIVE
    route: Route | None = Field(default=None, description="None: the record does not say")
    start_date: date | None = None
    indication: str | None = None


class ObservationCategory(StrEnum):
    LAB = "lab"
    VITAL = "vital"


class Observation(Contract):
    """A lab result or vital sign, LOINC-coded, with its unit (UCUM where possible)."""

    loinc: str = Field(pattern=r"^\d{1,7}-\d$")
    name: str
    value: float | str
    unit: str | None = None
    category: ObservationCategory = ObservationCategory.LAB
    effective_date: date | None = None


class Allergy(Contract):
    substance: str
    code: Coding | None = None
    reaction: str | None = None
    criticality: str | None = Field(default=None, description="FHIR criticality: low, high, unable-to-assess")


class SmokingStatus(StrEnum):
    NEVER = "never"
    FORMER = "former"
    CURRENT = "current"


class Smoking(Contract):
    status: SmokingStatus
    cigarettes_per_day: NonNegative | None = None
    pack_years: NonNegative | None = None
    years_since_quit: NonNegative | None = None


class Lifestyle(Contract):
    """Modifiable behaviours: inputs to risk equations and the subject of what-if scenarios."""

    smoking: Smoking | None = None
    alcohol_drinks_per_week: NonNegative | None = None
    physical_activity_minutes_per_week: NonNegative | None = None
    active_30min_daily: bool | None = Field(
        default=None, description="Usually has at least 30 minutes of physical activity daily (FINDRISC's question)"
    )
    diet: str | None = Field(default=None, description="Dietary pattern in words, e.g. 'Mediterranean'")
    vegetables_fruit_daily: bool | None = Field(default=None, description="Eats vegetables or fruit every day")
    sleep_hours_per_night: Annotated[float, Field(ge=0, le=24)] | None = None


class Exposure(Contract):
    agent: str
    level: str | None = None
    duration_years: NonNegative | None = None


class Environment(Contract):
    occupation: str | None = None
    exposures: list[Exposure] = Field(default_factory=list)
    pm25_annual_ug_m3: NonNegative | None = Field(default=None, description="Annual mean PM2.5 at home")
    residence: str | None = None


class Relative(StrEnum):
    """Relatives as risk models count them; first-degree relatives are parents, siblings and children."""

    MOTHER = "mother"
    FATHER = "father"
    SISTER = "sister"
    BROTHER = "brother"
    DAUGHTER = "daughter"
    SON = "son"
    MATERNAL_GRANDMOTHER = "maternal_grandmother"
    MATERNAL_GRANDFATHER = "maternal_grandfather"
    PATERNAL_GRANDMOTHER = "paternal_grandmother"
    PATERNAL_GRANDFATHER = "paternal_grandfather"
    MATERNAL_AUNT = "maternal_aunt"
    MATERNAL_UNCLE = "maternal_uncle"
    PATERNAL_AUNT = "paternal_aunt"
    PATERNAL_UNCLE = "paternal_uncle"
    COUSIN = "cousin"
    OTHER = "other"

    @property
    def degree(self) -> int | None:
        """1 for parents, siblings, children; 2 for grandparents, aunts, uncles; 3 for cousins.

        >>> Relative.SISTER.degree, Relative.MATERNAL_AUNT.degree
        (1, 2)
        """
        first = {"mother", "father", "sister", "brother", "daughter", "son"}
        if self.value in first:
            return 1
        if self.value == "cousin":
            return 3
        if self.value == "other":
            return None
        return 2


class FamilyHistoryEntry(Contract):
    relative: Relative
    condition: str
    code: Coding | None = None
    age_at_onset: NonNegative | None = None
    deceased: bool | None = None


class ReproductiveHistory(Contract):
    """Reproductive and breast history, as the Gail model and pregnancy-related guidance need it."""

    age_at_menarche: NonNegative | None = None
    age_at_first_live_birth: NonNegative | None = None
    live_births: Annotated[int, Field(ge=0)] | None = None
    pregnant: bool | None = None
    menopausal: bool | None = None
    age_at_menopause: NonNegative | None = None
    breast_biopsies: Annotated[int, Field(ge=0)] | None = None
    atypical_hyperplasia: bool | None = None


class PhenotypeTerm(Contract):
    """An HPO term observed in the patient, or explicitly excluded (looked for and absent)."""

    id: str = Field(pattern=r"^HP:\d{7}$")
    label: str | None = None
    excluded: bool = False
    onset: str | None = Field(default=None, description="HPO onset term or age, e.g. 'HP:0003577' or 'P2Y'")


class SomaticVariant(Contract):
    """A tumour variant, as a genomic allele, a protein change, or both."""

    gene: str
    protein_change: str | None = Field(default=None, description="HGVS p., 1- or 3-letter, e.g. 'V600E'")
    cdna_change: str | None = None
    chrom: str | None = None
    pos: Annotated[int, Field(ge=1)] | None = None
    ref: str | None = None
    alt: str | None = None
    vaf: Fraction | None = None
    origin: VariantOrigin = Field(
        default=VariantOrigin.UNKNOWN,
        description="germline (also found in normal tissue or blood), somatic (tumour only), or unknown (not tested)",
    )


class CopyNumberChange(Contract):
    gene: str
    kind: str = Field(pattern=r"^(amplification|gain|loss|deletion)$")
    copies: NonNegative | None = None


class Fusion(Contract):
    five_prime_gene: str
    three_prime_gene: str


class ProteinExpression(Contract):
    """One immunohistochemistry result, e.g. marker ``PD-L1``, result ``TPS 60%`` (grammar in ``model.alteration``)."""

    marker: str = Field(
        description="HER2, PD-L1, CLDN18.2, FRα, c-Met, ER, PR, CD33, CD19, CD20, CD22, CD30, CD117, PSMA, SSTR, "
        "MAGE-A4, EGFR, PTEN (or the gene symbol)"
    )
    result: str = Field(
        description="e.g. 'IHC 3+', 'TPS 60%', 'CPS 12', 'IHC 2+ 80%' (80% of cells at 2+ or 3+), 'positive' (CD33)"
    )
    assay: str | None = Field(default=None, description="Antibody clone or test, e.g. '22C3', 'VENTANA HER2 (4B5)'")

    @model_validator(mode="after")
    def _understood(self) -> ProteinExpression:
        self.alteration()
        return self

    def alteration(self) -> Alteration:
        """The result as an alteration of kind ``expression``; ValueError when it is not one."""
        return parse_alteration(self.result, gene=self.marker, feature_type="expression")


#: An AJCC stage group: 0 (0a, 0is), I to IV, an optional letter and number (IA2, IIIB, IVC); IS for some germ cell
#: tumours.
#: An HGNC-style gene symbol (upper-case letters and digits, an optional hyphen part: KRAS, NRAS, HLA-A).
_GENE_SYMBOL = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)?")
_STAGE_GROUP = re.compile(r"0(?:a|is)?|IS|(?:IV|III|II|I)(?:[A-D][1-3]?)?")


def stage_group_problem(value: str) -> str | None:
    """Why ``value`` is not an AJCC stage group as a report writes it, or None (every tumour input checks its stage
    here: the record, the batch table, ``onco match --stage``).

    >>> stage_group_problem("IIIB") is None, stage_group_problem("stage III")[:38]
    (True, "stage 'stage III' is not an AJCC stage")
    """
    if _STAGE_GROUP.fullmatch(value):
        return None
    return (
        f"stage {value!r} is not an AJCC stage group: write 0, I, II, III or IV with its letter and number if any "
        "('IIIB', 'IA2', '0is'), without the word 'stage'"
    )


class Tumour(Contract):
    """The tumour profile: type as an OncoTree code, and its somatic alterations, signatures and IHC results."""

    oncotree_code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9_/-]*$")
    name: str | None = None
    stage: str | None = Field(
        default=None,
        description="AJCC/TNM stage group as the pathology or clinical report gives it (mCODE's cancer stage group), "
        "e.g. 'III', 'IIIB', 'IV'",
    )
    extent: DiseaseExtent | None = Field(
        default=None,
        description="early (resectable or resected, no distant spread), locally_advanced (unresectable, no distant "
        "spread) or metastatic; labels approved for one extent are matched against it (none: not stated)",
    )
    somatic_variants: list[SomaticVariant] = Field(default_factory=list)
    copy_number: list[CopyNumberChange] = Field(default_factory=list)
    fusions: list[Fusion] = Field(default_factory=list)
    msi_status: str | None = Field(default=None, pattern=r"^(MSI-H|MSI-L|MSS)$")
    tmb_mut_per_mb: NonNegative | None = None
    protein_expression: list[ProteinExpression] = Field(default_factory=list)
    hla_typing: list[str] = Field(
        default_factory=list,
        description="The patient's HLA alleles, e.g. 'HLA-A*02:01:01:01' (labels such as tebentafusp need one)",
    )
    cytogenetics: list[str] = Field(
        default_factory=list,
        description="Chromosome arm deletions of the tumour karyotype: 'del(5q)', 'del(5)(q13q33)'",
    )
    wild_type: list[str] = Field(
        default_factory=list,
        description="HGNC symbols of the genes the tumour was tested for and found without an alteration, e.g. "
        "['KRAS', 'NRAS'], or 'RAS' for both as the panitumumab label defines it (a wild-type result is only ever "
        "read from here, never from a gene's absence in a VCF)",
    )
    ctdna: str | None = Field(
        default=None,
        pattern=r"^(positive|negative)$",
        description="Circulating tumour DNA in the blood after surgery (a molecular residual disease test): "
        "'positive' (found) or 'negative' (not found); none: not stated",
    )

    @field_validator("stage")
    @classmethod
    def _stage_group(cls, value: str | None) -> str | None:
        problem = stage_group_problem(value) if value is not None else None
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator("hla_typing", "cytogenetics")
    @classmethod
    def _understood(cls, values: list[str], info: ValidationInfo) -> list[str]:
        kind = "hla" if info.field_name == "hla_typing" else "cytogenetic"
        for number, text in enumerate(values):
            try:
                parse_alteration(text, feature_type=kind)
            except ValueError as exc:
                raise ValueError(f"[{number}] {exc}") from None
        return values

    @field_validator("wild_type")
    @classmethod
    def _gene_symbols(cls, values: list[str]) -> list[str]:
        for number, gene in enumerate(values):
            if not _GENE_SYMBOL.fullmatch(gene):
                raise ValueError(
                    f"[{number}] {gene!r} is not an HGNC gene symbol: write the gene tested and found wild-type "
                    "('KRAS', 'NRAS'), one per item, without the result"
                )
        return values

    @model_validator(mode="after")
    def _wild_type_without_variant(self) -> Tumour:
        """A gene stated wild-type cannot also carry a listed somatic variant: the record contradicts itself."""
        mutated = {variant.gene for variant in self.somatic_variants}
        for number, name in enumerate(self.wild_type):
            for gene in WILD_TYPE_FAMILIES.get(name, (name,)):
                if gene in mutated:
                    stated = name if gene == name else f"{name} (with {gene})"
                    raise ValueError(
                        f"wild_type[{number}]: {stated} is stated wild-type but somatic_variants lists a {gene} "
                        "variant; keep the one the report gives"
                    )
        return self

    @model_validator(mode="after")
    def _ish_without_amplification(self) -> Tumour:
        """An ISH test that found ERBB2 not amplified cannot stand beside a listed ERBB2 amplification: one of the two
        decides the HER2-negative labels, so the record must say which."""
        amplified = next(
            (j for j, c in enumerate(self.copy_number) if c.kind == "amplification" and c.gene == "ERBB2"), None
        )
        if amplified is None:
            return self
        for number, result in enumerate(self.protein_expression):
            measured = result.alteration().expression
            if measured is not None and measured.scale is ExpressionScale.ISH:
                raise ValueError(
                    f"protein_expression[{number}]: {result.marker} {result.result} states ERBB2 not amplified but "
                    f"copy_number[{amplified}] lists an ERBB2 amplification; keep the one the report gives"
                )
        return self

    @property
    def wild_type_genes(self) -> frozenset[str]:
        """The genes stated wild-type, a family a label defines read as its genes (RAS: KRAS and NRAS)."""
        return frozenset(gene for name in self.wild_type for gene in WILD_TYPE_FAMILIES.get(name, (name,)))

    def typed_alterations(self) -> list[Alteration]:
        """The HLA typing and cytogenetic abnormalities as alterations (``hla``, ``cytogenetic``)."""
        return [
            *(parse_alteration(text, feature_type="hla") for text in self.hla_typing),
            *(parse_alteration(text, feature_type="cytogenetic") for text in self.cytogenetics),
        ]


class RiskTolerance(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class PreferenceWeights(Contract):
    """How much the patient cares about each attribute of an option; only the ratios matter."""

    efficacy: NonNegative = 1.0
    side_effects: NonNegative = 1.0
    cost: NonNegative = 1.0
    convenience: NonNegative = 1.0

    @model_validator(mode="after")
    def _not_all_zero(self) -> PreferenceWeights:
        if self.efficacy + self.side_effects + self.cost + self.convenience == 0:
            raise ValueError("at least one preference weight must be above zero")
        return self

    def normalized(self) -> dict[str, float]:
        """Weights scaled to sum to 1, so scores are comparable across patients."""
        raw = self.model_dump()
        total = sum(raw.values())
        return {name: value / total for name, value in raw.items()}


class Preferences(Contract):
    goals: list[str] = Field(default_factory=list)
    weights: PreferenceWeights = Field(default_factory=PreferenceWeights)
    risk_tolerance: RiskTolerance = RiskTolerance.MEDIUM
    language: str = Field(default="en", pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class Consent(Contract):
    """What the patient agreed to; research use is qualified by GA4GH Data Use Ontology codes."""

    clinical_use: bool = True
    research_use: bool = False
    duo_codes: list[str] = Field(default_factory=list, description="e.g. 'DUO:0000042' (general research use)")
    secondary_findings: bool = Field(
        default=True, description="Whether to report ACMG secondary findings (patients may opt out)"
    )
    consent_date: date | None = None

    @model_validator(mode="after")
    def _duo_codes_well_formed(self) -> Consent:
        for code in self.duo_codes:
            if not code.startswith("DUO:") or not code[4:].isdigit() or len(code) != 11:
                raise ValueError(f"'{code}' is not a DUO code (expected 'DUO:' and 7 digits)")
        return self


class GenomeAssay(StrEnum):
    """What kind of genotyping produced the VCF; decides whether absent sites may mean reference."""

    WGS = "wgs"
    WES = "wes"
    PANEL = "panel"
    ARRAY = "array"
    GVCF = "gvcf"


class GenomeRef(Contract):
    """Where the patient's germline genotypes are: a VCF path (relative to the record) and sample ID."""

    vcf: str
    sample: str | None = None
    assay: GenomeAssay | None = None
    absent_is_reference: bool = Field(
        default=False, description="Declared by the user: sites absent from the VCF are homozygous reference"
    )
    outside_calls: str | None = Field(
        default=None,
        description="Calls from other tools (CYP2D6, HLA-B) as a PharmCAT outside-call TSV, relative to the record",
    )


class Patient(Contract):
    """One person: the input every engine reads alongside the genotypes."""

    id: str = Field(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        description="Letters, digits, '.', '_' and '-', starting with a letter or digit: it names the output folder",
    )
    display_name: str | None = None
    demographics: Demographics = Field(default_factory=Demographics)
    conditions: list[Condition] = Field(default_factory=list)
    medications: list[Medication] = Field(default_factory=list)
    allergies: list[Allergy] = Field(default_factory=list)
    observations: list[Observation] = Field(default_factory=list)
    lifestyle: Lifestyle = Field(default_factory=Lifestyle)
    environment: Environment = Field(default_factory=Environment)
    family_history: list[FamilyHistoryEntry] = Field(default_factory=list)
    reproductive: ReproductiveHistory | None = None
    phenotypes: list[PhenotypeTerm] = Field(default_factory=list)
    tumour: Tumour | None = None
    preferences: Preferences = Field(default_factory=Preferences)
    consent: Consent = Field(default_factory=Consent)
    genome: GenomeRef | None = None

    def current_medications(self) -> list[Medication]:
        """Drugs taken now or about to be started: the ones a genotype can still change."""
        return [m for m in self.medications if m.status != MedicationStatus.STOPPED]

    def latest(self, loinc: str) -> Observation | None:
        """Most recent observation with this LOINC code (undated ones count as oldest)."""
        matches = [o for o in self.observations if o.loinc == loinc]
        if not matches:
            return None
        return max(matches, key=lambda o: o.effective_date or date.min)
