"""Tumour alterations as one typed model, and the one parser for their text forms (HGVS protein changes included).

Knowledge importers (CIViC, CGI, the curated core) and the oncology engine both read alteration names through
:func:`parse_alteration`, so ``p.Val600Glu``, ``V600E`` and ``BRAF V600E`` mean the same thing everywhere.
Protein changes are normalized to one-letter HGVS without the ``p.`` prefix or transcript: ``Gly12Cys`` ->
``G12C``, ``Arg1450Ter``/``R1450X`` -> ``R1450*``, ``Arg1450ThrfsTer10`` -> ``R1450fs``.

>>> parse_protein_change("p.Val600Glu").text
'V600E'
>>> parse_alteration("EGFR exon 19 deletion").label
'EGFR exon 19 deletion'
>>> parse_alteration("EML4::ALK").partner
'EML4'
>>> parse_alteration("FLT3-ITD").label
'FLT3 ITD'
>>> parse_alteration("PD-L1 TPS >= 50%").label
'CD274 (PD-L1) TPS ≥50%'

Protein expression measured by immunohistochemistry (``kind: expression``) is written as the marker, the scoring
scale and the result or cut-off: ``HER2 IHC 3+``, ``HER2 IHC 1+ or 2+``, ``PD-L1 TPS >= 50%``, ``PD-L1 CPS >= 1``,
``PD-L1 TC >= 50%``, ``PD-L1 IC >= 10%``, ``PD-L1 TAP >= 1%`` (tumour area positivity), oestrogen and progesterone
receptors as the share of tumour cell nuclei stained (``ER IHC 80%``, ``PR IHC <1%``, ``ER IHC >= 1%``), and for
markers scored as the share of tumour cells stained at an intensity or stronger ``CLDN18.2 IHC 2+ >= 75%`` (at least
75% of tumour cells at 2+ or 3+).
A HER2 score of 0 may say whether faint, incomplete membrane staining was seen: ``HER2 IHC 0 ultralow`` (IHC 0
with membrane staining, HER2-ultralow) or ``HER2 IHC 0 null`` (no staining); a plain ``HER2 IHC 0`` does not say.
An in situ hybridisation test that found no ERBB2 amplification is ``HER2 ISH negative``; a positive one is written
``ERBB2 amplification``, the biomarker the HER2-positive labels name.
Cell-surface antigens and receptors that a label names as present (CD33-, CD19-, CD20- and CD22-positive,
CD30-expressing, Kit (CD117)-positive; PSMA-positive and somatostatin-receptor-positive by PET; the tumour antigen
MAGE-A4), measured by flow cytometry, immunohistochemistry or imaging against the test's own criteria, are written
``CD33 positive`` or ``CD33 negative``; so is PTEN protein by immunohistochemistry, whose loss a label names
(``PTEN negative``: PTEN-deficient by the test's criteria, not a genomic finding).
A patient's result is one value (``PD-L1 TPS 60%``, ``CLDN18.2 IHC 2+ 80%``) or the range a laboratory reports
(``PD-L1 TPS >= 50%``, ``ER IHC <1%``).

An HLA allele (``kind: hla``) is written in WHO nomenclature with its locus: ``HLA-A*02:01`` (two fields: one
protein), ``HLA-A*02:01P`` (the P group of alleles sharing that protein's antigen-binding domains), and the patient's
typing at any resolution (``HLA-A*02:01:01:01``). A typing meets an allele or P group when its first two fields are
the same and it is not a null (``N``) allele; a one-field typing (``HLA-A*02``) cannot show a two-field allele and
meets none. Other alleles that the WHO P-group table places in a group are not recognised. HLA typing is inherited.

A cytogenetic arm deletion (``kind: cytogenetic``) is written ``del(5q)`` or ``5q deletion``, or in ISCN with its
breakpoints, ``del(5)(q13q33)``; the biomarker is the loss of part of that chromosome arm.

A label that needs genes without any variant (``kind: wild_type``) is written ``KRAS wild-type`` (one gene) or
``RAS wild-type``, which the panitumumab label defines as wild-type in both KRAS and NRAS. It is met only by genes a
report states wild-type, never by a gene's absence from the variants.

>>> parse_alteration("RAS wild-type").wild_type
['KRAS', 'NRAS']

A label for triple-negative breast cancer (``kind: triple_negative``) is written ``triple-negative`` (or ``TNBC``):
oestrogen and progesterone receptors in under 1% of tumour nuclei and HER2-negative (IHC 0 or 1+, or 2+ without
ERBB2 amplification). Like a wild-type result it is about the tumour as a whole, met from its ER, PR and HER2
results, never by a receptor's absence from them.

A label for circulating tumour DNA found after surgery (``kind: ctdna_positive``) is written ``ctDNA positive`` (or
``ctDNA-positive``, ``ctDNA detected``); a test that found none is ``ctDNA negative`` (``ctDNA not detected``,
``kind: ctdna_negative``). Both are about the tumour as a whole, and a tumour without either has not stated it.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import Field, ValidationError, model_validator

from tailormed.model.base import Contract
from tailormed.model.genotype import GenomeBuild

THREE_TO_ONE = {
    "Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E", "Gly": "G", "His": "H",
    "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F", "Pro": "P", "Ser": "S", "Thr": "T", "Trp": "W",
    "Tyr": "Y", "Val": "V", "Ter": "*", "Sec": "U",
}  # fmt: skip
AMINO_ACIDS = frozenset("ACDEFGHIKLMNPQRSTVWYU")
#: Sequence Ontology consequences that truncate the protein (or destroy a splice site).
TRUNCATING_CONSEQUENCES = frozenset(
    {"stop_gained", "frameshift_variant", "splice_acceptor_variant", "splice_donor_variant", "start_lost"}
)


class ProteinChangeKind(StrEnum):
    """The HGVS protein change types the matcher distinguishes."""

    MISSENSE = "missense"
    NONSENSE = "nonsense"
    SYNONYMOUS = "synonymous"
    FRAMESHIFT = "frameshift"
    DELETION = "deletion"
    INSERTION = "insertion"
    DELINS = "delins"
    DUPLICATION = "duplication"
    CODON = "codon"  # knowledge side only: any change at this residue (``V600``)


class ProteinChange(Contract):
    """A protein change in one-letter HGVS, positions on the gene's canonical protein."""

    kind: ProteinChangeKind
    ref: str = Field(pattern=r"^[A-Z*]$", description="First affected residue")
    start: Annotated[int, Field(ge=1)]
    end_ref: str | None = Field(default=None, pattern=r"^[A-Z*]$")
    end: Annotated[int, Field(ge=1)] | None = None
    alt: str = Field(default="", description="New residue(s); '' for deletions, frameshifts and codons")

    @property
    def text(self) -> str:
        first = f"{self.ref}{self.start}"
        span = f"{first}_{self.end_ref}{self.end}" if self.end is not None else first
        match self.kind:
            case ProteinChangeKind.MISSENSE | ProteinChangeKind.NONSENSE:
                return f"{first}{self.alt}"
            case ProteinChangeKind.SYNONYMOUS:
                return f"{first}="
            case ProteinChangeKind.FRAMESHIFT:
                return f"{first}fs"
            case ProteinChangeKind.CODON:
                return first
            case ProteinChangeKind.DELETION:
                return f"{span}del"
            case ProteinChangeKind.INSERTION:
                return f"{span}ins{self.alt}"
            case ProteinChangeKind.DELINS:
                return f"{span}delins{self.alt}"
            case ProteinChangeKind.DUPLICATION:
                return f"{span}dup"

    @property
    def truncating(self) -> bool:
        return self.kind in (ProteinChangeKind.NONSENSE, ProteinChangeKind.FRAMESHIFT)

    @property
    def last(self) -> int:
        return self.end if self.end is not None else self.start


