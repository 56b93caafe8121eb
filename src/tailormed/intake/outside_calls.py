"""Outside calls: diplotypes, phenotypes or activity scores made by another tool (PharmCAT's outside-call TSV).

One line per gene, tab-separated, up to four columns: ``gene``, ``diplotype``, ``phenotype``, ``activity score``;
``#`` starts a comment. The first line may name the columns (``gene``, ``diplotype``, ... in that order, as a
spreadsheet exports them; case and ``_`` for a space do not matter); a header anywhere else, or one naming other
columns, is refused. Calls from CYP2D6 callers (Cyrius, StellarPGx, Aldy), HLA typers or a lab report enter the
pipeline here and override the matcher for their gene::

    CYP2D6	*1/*4x2
    HLA-B	*57:01/*58:01:01
    CYP2C9			2.0
    CYP2C19		PM

Conventions accepted: copy numbers ``*1x2``/``*1×2``/``*1≥3`` (also ``>=3``), tandems ``*68+*4``, combinations
``[*2 + *3]``, suballeles truncated to the allele (``*4.024`` -> ``*4``, ``*07:02:01:127`` -> ``*07:02``) unless
the gene's definitions name the suballele itself, a ``HLA-B`` prefix on HLA alleles, phenotype abbreviations (PM,
IM, NM, EM, RM, UM) and a single allele for haploid genes (MT-RNR1 ``1555A>G``). When the caller passes the
alleles the knowledge names for a gene (``known_alleles``), an allele outside that list (``*1/*999``) is refused: a
call the knowledge cannot phenotype must not pass as a blank result. A bad line is an ``InputError`` naming the
file and line; with ``lenient=True`` it is skipped and reported as a warning instead.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tailormed.errors import InputError
from tailormed.model.allele_names import ordered_pair
from tailormed.model.pgx import CallOrigin, CallStatus, Diplotype, GeneCall
from tailormed.tables import split_lines

PHENOTYPE_SYNONYMS: Mapping[str, str] = {
    "PM": "Poor Metabolizer",
    "IM": "Intermediate Metabolizer",
    "NM": "Normal Metabolizer",
    "EM": "Normal Metabolizer",
    "RM": "Rapid Metabolizer",
    "UM": "Ultrarapid Metabolizer",
}

_COPIES = re.compile(r"^(?P<allele>.+?)\s*(?:[x×X]\s*(?P<n>\d+|N)|(?:≥|>=)\s*(?P<min>\d+))$")
_SUBALLELE = re.compile(r"^(\*\d+[A-Z]?)\.\d+$")
_HLA_FIELDS = re.compile(r"^\*(\d+):(\d+)(?::\d+)*[A-Z]?$")
_NAME = re.compile(r"^[A-Za-z0-9*.:>=≥×+\-_()\[\] ,]+$")
COLUMNS = ("gene", "diplotype", "phenotype", "activity score")


@dataclass
class OutsideCalls:
    """The calls read from one file, and the lines skipped in lenient mode."""

    source: str
    calls: list[GeneCall] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def for_sample(self, sample: str) -> list[GeneCall]:
        return [c.model_copy(update={"sample": sample}) for c in self.calls]


def read_outside_calls(
    path: Path,
    *,
    known_genes: Collection[str],
    allele_names: Mapping[str, Collection[str]] | None = None,
    known_alleles: Mapping[str, Collection[str]] | None = None,
    sample: str = "",
    lenient: bool = False,
) -> OutsideCalls:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError("outside-call file not found", source=path) from exc
    except UnicodeDecodeError as exc:
        raise InputError("outside-call file is not UTF-8 text", source=path) from exc
    except OSError as exc:
        raise InputError(f"cannot read outside-call file: {exc.strerror}", source=path) from exc
    return parse_outside_calls(
        text,
        source=str(path),
        known_genes=known_genes,
        allele_names=allele_names,
        known_alleles=known_alleles,
        sample=sample,
        lenient=lenient,
    )


def parse_outside_calls(
    text: str,
    *,
    source: str,
    known_genes: Collection[str],
    allele_names: Mapping[str, Collection[str]] | None = None,
    known_alleles: Mapping[str, Collection[str]] | None = None,
    sample: str = "",
    lenient: bool = False,
) -> OutsideCalls:
    result = OutsideCalls(source=source)
    seen: dict[str, int] = {}
    genes = {g.upper(): g for g in known_genes}
    first = True
    for number, fields in split_lines(text.splitlines(), source, comments="all", error=InputError):
        try:
            if _header(fields, first):
                first = False
                continue
            first = False
            call = _parse_line(fields, genes, allele_names or {}, sample, seen, number)
            _check_known(call, (known_alleles or {}).get(call.gene))
        except ValueError as exc:
            if not lenient:
                raise InputError(str(exc), source=source, location=f"line {number}") from exc
            result.warnings.append(f"{source}, line {number}: {exc}; line skipped")
            continue
        seen[call.gene] = number
        result.calls.append(call)
    return result


def _header(fields: Sequence[str], first: bool) -> bool:
    """Whether the row is the header; a header that is not the first row, or names other columns, is an error."""
    names = [" ".join(c.replace("_", " ").casefold().split()) for c in fields]
    if names[0] != COLUMNS[0]:
        return False
    while len(names) > 1 and not names[-1]:
        names.pop()
    if tuple(names) != COLUMNS[: len(names)]:
        expected = ", ".join(COLUMNS)
        raise ValueError(f"header names the columns {', '.join(names)}; expected {expected} (in that order)")
    if not first:
        raise ValueError("a header line may only be the first line of the file")
    return True


def _check_known(call: GeneCall, known: Collection[str] | None) -> None:
    """Every allele of the call is one the knowledge names (copy numbers and tandems checked part by part)."""
    if not known:
        return
    for diplotype in call.diplotypes:
        for allele in (diplotype.allele1, diplotype.allele2):
            if not allele or allele.startswith("[") or allele in known:
                continue
            for part in allele.split("+"):
                copies = _COPIES.fullmatch(part)
                base = copies["allele"] if copies and part.startswith("*") else part
                if not {part, base, f"m.{part}"} & set(known):
                    raise ValueError(f"{call.gene}: {part!r} is not a {call.gene} allele the knowledge names")


def _parse_line(
    fields: Sequence[str],
    genes: Mapping[str, str],
    allele_names: Mapping[str, Collection[str]],
    sample: str,
    seen: Mapping[str, int],
    number: int,
) -> GeneCall:
    columns = [c.strip() for c in fields]
    if len(columns) > 4:
        raise ValueError(f"{len(columns)} columns; expected at most 4 (gene, diplotype, phenotype, activity score)")
    columns += [""] * (4 - len(columns))
    raw_gene, raw_diplotype, raw_phenotype, raw_score = columns
    gene = genes.get(raw_gene.upper())
    if gene is None and len(raw_gene.split()) > 1 and raw_gene.split()[0].upper() in genes:
        raise ValueError(f"{raw_gene!r}: the columns must be separated by tabs, not spaces")
    if gene is None:
        raise ValueError(f"unknown gene {raw_gene!r}")
    if gene in seen:
        raise ValueError(f"{gene} already called on line {seen[gene]} (one line per gene)")
    if not (raw_diplotype or raw_phenotype or raw_score):
        raise ValueError(f"{gene}: no diplotype, phenotype or activity score")
    diplotypes = [_diplotype(gene, raw_diplotype, allele_names.get(gene, ()))] if raw_diplotype else []
    return GeneCall(
        sample=sample,
        gene=gene,
        status=CallStatus.CALLED,
        diplotypes=diplotypes,
        origin=CallOrigin.OUTSIDE_CALL,
        outside_phenotype=_phenotype(raw_phenotype) if raw_phenotype else None,
        outside_activity_score=_activity_score(raw_score) if raw_score else None,
        warnings=[f"outside call (line {number})"],
    )


def _diplotype(gene: str, text: str, known: Collection[str]) -> Diplotype:
    halves = [h.strip() for h in text.split("/")]
    if len(halves) > 2:
        raise ValueError(f"{gene}: diplotype {text!r} has more than two alleles")
    if any(not h for h in halves):
        raise ValueError(f"{gene}: diplotype {text!r} has an empty allele")
    names = [normalize_allele(gene, h, known) for h in halves]
    if len(names) == 1:
        return Diplotype(allele1=names[0], allele2="")
    first, second = ordered_pair(names[0], names[1])
    return Diplotype(allele1=first, allele2=second)


def normalize_allele(gene: str, text: str, known: Collection[str] = ()) -> str:
    """One allele in the form the knowledge uses.

    >>> normalize_allele("CYP2D6", "*4.024"), normalize_allele("CYP2D6", "*1×2"), normalize_allele("CYP2D6", "*1>=3")
    ('*4', '*1x2', '*1≥3')
    >>> normalize_allele("HLA-B", "HLA-B*57:01:01"), normalize_allele("SLCO1B1", "*45.001", {"*45.001"})
    ('*57:01', '*45.001')
    """
    allele = text.strip()
    if not _NAME.fullmatch(allele):
        raise ValueError(f"{gene}: allele {text!r} contains unexpected characters")
    if allele in known or allele.startswith("["):
        return allele
    if "+" in allele:
        return "+".join(normalize_allele(gene, part, known) for part in allele.split("+"))
    if allele.upper().startswith(gene.upper() + "*"):
        allele = allele[len(gene) :]
    copies = _COPIES.fullmatch(allele)
    if copies and allele.startswith("*"):
        base = normalize_allele(gene, copies["allele"], known)
        return f"{base}x{copies['n']}" if copies["n"] else f"{base}≥{copies['min']}"
    hla = _HLA_FIELDS.fullmatch(allele)
    if gene.upper().startswith("HLA-"):
        if hla is None:
            # a lab's "*57:01 positive" read as an allele would match no guideline row, and guidance would fall to
            # the non-carrier row: only allele names are a typing
            raise ValueError(
                f"{gene}: {text!r} is not an HLA allele name (*57:01, *57:01:01, two fields or more); put a "
                f"positive or negative test result in the phenotype column instead ({gene}<tab><tab>*57:01 positive)"
            )
        return f"*{hla[1]}:{hla[2]}"
    sub = _SUBALLELE.fullmatch(allele)
    if sub and allele not in known:
        return sub[1]
    return allele


def _phenotype(text: str) -> str:
    return PHENOTYPE_SYNONYMS.get(text.upper(), text)


def _activity_score(text: str) -> str:
    value = text[1:] if text.startswith("≥") else text
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"activity score {text!r} is not a number") from None
    if number < 0 or number != number:
        raise ValueError(f"activity score {text!r} must be a non-negative number")
    return f"≥{number:.1f}" if text.startswith("≥") else f"{number:.1f}"


def apply_outside_calls(matched: Sequence[GeneCall], outside: Sequence[GeneCall]) -> list[GeneCall]:
    """Matcher calls with each outside call replacing the call for its gene (and added where the matcher had none)."""
    replaced = {c.gene: c for c in outside}
    merged = [replaced.pop(c.gene, c) for c in matched]
    return sorted([*merged, *replaced.values()], key=lambda c: c.gene)