_SUBSTITUTION = re.compile(r"^([A-Z*])(\d+)([A-Z*=])$")
_CODON = re.compile(r"^([A-Z])(\d+)$")
_FRAMESHIFT = re.compile(r"^([A-Z])(\d+)[A-Z]?fs(?:\*?\d*|\*\?)$")
_SPAN = r"([A-Z])(\d+)(?:_([A-Z])(\d+))?"
_DELETION = re.compile(rf"^{_SPAN}del[A-Z]*$")
_INSERTION = re.compile(r"^([A-Z])(\d+)_([A-Z])(\d+)ins([A-Z*]+)$")
_DELINS = re.compile(rf"^{_SPAN}delins([A-Z*]+)$")
_DUPLICATION = re.compile(rf"^{_SPAN}dup[A-Z]*$")
_THREE = re.compile(r"(" + "|".join(THREE_TO_ONE) + r")", re.IGNORECASE)
_KEYWORDS = re.compile(r"(DELINS|DEL|INS|DUP|FS)", re.IGNORECASE)


def _one_letter(text: str) -> str:
    """Three-letter residues to one-letter, keyword case normalized (``fs``, ``del``, ``ins``, ``dup``)."""
    if re.search(r"[A-Z][a-z]{2}\d", text) or re.search(r"\d[A-Z][a-z]{2}", text) or "Ter" in text:
        text = _THREE.sub(lambda m: THREE_TO_ONE[m.group(1).capitalize()], text)
    text = text.upper().replace("TER", "*")
    text = re.sub(r"(?<=\d)X$", "*", text)  # legacy stop notation R1450X
    return _KEYWORDS.sub(lambda m: m.group(1).lower(), text)


def parse_protein_change(text: str) -> ProteinChange:
    """A protein change from HGVS-like text (1- or 3-letter, with or without ``p.`` and brackets); ValueError if not."""
    raw = text.strip()
    core = raw.split(":")[-1].strip()
    core = core[2:] if core[:2].lower() == "p." else core
    core = core.strip("()").replace(" ", "")
    if not core or len(core) > 80:
        raise ValueError(f"not a protein change: {raw!r}")
    norm = _one_letter(core)
    if m := _SUBSTITUTION.match(norm):
        ref, pos, alt = m.group(1), int(m.group(2)), m.group(3)
        if ref == "*":
            raise ValueError(f"stop-loss changes are not supported: {raw!r}")
        kind = (
            ProteinChangeKind.SYNONYMOUS
            if alt in ("=", ref)
            else ProteinChangeKind.NONSENSE
            if alt == "*"
            else ProteinChangeKind.MISSENSE
        )
        return _checked(
            raw, ProteinChange(kind=kind, ref=ref, start=pos, alt="" if kind is ProteinChangeKind.SYNONYMOUS else alt)
        )
    if m := _CODON.match(norm):
        return _checked(raw, ProteinChange(kind=ProteinChangeKind.CODON, ref=m.group(1), start=int(m.group(2))))
    if m := _FRAMESHIFT.match(norm):
        return _checked(raw, ProteinChange(kind=ProteinChangeKind.FRAMESHIFT, ref=m.group(1), start=int(m.group(2))))
    for pattern, kind in (
        (_DELINS, ProteinChangeKind.DELINS),
        (_DELETION, ProteinChangeKind.DELETION),
        (_DUPLICATION, ProteinChangeKind.DUPLICATION),
        (_INSERTION, ProteinChangeKind.INSERTION),
    ):
        if m := pattern.match(norm):
            groups = m.groups()
            end = int(groups[3]) if groups[3] else None
            alt = groups[4] if len(groups) > 4 else ""
            change = ProteinChange(
                kind=kind, ref=groups[0], start=int(groups[1]), end_ref=groups[2], end=end, alt=alt or ""
            )
            return _checked(raw, change)
    raise ValueError(f"not a protein change: {raw!r}")


def _checked(raw: str, change: ProteinChange) -> ProteinChange:
    residues = change.ref + (change.end_ref or "") + change.alt.replace("*", "")
    if any(r not in AMINO_ACIDS for r in residues if r != "*"):
        raise ValueError(f"unknown amino acid in {raw!r}")
    if change.end is not None and change.end <= change.start:
        raise ValueError(f"range end must follow its start in {raw!r}")
    if change.kind is ProteinChangeKind.INSERTION and change.end != change.start + 1:
        raise ValueError(f"an insertion lies between two adjacent residues in {raw!r}")
    return change


class AlterationKind(StrEnum):
    """What kind of tumour alteration: a sequence variant, a copy-number change, a fusion or a genome signature."""

    MUTATION = "mutation"
    AMPLIFICATION = "amplification"
    DELETION = "deletion"
    FUSION = "fusion"
    SIGNATURE = "signature"
    EXPRESSION = "expression"
    HLA = "hla"
    CYTOGENETIC = "cytogenetic"
    WILD_TYPE = "wild_type"
    TRIPLE_NEGATIVE = "triple_negative"
    CTDNA_POSITIVE = "ctdna_positive"
    CTDNA_NEGATIVE = "ctdna_negative"


#: Biomarkers about the tumour as a whole, met from its stated results rather than by any one alteration.
TUMOUR_LEVEL_KINDS = frozenset(
    {
        AlterationKind.WILD_TYPE, AlterationKind.TRIPLE_NEGATIVE, AlterationKind.CTDNA_POSITIVE,
        AlterationKind.CTDNA_NEGATIVE,
    }
)  # fmt: skip


class VariantOrigin(StrEnum):
    """Whether a variant was inherited (germline), arose in the tumour (somatic), or the input does not say.

    A tumour-only sequencing report cannot tell the two apart; ``unknown`` never counts as germline.
    """

    GERMLINE = "germline"
    SOMATIC = "somatic"
    UNKNOWN = "unknown"


class GeneClass(StrEnum):
    """Gene-level mutation classes: any (predicted oncogenic) mutation, or loss of function."""

    ANY = "any"
    LOSS_OF_FUNCTION = "loss_of_function"


class ExonEvent(StrEnum):
    """Region-level events: in one exon, or (internal tandem duplication) in the gene's curated ITD region."""

    DELETION = "deletion"
    INSERTION = "insertion"
    SKIPPING = "skipping"
    MUTATION = "mutation"
    TANDEM_DUPLICATION = "internal tandem duplication"


class Signature(StrEnum):
    """Genome-wide signatures with therapy indications; dMMR is read as MSI-H (the labels treat them alike)."""

    MSI_H = "MSI-H"
    TMB_H = "TMB-H"
    HRD = "HRD"


class ExpressionScale(StrEnum):
    """How an immunohistochemistry result is scored."""

    IHC = "IHC"  # membrane staining intensity score: 0, 1+, 2+, 3+
    STAINED_CELLS = "stained cells"  # % of tumour cells stained at ``intensity`` or stronger
    TPS = "TPS"  # tumour proportion score: % of viable tumour cells with membrane staining
    CPS = "CPS"  # combined positive score: stained tumour cells, lymphocytes, macrophages per 100 tumour cells
    TC = "TC"  # % of tumour cells stained (SP142)
    IC = "IC"  # % of tumour area covered by stained tumour-infiltrating immune cells (SP142)
    TAP = "TAP"  # tumour area positivity: % of tumour area covered by stained tumour and immune cells (SP263)
    NUCLEI = "nuclei"  # % of tumour cell nuclei stained (oestrogen and progesterone receptors)
    STATUS = "status"  # positive (1) or negative (0) as the laboratory reports it (cell-surface antigens)
    ISH = "ISH"  # in situ hybridisation of the gene: stated negative (0) only; a positive one is its amplification


#: Marker names people write -> (HGNC symbol of the protein's gene, the name shown).
EXPRESSION_MARKERS = {
    name.upper(): target
    for names, target in (
        (("HER2", "ERBB2", "HER-2"), ("ERBB2", "HER2")),
        (("PD-L1", "PDL1", "CD274"), ("CD274", "PD-L1")),
        (("CLDN18.2", "CLDN18", "CLAUDIN18.2", "CLAUDIN-18.2"), ("CLDN18", "CLDN18.2")),
        (("FRα", "FRALPHA", "FR-ALPHA", "FOLR1"), ("FOLR1", "FRα")),
        (("C-MET", "CMET", "MET"), ("MET", "c-Met")),
        (("ER", "ESR1", "ER-ALPHA"), ("ESR1", "ER")),
        (("PR", "PGR"), ("PGR", "PR")),
        (("CD33",), ("CD33", "CD33")),
        (("CD19",), ("CD19", "CD19")),
        (("CD22",), ("CD22", "CD22")),
        (("CD20", "MS4A1"), ("MS4A1", "CD20")),
        (("CD30", "TNFRSF8"), ("TNFRSF8", "CD30")),
        (("PSMA", "FOLH1"), ("FOLH1", "PSMA")),
        (("SSTR", "SSTR2"), ("SSTR2", "SSTR")),
        (("MAGE-A4", "MAGEA4"), ("MAGEA4", "MAGE-A4")),
        (("CD117", "KIT"), ("KIT", "CD117")),
        (("EGFR",), ("EGFR", "EGFR")),
        (("PTEN",), ("PTEN", "PTEN")),
    )
    for name in names
}
#: The scales each marker is scored on (PD-L1 by proportion scores; the others by IHC intensity or stained cells).
MARKER_SCALES = {
    "HER2": frozenset({"IHC", "ISH"}),
    "PD-L1": frozenset({"TPS", "CPS", "TC", "IC", "TAP"}),
    "CLDN18.2": frozenset({"IHC"}),
    "FRα": frozenset({"IHC"}),
    "c-Met": frozenset({"IHC"}),
    "ER": frozenset({"IHC"}),
    "PR": frozenset({"IHC"}),
    "CD33": frozenset({"status"}),
    "CD19": frozenset({"status"}),
    "CD22": frozenset({"status"}),
    "CD20": frozenset({"status"}),
    "CD30": frozenset({"status"}),
    "PSMA": frozenset({"status"}),
    "SSTR": frozenset({"status"}),
    "MAGE-A4": frozenset({"status"}),
    "CD117": frozenset({"status"}),
    "EGFR": frozenset({"status"}),
    "PTEN": frozenset({"status"}),
}
#: Markers whose IHC result is the share of tumour cell nuclei stained, not a membrane intensity score.
NUCLEAR_MARKERS = frozenset({"ER", "PR"})
_PERCENT_SCALES = (
    ExpressionScale.STAINED_CELLS, ExpressionScale.TPS, ExpressionScale.TC, ExpressionScale.IC, ExpressionScale.TAP,
    ExpressionScale.NUCLEI,
)  # fmt: skip


class Expression(Contract):
    """A protein-expression result (the patient's) or criterion (the knowledge's), as a closed range of the scale.

    A patient's single value has ``low == high``; a criterion such as TPS >= 50% has ``high`` None (no upper bound);
    a result reported as below a value (ER <1%) has ``high`` that value and ``high_exclusive``.
    """

    marker: str = Field(description="Name shown, e.g. 'HER2', 'PD-L1', 'CLDN18.2'")
    scale: ExpressionScale
    intensity: Annotated[int, Field(ge=1, le=3)] | None = Field(
        default=None, description="For stained-cell scores: the weakest staining intensity counted (2 = 2+ or 3+)"
    )
    low: Annotated[float, Field(ge=0)]
    high: Annotated[float, Field(ge=0)] | None = None
    high_exclusive: bool = Field(default=False, description="The range stops short of ``high`` (ER <1%)")
    membrane_staining: bool | None = Field(
        default=None,
        description="For an IHC score of 0: faint, incomplete membrane staining seen (HER2-ultralow) or none (null); "
        "None when not stated",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Expression:
        if (self.scale is ExpressionScale.STAINED_CELLS) != (self.intensity is not None):
            raise ValueError("a stained-cell score needs the staining intensity, and only it has one")
        top = {ExpressionScale.IHC: 3, ExpressionScale.STATUS: 1, ExpressionScale.ISH: 0}.get(self.scale, 100)
        for value in (self.low, self.high):
            if value is not None and value > top:
                raise ValueError(f"{self.scale.value} {value:g} is above the scale's maximum {top}")
        if self.scale is ExpressionScale.IHC and (self.low % 1 or (self.high or 0) % 1):
            raise ValueError("an IHC intensity score is 0, 1+, 2+ or 3+")
        if self.scale in (ExpressionScale.STATUS, ExpressionScale.ISH) and (self.low % 1 or self.high != self.low):
            raise ValueError("a status is positive or negative")
        if self.high is not None and self.high < self.low:
            raise ValueError("range end is below its start")
        if self.high_exclusive and (self.high is None or self.high <= self.low):
            raise ValueError("a value reported as below a bound needs a bound above zero")
        if self.membrane_staining is not None and (self.scale is not ExpressionScale.IHC or self.low or self.high):
            raise ValueError("membrane staining is said only of an IHC score of 0 (ultralow or null)")
        return self

    def meets(self, criterion: Expression) -> bool:
        """Whether this result lies within ``criterion`` (same marker and scale).

        A share of cells stained at a stronger intensity than the criterion counts is at least as large at the
        criterion's intensity, so it meets a lower bound (80% at 3+ meets >= 75% at 2+ or stronger).
        """
        if criterion.membrane_staining is not None and self.membrane_staining is not criterion.membrane_staining:
            return False
        if self.marker != criterion.marker or self.scale is not criterion.scale:
            return False
        if self.intensity != criterion.intensity:
            stronger = (self.intensity or 0) > (criterion.intensity or 0)
            return stronger and criterion.high is None and self.low >= criterion.low
        if self.low < criterion.low:
            return False
        if criterion.high is None:
            return True
        if self.high is None or self.high > criterion.high:
            return False
        return self.high < criterion.high or self.high_exclusive or not criterion.high_exclusive

    @property
    def text(self) -> str:
        """``IHC 3+``, ``IHC 1+ or 2+``, ``TPS ≥50%``, ``CPS ≥1``, ``IHC 2+ or stronger in ≥75% of tumour cells``."""
        if self.scale is ExpressionScale.STATUS:
            return "positive" if self.low else "negative"
        if self.scale is ExpressionScale.ISH:
            return "ISH negative"
        if self.membrane_staining is not None:
            return "IHC 0 with membrane staining (ultralow)" if self.membrane_staining else "IHC 0 null"
        unit = "%" if self.scale in _PERCENT_SCALES else ""

        def shown(value: float) -> str:
            return f"{value:g}+" if self.scale is ExpressionScale.IHC and value > 0 else f"{value:g}"

        low, high = shown(self.low), shown(self.high) if self.high is not None else None
        if self.high_exclusive:
            value = f"<{high}{unit}" if self.low == 0 else f"{low}-<{high}{unit}"
        elif self.scale is ExpressionScale.IHC and self.high == 3 and self.low < 3:
            value = f"≥{low}"
        elif high is None:
            value = f"≥{low}{unit}"
        elif high == low:
            value = f"{low}{unit}"
        elif self.scale is ExpressionScale.IHC:
            value = f"{low} or {high}" if self.high == self.low + 1 else f"{low} to {high}"
        else:
            value = f"{low}-{high}{unit}"
        if self.scale is ExpressionScale.STAINED_CELLS:
            stronger = "" if self.intensity == 3 else " or stronger"
            return f"IHC {self.intensity}+{stronger} in {value} of tumour cells"
        if self.scale is ExpressionScale.NUCLEI:
            return f"IHC {value} of tumour nuclei"
        return f"{self.scale.value} {value}"


class HlaAllele(Contract):
    """An HLA allele after the locus and ``*``: fields ``02``, ``01``, ... and a suffix (``N`` null, ``P`` group)."""

    fields: list[str] = Field(min_length=1, max_length=4)
    suffix: str = Field(default="", pattern=r"^[NLSCAQPG]?$")

    @property
    def text(self) -> str:
        return ":".join(self.fields) + self.suffix

    def meets(self, criterion: HlaAllele) -> bool:
        """Whether this typing is the criterion's two-field allele (or one of its subtypes), and expressed."""
        wanted = criterion.fields[:2]
        return len(self.fields) >= 2 and self.fields[:2] == wanted and self.suffix != "N"


class GenomicAllele(Contract):
    """A VCF-style allele on a named build (UCSC chromosome names)."""

    build: GenomeBuild
    chrom: str = Field(pattern=r"^chr([1-9]|1[0-9]|2[0-2]|X|Y|M)$")
    pos: Annotated[int, Field(ge=1)]
    ref: str = Field(pattern=r"^[ACGTN]+$")
    alt: str = Field(pattern=r"^[ACGTN]+$")

    @property
    def text(self) -> str:
        return f"{self.chrom}:{self.pos} {self.ref}>{self.alt} ({self.build})"


class Alteration(Contract):
    """One alteration: the patient's (a concrete change) or the knowledge's (which may be a codon, exon or class)."""

    gene: str = Field(description="HGNC symbol; for signatures the signature name")
    kind: AlterationKind
    protein: ProteinChange | None = None
    exon: Annotated[int, Field(ge=1)] | None = None
    exon_event: ExonEvent | None = None
    gene_class: GeneClass | None = None
    partner: str | None = Field(default=None, description="Fusion partner gene; None = any partner")
    signature: Signature | None = None
    expression: Expression | None = Field(default=None, description="For protein expression: result or criterion")
    hla: HlaAllele | None = Field(default=None, description="For an HLA allele: the allele or typing (gene = locus)")
    chromosome_arm: str | None = Field(
        default=None, pattern=r"^([1-9]|1[0-9]|2[0-2]|X|Y)[pq]$", description="For a cytogenetic arm deletion: '5q'"
    )
    wild_type: list[str] = Field(
        default_factory=list, description="For a wild-type biomarker: the genes that must all be without a variant"
    )
    allele: GenomicAllele | None = None
    consequence: str | None = Field(default=None, description="Sequence Ontology term from a VEP/SnpEff annotation")
    vaf: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    origin: VariantOrigin = Field(
        default=VariantOrigin.UNKNOWN, description="Germline or somatic, as the input states it; unknown otherwise"
    )
    label: str = Field(description="How the alteration is shown, e.g. 'BRAF V600E'")

    @property
    def truncating(self) -> bool:
        if self.protein is not None and self.protein.truncating:
            return True
        return bool(self.consequence) and any(
            term in TRUNCATING_CONSEQUENCES for term in (self.consequence or "").split("&")
        )


_GENE = re.compile(r"^[A-Z][A-Z0-9-]*(?:orf\d+)?$|^C\d+orf\d+$")
_FUSION_PAIR = re.compile(r"^([A-Za-z0-9]+)(?:::|--|-|/)([A-Za-z0-9]+)$")
_EXON = re.compile(
    r"^(?:EXON|EX)\s*(\d+)\s*(DELETION|DEL|INSERTION|INS|SKIPPING|SKIP|SKIPPING MUTATION|MUTATION|MUTATIONS|MUT)$"
)
_EXON_EVENTS = {
    "DELETION": ExonEvent.DELETION, "DEL": ExonEvent.DELETION, "INSERTION": ExonEvent.INSERTION,
    "INS": ExonEvent.INSERTION, "SKIPPING": ExonEvent.SKIPPING, "SKIP": ExonEvent.SKIPPING,
    "SKIPPING MUTATION": ExonEvent.SKIPPING, "MUTATION": ExonEvent.MUTATION, "MUTATIONS": ExonEvent.MUTATION,
    "MUT": ExonEvent.MUTATION,
}  # fmt: skip
_AMPLIFICATION = frozenset({"AMPLIFICATION", "AMP", "AMPLIFIED", "GAIN", "COPY GAIN"})
_DELETION_WORDS = frozenset(
    {"DELETION", "DEL", "LOSS", "HOMOZYGOUS DELETION", "DEEP DELETION", "COPY LOSS", "BIALLELIC LOSS"}
)
_ANY_MUTATION = frozenset({"MUTATION", "MUTATIONS", "ONCOGENIC MUTATION", "ANY MUTATION", "ACTIVATING MUTATION"})
_LOSS_OF_FUNCTION = frozenset(
    {
        "TRUNCATING MUTATION", "LOSS-OF-FUNCTION", "LOSS OF FUNCTION", "DELETERIOUS MUTATION", "INACTIVATING MUTATION",
        "FRAMESHIFT TRUNCATION", "PATHOGENIC MUTATION", "LOSS-OF-FUNCTION MUTATION",
    }
)  # fmt: skip
_FUSION_WORDS = frozenset({"FUSION", "FUSIONS", "REARRANGEMENT", "TRANSLOCATION"})
_ITD_WORDS = frozenset({"ITD", "ITD MUTATION", "ITDS", "INTERNAL TANDEM DUPLICATION", "INTERNAL TANDEM DUPLICATIONS"})
_GENE_ITD = re.compile(r"^([A-Za-z0-9]+)-ITD$", re.IGNORECASE)
_SIGNATURES = {
    "MSI-H": Signature.MSI_H, "MSI HIGH": Signature.MSI_H, "MSI": Signature.MSI_H, "DMMR": Signature.MSI_H,
    "MISMATCH REPAIR DEFICIENT": Signature.MSI_H, "MICROSATELLITE INSTABILITY-HIGH": Signature.MSI_H,
    "TMB-H": Signature.TMB_H, "TMB HIGH": Signature.TMB_H, "HIGH TMB": Signature.TMB_H, "HRD": Signature.HRD,
    "HRD POSITIVE": Signature.HRD,
}  # fmt: skip
_FEATURE_TYPES = (
    "mutation", "amplification", "deletion", "fusion", "exon", "signature", "expression", "hla", "cytogenetic",
    "wild_type", "triple_negative", "ctdna_positive", "ctdna_negative",
)  # fmt: skip
#: Gene families a label names as wild-type, with the genes its definition names ("wild-type RAS (defined as
#: wild-type in both KRAS and NRAS ...)", panitumumab).
WILD_TYPE_FAMILIES = {"RAS": ("KRAS", "NRAS")}
_WILD_TYPE_WORDS = frozenset({"WILD-TYPE", "WILD TYPE", "WILDTYPE"})
_TRIPLE_NEGATIVE_WORDS = frozenset({"TRIPLE-NEGATIVE", "TRIPLE NEGATIVE", "TNBC"})
_CTDNA_WORDS = {
    "CTDNA POSITIVE": AlterationKind.CTDNA_POSITIVE, "CTDNA-POSITIVE": AlterationKind.CTDNA_POSITIVE,
    "CTDNA DETECTED": AlterationKind.CTDNA_POSITIVE, "CTDNA NEGATIVE": AlterationKind.CTDNA_NEGATIVE,
    "CTDNA-NEGATIVE": AlterationKind.CTDNA_NEGATIVE, "CTDNA NOT DETECTED": AlterationKind.CTDNA_NEGATIVE,
}  # fmt: skip
_HLA = re.compile(r"^HLA-([A-Z]+[0-9]*)\*(\d{2,3}(?::\d{2,4}){0,3})([NLSCAQPG]?)$")
_ARM_DELETION = (
    re.compile(r"^DEL\(([1-9]|1[0-9]|2[0-2]|X|Y)([PQ])\)$"),
    re.compile(r"^([1-9]|1[0-9]|2[0-2]|X|Y)([PQ])\s*(?:DELETION|DEL|LOSS|-)$"),
)
_ISCN_DELETION = re.compile(r"^DEL\(([1-9]|1[0-9]|2[0-2]|X|Y)\)\(([PQ])\d+(?:\.\d+)*(?:([PQ])\d+(?:\.\d+)*)?\)$")
_SCALE_WORDS = {"IHC": ExpressionScale.IHC, "TPS": ExpressionScale.TPS, "CPS": ExpressionScale.CPS,
                "TC": ExpressionScale.TC, "IC": ExpressionScale.IC, "TAP": ExpressionScale.TAP}  # fmt: skip
_NUMBER = r"(\d+(?:\.\d+)?)"
_AT_LEAST = r"(>=|≥|=>)?"
_BELOW = re.compile(rf"^(?:<|LESS THAN)\s*{_NUMBER}\s*(%?)$")
_IHC_SCORE = re.compile(rf"^{_AT_LEAST}\s*([0-3])\+?(?:\s*(?:OR|TO|-|/)\s*([0-3])\+?)?$")
_STAINED = re.compile(rf"^{_AT_LEAST}\s*([1-3])\+\s*(?:IN\s*)?{_AT_LEAST}\s*{_NUMBER}\s*%$")
_IHC_ZERO = re.compile(r"^0?\s*\(?(ULTRALOW|NULL|WITH MEMBRANE STAINING|WITHOUT MEMBRANE STAINING)\)?$")
_ISH = re.compile(r"^ISH(?:[\s-]*(\S.*))?$")
_VALUE = re.compile(rf"^{_AT_LEAST}\s*{_NUMBER}(?:\s*-\s*{_NUMBER})?\s*(%?)$")


def parse_alteration(text: str, *, gene: str | None = None, feature_type: str | None = None) -> Alteration:
    """An alteration from text such as ``BRAF V600E``, ``ERBB2 amplification``, ``EML4-ALK fusion``, ``MSI-H``.

    ``gene`` is given when the gene sits in its own column (CIViC, the batch TSV); then ``text`` is the rest.
    ``feature_type`` (mutation, amplification, deletion, fusion, exon, signature) is checked against what the
    text says. Raises ValueError with the reason when the text is not an alteration this grammar knows.
    """
    raw = " ".join(text.split())
    if not raw or len(raw) > 200:
        raise ValueError("empty or overlong alteration")
    if feature_type is not None and feature_type.strip().lower() not in _FEATURE_TYPES:
        raise ValueError(f"unknown feature_type {feature_type!r} (expected one of {', '.join(_FEATURE_TYPES)})")
    upper = raw.upper()
    expression = _expression(raw, gene)
    if expression is not None:
        return _expect(expression, feature_type)
    if feature_type is not None and feature_type.strip().lower() == "expression":
        marker = gene.strip() if gene is not None else raw.split(" ")[0]
        if marker.upper() not in EXPRESSION_MARKERS:
            known = ", ".join(dict.fromkeys(shown for _, shown in EXPRESSION_MARKERS.values()))
            raise ValueError(f"no protein-expression marker {marker!r} (known: {known})")
        raise ValueError(f"not a protein-expression result: {raw!r} (e.g. 'IHC 3+', 'TPS 60%', 'CPS 12', 'IHC 2+ 80%')")
    special = _hla(raw, gene) or _arm_deletion(raw, gene)
    if special is not None:
        return _expect(special, feature_type)
    wanted = (feature_type or "").strip().lower()
    if wanted == "hla":
        raise ValueError(f"not an HLA allele: {raw!r} (e.g. 'HLA-A*02:01:01:01', 'HLA-A*02:01')")
    if wanted == "cytogenetic":
        raise ValueError(f"not a chromosome arm deletion: {raw!r} (e.g. 'del(5q)' or 'del(5)(q13q33)')")
    if gene is None and upper in _TRIPLE_NEGATIVE_WORDS:
        triple = Alteration(gene="triple-negative", kind=AlterationKind.TRIPLE_NEGATIVE, label="triple-negative")
        return _expect(triple, feature_type)
    ctdna = _CTDNA_WORDS.get(" ".join(upper.split())) if gene is None else None
    if ctdna is not None:
        found = "positive" if ctdna is AlterationKind.CTDNA_POSITIVE else "negative"
        return _expect(Alteration(gene="ctDNA", kind=ctdna, label=f"ctDNA {found}"), feature_type)
    wild = _wild_type(raw, gene)
    if wild is not None:
        return _expect(wild, feature_type)
    if wanted == "wild_type":
        raise ValueError(f"not a wild-type result: {raw!r} (e.g. 'KRAS wild-type' or 'RAS wild-type')")
    signature = _SIGNATURES.get(upper) if gene is None or gene.strip().upper() in ("", "MSI", "TMB") else None
    if signature is not None:
        return _expect(
            Alteration(gene=signature.value, kind=AlterationKind.SIGNATURE, signature=signature, label=raw),
            feature_type,
        )
    if gene is None:
        first, _, rest = raw.partition(" ")
        itd = _GENE_ITD.match(first)
        if itd and (not rest or rest.upper() in ("MUTATION", "POSITIVE")):
            first, rest = itd.group(1), "ITD"
        pair = _FUSION_PAIR.match(first)
        if pair and (not rest or rest.upper() in _FUSION_WORDS) and _is_gene(pair.group(1)) and _is_gene(pair.group(2)):
            five, three = pair.group(1).upper(), pair.group(2).upper()
            return _expect(
                Alteration(gene=three, partner=five, kind=AlterationKind.FUSION, label=f"{five}::{three} fusion"),
                feature_type,
            )
        if not rest:
            raise ValueError(f"expected 'GENE ALTERATION', e.g. 'BRAF V600E', got {raw!r}")
        gene, raw = first, rest
    symbol = gene.strip().upper()
    if not _is_gene(symbol):
        raise ValueError(f"not a gene symbol: {gene!r}")
    return _expect(_gene_alteration(symbol, raw), feature_type)


def _gene_alteration(symbol: str, raw: str) -> Alteration:
    rest = raw.upper()
    if rest in _AMPLIFICATION:
        return Alteration(gene=symbol, kind=AlterationKind.AMPLIFICATION, label=f"{symbol} amplification")
    if rest in _DELETION_WORDS:
        return Alteration(gene=symbol, kind=AlterationKind.DELETION, label=f"{symbol} deletion")
    if rest in _ANY_MUTATION:
        return Alteration(
            gene=symbol, kind=AlterationKind.MUTATION, gene_class=GeneClass.ANY, label=f"{symbol} mutation"
        )
    if rest in _LOSS_OF_FUNCTION:
        return Alteration(
            gene=symbol, kind=AlterationKind.MUTATION, gene_class=GeneClass.LOSS_OF_FUNCTION,
            label=f"{symbol} loss-of-function mutation",
        )  # fmt: skip
    if rest in _ITD_WORDS:
        return Alteration(
            gene=symbol, kind=AlterationKind.MUTATION, exon_event=ExonEvent.TANDEM_DUPLICATION, label=f"{symbol} ITD"
        )
    words = rest.split(" ")
    if rest in _FUSION_WORDS or (len(words) == 2 and words[0] == symbol and words[1] in _FUSION_WORDS):
        return Alteration(gene=symbol, kind=AlterationKind.FUSION, label=f"{symbol} fusion")
    pair = _FUSION_PAIR.match(words[0])
    if pair and (len(words) == 1 or (len(words) == 2 and words[1] in _FUSION_WORDS)):
        five, three = pair.group(1), pair.group(2)
        if symbol in (five, three) and _is_gene(five) and _is_gene(three) and five != three:
            partner = three if symbol == five else five
            return Alteration(gene=symbol, kind=AlterationKind.FUSION, partner=partner, label=f"{five}::{three} fusion")
    exon = _EXON.match(rest)
    if exon:
        number, event = int(exon.group(1)), _EXON_EVENTS[exon.group(2)]
        return Alteration(
            gene=symbol, kind=AlterationKind.MUTATION, exon=number, exon_event=event,
            label=f"{symbol} exon {number} {event.value}",
        )  # fmt: skip
    compact = re.match(r"^EX(\d+)(DEL|INS)$", rest)
    if compact:
        number, event = int(compact.group(1)), _EXON_EVENTS[compact.group(2)]
        return Alteration(
            gene=symbol, kind=AlterationKind.MUTATION, exon=number, exon_event=event,
            label=f"{symbol} exon {number} {event.value}",
        )  # fmt: skip
    change = parse_protein_change(raw)
    return Alteration(gene=symbol, kind=AlterationKind.MUTATION, protein=change, label=f"{symbol} {change.text}")


def _ish(result: str | None, symbol: str, marker: str, shown: str, raw: str) -> Alteration:
    """An in situ hybridisation result that found no amplification (``HER2 ISH negative``); a positive one is the
    gene's amplification and is written so, which the amplification labels match."""
    if ExpressionScale.ISH.value not in MARKER_SCALES[marker]:
        raise ValueError(f"{marker} is scored by {' or '.join(sorted(MARKER_SCALES[marker]))}, not ISH: {raw!r}")
    if result == "POSITIVE":
        raise ValueError(f"an ISH-positive {marker} result is written '{symbol} amplification': {raw!r}")
    if result != "NEGATIVE":
        raise ValueError(f"an ISH result is written '{marker} ISH negative' (or '{symbol} amplification'): {raw!r}")
    measured = Expression(marker=marker, scale=ExpressionScale.ISH, low=0.0, high=0.0)
    return Alteration(
        gene=symbol, kind=AlterationKind.EXPRESSION, expression=measured, label=f"{shown} {measured.text}"
    )


def _expression(raw: str, gene: str | None) -> Alteration | None:
    """A protein-expression result or criterion (see the module text), or None when ``raw`` is not one."""
    words = raw.split(" ", 1) if gene is None else [gene.strip(), raw]
    if len(words) != 2 or words[0].upper() not in EXPRESSION_MARKERS:
        return None
    scale_word, _, result = words[1].strip().partition(" ")
    scale = _SCALE_WORDS.get(scale_word.upper())
    symbol, marker = EXPRESSION_MARKERS[words[0].upper()]
    shown = symbol if marker == symbol else f"{symbol} ({marker})"
    ish = _ISH.match(words[1].strip().upper())
    if ish is not None:
        return _ish(ish.group(1), symbol, marker, shown, raw)
    if scale is None and MARKER_SCALES[marker] == {ExpressionScale.STATUS.value}:
        status = words[1].strip().upper()
        if status not in ("POSITIVE", "NEGATIVE"):
            return None
        value = 1.0 if status == "POSITIVE" else 0.0
        measured = Expression(marker=marker, scale=ExpressionScale.STATUS, low=value, high=value)
        return Alteration(
            gene=symbol, kind=AlterationKind.EXPRESSION, expression=measured, label=f"{shown} {measured.text}"
        )
    if scale is None:
        if marker in NUCLEAR_MARKERS and words[0].upper() in ("ER", "PR"):
            raise ValueError(
                f"{marker} status is given as the share of tumour cell nuclei stained, e.g. '{marker} IHC 80%', "
                f"'{marker} IHC 0%' or '{marker} IHC <1%': {raw!r}"
            )
        return None
    if scale.value not in MARKER_SCALES[marker]:
        raise ValueError(
            f"{marker} is scored by {' or '.join(sorted(MARKER_SCALES[marker]))}, not {scale.value}: {raw!r}"
        )
    result = result.strip().upper().replace("≥", ">=")
    intensity: int | None = None
    low: float
    high: float | None
    below = False
    membrane: bool | None = None
    if marker in NUCLEAR_MARKERS:
        if not result.endswith("%"):
            raise ValueError(f"{marker} IHC is the % of tumour cell nuclei stained, e.g. '{marker} IHC 80%': {raw!r}")
        scale = ExpressionScale.NUCLEI
    if scale is not ExpressionScale.IHC and (m := _BELOW.match(result)):
        if (m.group(2) == "%") != (scale is not ExpressionScale.CPS):
            unit = "has no %" if scale is ExpressionScale.CPS else "is a percentage"
            raise ValueError(f"{raw!r}: {scale.value} {unit}")
        low, high, below = 0.0, float(m.group(1)), True
    elif scale is ExpressionScale.IHC and (m := _STAINED.match(result)):
        scale, intensity = ExpressionScale.STAINED_CELLS, int(m.group(2))
        low, high = float(m.group(4)), None if m.group(3) else float(m.group(4))
    elif scale is ExpressionScale.IHC and marker == "HER2" and (m := _IHC_ZERO.match(result)):
        low = high = 0.0
        membrane = m.group(1) in ("ULTRALOW", "WITH MEMBRANE STAINING")
    elif scale is ExpressionScale.IHC and (m := _IHC_SCORE.match(result)):
        low = float(m.group(2))
        high = 3.0 if m.group(1) else float(m.group(3) or m.group(2))
    elif scale is not ExpressionScale.IHC and (m := _VALUE.match(result)):
        if (m.group(4) == "%") != (scale is not ExpressionScale.CPS):
            wanted = (
                "a score without %, e.g. 'CPS 12'"
                if scale is ExpressionScale.CPS
                else f"a percentage, e.g. '{scale.value} 60%'"
            )
            raise ValueError(f"{raw!r}: {scale.value} is {wanted}")
        low = float(m.group(2))
        high = None if m.group(1) else float(m.group(3) or m.group(2))
        if m.group(1) and m.group(3):
            raise ValueError(f"give a cut-off or a range, not both: {raw!r}")
    else:
        raise ValueError(f"{scale.value} result not understood: {raw!r} (e.g. 'IHC 3+', 'TPS >= 50%', 'CPS 5')")
    try:
        measured = Expression(
            marker=marker, scale=scale, intensity=intensity, low=low, high=high, high_exclusive=below,
            membrane_staining=membrane,
        )  # fmt: skip
    except ValidationError as exc:
        reasons = "; ".join(str(error["msg"]).removeprefix("Value error, ") for error in exc.errors())
        raise ValueError(f"{raw!r}: {reasons}") from None
    return Alteration(
        gene=symbol, kind=AlterationKind.EXPRESSION, expression=measured, label=f"{shown} {measured.text}"
    )


def _wild_type(raw: str, gene: str | None) -> Alteration | None:
    """A wild-type biomarker (``KRAS wild-type``; ``RAS wild-type`` is KRAS and NRAS), or None."""
    if gene is not None and gene.strip():
        symbol, rest = gene.strip().upper(), raw.strip().upper()
    else:
        symbol, _, rest = raw.strip().upper().partition(" ")
    if rest not in _WILD_TYPE_WORDS:
        return None
    if not _is_gene(symbol):
        raise ValueError(f"not a gene symbol: {symbol!r} in {raw!r}")
    genes = list(WILD_TYPE_FAMILIES.get(symbol, (symbol,)))
    return Alteration(gene=symbol, kind=AlterationKind.WILD_TYPE, wild_type=genes, label=f"{symbol} wild-type")


def _hla(raw: str, gene: str | None) -> Alteration | None:
    """An HLA allele (``HLA-A*02:01``; with ``gene`` ``HLA-A``, the text may be ``*02:01``), or None."""
    text = raw.strip()
    if gene is not None and gene.strip():
        locus = gene.strip().upper()
        if not locus.startswith("HLA-"):
            return None
        text = text if text.upper().startswith("HLA-") else f"{locus}{text if text.startswith('*') else '*' + text}"
    m = _HLA.match(text.upper())
    if m is None:
        if text.upper().startswith("HLA-") and "*" in text:
            raise ValueError(f"not an HLA allele: {raw!r} (e.g. 'HLA-A*02:01', 'HLA-A*02:01:01:01', 'HLA-A*02:01P')")
        return None
    locus, fields, suffix = f"HLA-{m.group(1)}", m.group(2).split(":"), m.group(3)
    if suffix in ("P", "G") and len(fields) != 2:
        raise ValueError(f"a {suffix} group is named by two fields, e.g. 'HLA-A*02:01{suffix}': {raw!r}")
    allele = HlaAllele(fields=fields, suffix=suffix)
    return Alteration(
        gene=locus, kind=AlterationKind.HLA, hla=allele, origin=VariantOrigin.GERMLINE,
        label=f"{locus}*{allele.text}",
    )  # fmt: skip


def _arm_deletion(raw: str, gene: str | None) -> Alteration | None:
    """A chromosome arm deletion (``del(5q)``, ``5q deletion``, ISCN ``del(5)(q13q33)``), or None."""
    if gene is not None and gene.strip():
        return None
    text = raw.strip().upper().replace(" ", "") if raw.strip().upper().startswith("DEL(") else raw.strip().upper()
    arm: str | None = None
    label: str | None = None
    for pattern in _ARM_DELETION:
        if m := pattern.match(text):
            arm = m.group(1) + m.group(2).lower()
    if arm is None and (m := _ISCN_DELETION.match(text)):
        if m.group(3) is not None and m.group(3) != m.group(2):
            raise ValueError(f"a deletion across the centromere is not an arm deletion: {raw!r}")
        arm = m.group(1) + m.group(2).lower()
        label = text.lower()
    if arm is None:
        if text.startswith("DEL("):
            raise ValueError(f"not a chromosome arm deletion: {raw!r} (e.g. 'del(5q)' or 'del(5)(q13q33)')")
        return None
    return Alteration(
        gene=f"del({arm})", kind=AlterationKind.CYTOGENETIC, chromosome_arm=arm, label=label or f"del({arm})"
    )


def _expect(alteration: Alteration, feature_type: str | None) -> Alteration:
    if feature_type is None:
        return alteration
    wanted = feature_type.strip().lower()
    actual = "exon" if alteration.exon is not None else alteration.kind.value
    if wanted != actual and not (wanted == "mutation" and actual == "exon"):
        raise ValueError(f"feature_type {wanted!r} does not fit {alteration.label!r} (a {actual})")
    return alteration


def _is_gene(symbol: str) -> bool:
    return bool(_GENE.match(symbol.upper())) and len(symbol) <= 20


def with_origin(alteration: Alteration, origin: VariantOrigin) -> Alteration:
    """The alteration with the origin its input states; an HLA allele stays inherited whatever the input says."""
    if alteration.kind is AlterationKind.HLA:
        return alteration
    return alteration.model_copy(update={"origin": origin})


def with_label(alteration: Alteration, label: str) -> Alteration:
    return alteration.model_copy(update={"label": label})
