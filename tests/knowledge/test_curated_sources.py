"""Every curated clinical fact carries its source and the source's own words (issue 13).

The test walks every curated source of the manifest. A source listed in ``ENFORCED`` is read through its loader
(whose pydantic models already refuse a fact without ``sources``), and then every fact (:class:`Sourced`) is checked:
it has quoted sources or says why not; its citations are well formed; each number it states appears in one of its
quotes or is derived from quoted numbers by the arithmetic it shows; quotes from the shared development data,
the shared notes and the ClinPGx guideline annotations are found word for word in those files; the PGx core's quotes of
PharmCAT's definition and phenotype tables are found cell for cell in those tables and say what the core says.
"""

from __future__ import annotations

import copy
import html
import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from tailormed.errors import KnowledgeError
from tailormed.knowledge.bundle import CURATED_DIR, KnowledgeBundle, curated_sources
from tailormed.knowledge.files import read_json
from tailormed.knowledge.hereditary.management import load_management
from tailormed.knowledge.markers import marker_sources
from tailormed.knowledge.medicines import read_medicines
from tailormed.knowledge.onco.core import (
    curated_rows,
    defined_type_entries,
    gene_table,
    regimen_entries,
    thresholds,
    unquoted_extent,
)
from tailormed.knowledge.pgs_catalog import load_panel
from tailormed.knowledge.pgx.copy_number import load_copy_number
from tailormed.knowledge.pgx.core_sources import (
    REQUIRED_POSITIONS,
    CoreGeneDefinition,
    CoreGenePhenotypes,
    core_definitions,
    core_guideline_rows,
    core_phenotypes,
    definition_quotes,
    exemption_quotes,
    phenotype_quotes,
)
from tailormed.knowledge.pgx.dosing import load_warfarin
from tailormed.knowledge.pgx.interactions import PHENOCONVERSION_FILE, load_phenoconversion, parse_phenoconversion
from tailormed.knowledge.plausible import load_plausible_ranges
from tailormed.knowledge.risk.load import load_risk_knowledge
from tailormed.knowledge.risk.spec import ModelFacts
from tailormed.knowledge.sdm import load_sdm_options
from tailormed.knowledge.sourcing import Sourced, SourceQuote, evaluate, numbers_in
from tailormed.knowledge.warfarin import load_knowledge as load_warfarin_baselines
from tailormed.model.enums import DiseaseExtent

Loader = Callable[[KnowledgeBundle], list[BaseModel]]

#: Curated sources whose every fact must be sourced, with the loader that reads them into their models.
ENFORCED: dict[str, Loader] = {
    "build-markers": lambda b: [marker_sources(b)],
    "pgx-phenoconversion": lambda b: [load_phenoconversion(b)],
    "pgx-copy-number": lambda b: [load_copy_number(b)],
    "warfarin-dosing": lambda b: [load_warfarin(b), load_warfarin_baselines(b).baselines],
    "prs-panel": lambda b: [load_panel(b)],
    "risk-equations": lambda b: [load_risk_knowledge(b).facts, load_risk_knowledge(b).integration],
    "sdm-options": lambda b: [load_sdm_options(b)],
    "hereditary-management": lambda b: [load_management(b)],
    "medicines": lambda b: [read_medicines()],
    "plausible-ranges": lambda b: [load_plausible_ranges(b)],
    # evidence rows and cut-offs are facts; genes.yaml entries are walked for the sources some carry, and
    # crosswalk.yaml is an identifier mapping (docs/data-sources.md, "onco-core: clinical facts and reference mappings")
    "onco-core": lambda b: [curated_rows(b), thresholds(b), gene_table(b), defined_type_entries(b), regimen_entries(b)],
    # the YAML sources of the compiled core (definitions.yaml + generated.yaml, functions.yaml + generated.yaml,
    # guidelines.yaml + cpic-dpwg.yaml + fda.yaml); scripts/compile_pgx_core.py --check keeps the compiled files equal
    "pgx-core-definitions": lambda b: [core_definitions(b)],
    "pgx-core-phenotypes": lambda b: [core_phenotypes(b)],
    "pgx-core-guidelines": lambda b: [core_guideline_rows(b)],
}

#: Sources that copy a published reference table (a vocabulary, not clinical facts) with a generator script; their
#: provenance is the manifest record (citation and URL), checked below.
REFERENCE_TABLES = {"oncotree"}

#: Numbers in a ``derived`` expression that are arithmetic (units: per cent, days a week, months a year).
_ARITHMETIC = {1.0, 7.0, 12.0, 100.0}
#: Words that state a one-year period when the quote gives a rate per year rather than the number 1.
_ONE_YEAR = re.compile(r"per year|person-years|year 1\b|12 months|12-month", re.IGNORECASE)
EN_DASH = "\u2013"
_ANNOTATION = re.compile(r"^https://www\.pharmgkb\.org/guidelineAnnotation/(PA\d+)$")


@pytest.fixture(scope="module")
def core() -> KnowledgeBundle:
    return KnowledgeBundle(None, None, curated_sources())


def facts(node: object, path: str = "") -> Iterator[tuple[str, Sourced]]:
    """Every :class:`Sourced` in a model tree, with where it sits."""
    if isinstance(node, Sourced):
        yield path or "(root)", node
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from facts(getattr(node, name), f"{path}.{name}" if path else name)
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from facts(value, f"{path}[{key}]")
    elif isinstance(node, list | tuple):
        for index, value in enumerate(node):
            yield from facts(value, f"{path}[{index}]")


def enforced_facts(bundle: KnowledgeBundle) -> Iterator[tuple[str, str, Sourced]]:
    for source, loader in ENFORCED.items():
        for root in loader(bundle):
            for path, fact in facts(root):
                yield source, path, fact


def _matches(value: float, quoted: list[float]) -> bool:
    target = abs(value)
    return any(abs(n - target) < 1e-9 or abs(n / 100 - target) < 1e-9 or abs(n * 100 - target) < 1e-9 for n in quoted)


def number_problems(fact: Sourced) -> list[str]:
    """The claimed numbers of ``fact`` that neither appear in its quotes nor are derived from quoted numbers."""
    if fact.unverified is not None or not fact.states_a_fact():
        return []
    quoted = [n for source in fact.sources for n in numbers_in(source.quote)]
    one_year = any(_ONE_YEAR.search(source.quote) for source in fact.sources)
    problems = []
    for field in type(fact).claims:
        value = getattr(fact, field)
        values = value.values() if isinstance(value, dict) else [value]
        for item in values:
            if item is None or item == 0 or isinstance(item, bool) or _matches(float(item), quoted):
                continue
            if field == "years" and item == 1 and one_year:
                continue
            expression = fact.derived.get(field)
            if expression is None:
                problems.append(f"{field}={item} is in no quote and not derived")
                continue
            derived = evaluate(expression)
            if abs(derived - float(item)) > 0.005 + 0.005 * abs(float(item)):
                problems.append(f"{field}={item} but {expression!r} gives {derived:.4g}")
            literals = numbers_in(expression)
            for literal in literals:
                if literal not in _ARITHMETIC and not _matches(literal, quoted):
                    problems.append(f"{field}: {literal} in {expression!r} is in no quote")
            if not any(_matches(literal, quoted) for literal in literals):
                problems.append(f"{field}: {expression!r} uses no quoted number")
    return problems


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def shared_root() -> Path | None:
    path = Path(os.environ.get("TAILORMED_SHARED_DATA", CURATED_DIR.parents[4] / "shared" / "data"))
    if path.is_dir():
        return path
    if os.environ.get("CI") == "true":
        pytest.fail(f"shared development data not found at {path} (set TAILORMED_SHARED_DATA)")
    return None


def _annotation_texts(data_root: Path) -> dict[str, str]:
    """ClinPGx guideline annotations of the shared data: annotation id -> all its recommendation texts."""
    texts = {}
    for path in sorted((data_root / "pgx" / "pharmcat").glob("guidelines_*/*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        url = str(data.get("guideline", {}).get("url", ""))
        words = []
        for row in data.get("recommendations", []):
            words.append(html.unescape(re.sub(r"<[^>]+>", " ", row.get("text", {}).get("html", ""))))
            words += row.get("implications") or []
        texts[url.rsplit("/", 1)[-1]] = _normal(" ".join(words))
    return texts


def quote_problems(source: SourceQuote, data_root: Path, annotations: dict[str, str]) -> str | None:
    """A problem when a quote said to come from a file of the shared data or notes, or a ClinPGx annotation of
    the shared data, is not found there word for word (whitespace and case aside)."""
    quote = _normal(source.quote)
    if source.cite.startswith(("Shared data: ", "Shared notes: ")):
        kind, _, relative = source.cite.partition(": ")
        root = data_root if kind == "Shared data" else data_root.parent / "notes"
        path = root / relative
        if not path.is_file():
            return f"{source.cite}: no such file"
        if quote not in _normal(path.read_text(encoding="utf-8")):
            return f"quote not found in {source.cite}: {source.quote[:80]!r}"
    elif (
        (match := _ANNOTATION.match(source.cite)) is not None
        and match.group(1) in annotations
        and quote not in annotations[match.group(1)]
    ):
        return f"quote not found in ClinPGx annotation {match.group(1)}: {source.quote[:80]!r}"
    return None


def test_every_curated_source_is_enforced_or_a_reference_table() -> None:
    records = {record.name: record for record in curated_sources()}
    assert set(ENFORCED) | REFERENCE_TABLES == set(records)
    assert not set(ENFORCED) & REFERENCE_TABLES
    for name in REFERENCE_TABLES:
        assert records[name].citation and records[name].url, name
        assert not [p for p in (CURATED_DIR / name).iterdir() if p.suffix in {".yaml", ".yml", ".json"}], name


def test_every_fact_has_quoted_sources_or_says_why_not(core: KnowledgeBundle) -> None:
    missing, empty = [], []
    for source, path, fact in enforced_facts(core):
        if not fact.sources and fact.unverified is None and not fact.unsourced and fact.states_a_fact():
            missing.append(f"{source} {path}")
        for quote in fact.sources:
            if len(quote.quote.strip()) < 8 or _normal(quote.quote) == _normal(quote.at):
                empty.append(f"{source} {path}: {quote.cite}")
    assert not missing, "facts without sources: " + "; ".join(missing)
    assert not empty, "quotes that quote nothing: " + "; ".join(empty)


def test_every_stated_number_is_quoted_or_derived_from_quotes(core: KnowledgeBundle) -> None:
    problems = [f"{source} {path}: {p}" for source, path, fact in enforced_facts(core) for p in number_problems(fact)]
    assert not problems, "\n".join(problems)


def test_quotes_from_shared_files_and_annotations_are_verbatim(core: KnowledgeBundle) -> None:
    data_root = shared_root()
    if data_root is None:
        pytest.skip("shared development data not available (set TAILORMED_SHARED_DATA)")
    annotations = _annotation_texts(data_root)
    problems = [
        f"{source} {path}: {problem}"
        for source, path, fact in enforced_facts(core)
        for quote in fact.sources
        if (problem := quote_problems(quote, data_root, annotations)) is not None
    ]
    assert not problems, "\n".join(problems)


def test_every_oncology_extent_is_named_in_its_quotes(core: KnowledgeBundle) -> None:
    """An indication's extent of disease (metastatic; locally advanced or metastatic; early for adjuvant use) is read
    from the label's words, and a row whose quotes lose the word is refused by its model."""
    rows = [row for row in curated_rows(core).rows if row.extent]
    assert len(rows) >= 100
    problems = [f"{row.id}: {p}" for row in rows if (p := unquoted_extent(row.extent, [s.quote for s in row.sources]))]
    assert not problems, "\n".join(problems)
    [row] = [row for row in rows if row.id == "crc-braf-v600e-encorafenib-cetuximab"]
    assert row.extent == [DiseaseExtent.METASTATIC]
    reworded = row.model_dump(mode="json", exclude_none=True)
    for source in reworded["sources"]:
        source["quote"] = source["quote"].replace("metastatic", "advanced")
    with pytest.raises(ValidationError, match="extent 'metastatic' is named in none of its quotes"):
        type(row).model_validate(reworded)


def test_a_regimen_names_each_medicine_in_its_quotes(core: KnowledgeBundle) -> None:
    [mfolfox6] = [r for r in regimen_entries(core).regimens if r.name == "mFOLFOX6"]
    assert mfolfox6.drugs == ["oxaliplatin", "leucovorin", "fluorouracil"]
    wrong = mfolfox6.model_dump(mode="json", exclude_none=True)
    wrong["drugs"] = [*wrong["drugs"], "irinotecan"]
    with pytest.raises(ValidationError, match="'irinotecan' is named in none of its quotes"):
        type(mfolfox6).model_validate(wrong)


def test_malformed_citations_are_refused() -> None:
    good = {"cite": "PMID:21067804", "at": "Summary, Findings", "quote": "a 15% further reduction"}
    SourceQuote.model_validate(good)
    for cite in ("PMID 21067804", "PMID:12", "doi 10.1000/x", "Smith et al. 2020", "PMCID:123", "www.example.org"):
        with pytest.raises(ValidationError):
            SourceQuote.model_validate({**good, "cite": cite})
    for field, value in (("at", ""), ("quote", "short")):
        with pytest.raises(ValidationError):
            SourceQuote.model_validate({**good, field: value})


def test_number_check_catches_a_mistranscribed_number() -> None:
    from tailormed.knowledge.sdm import Effect

    quote = {"cite": "PMID:21830957", "at": "Abstract", "quote": "(hazard ratio, 0.88; 95% CI, 0.74 to 1.03)"}
    assert number_problems(Effect(rr=0.88, rr_low=0.74, rr_high=1.03, sources=(SourceQuote(**quote),))) == []
    wrong = Effect(rr=0.88, rr_low=0.75, rr_high=1.03, sources=(SourceQuote(**quote),))
    assert number_problems(wrong) == ["rr_low=0.75 is in no quote and not derived"]
    derived = Effect(rr=0.85, derived={"rr": "1 - 15/100"}, sources=(SourceQuote(**{**quote, "quote": "a 15% cut"}),))
    assert number_problems(derived) == []
    made_up = Effect(rr=0.85, derived={"rr": "1 - 15/100"}, sources=(SourceQuote(**quote),))
    assert number_problems(made_up) == [
        "rr: 15.0 in '1 - 15/100' is in no quote",
        "rr: '1 - 15/100' uses no quoted number",
    ]


def test_a_fact_without_sources_is_refused_by_its_loader_model() -> None:
    from tailormed.knowledge.hereditary.models import Management

    entry = {"genes": ["VHL"], "condition": "c", "management": "m", "citations": ["x"]}
    with pytest.raises(ValidationError, match="sources"):
        Management.model_validate(entry)
    with pytest.raises(ValidationError, match="needs sources"):
        Management.model_validate({**entry, "sources": []})
    Management.model_validate({**entry, "sources": [], "unverified": {"reason": "not yet read to the sentence"}})


def test_phenoconversion_bands_match_the_pharmcat_tables(core: KnowledgeBundle) -> None:
    """The activity-score bands quote PharmCAT's tables; every score in those tables falls in its phenotype's band."""
    data_root = shared_root()
    if data_root is None:
        pytest.skip("shared development data not available (set TAILORMED_SHARED_DATA)")
    rules = load_phenoconversion(core)
    tables = {"CYP2D6": "phenotype_fallback/CYP2D6.cpic.json", "CYP2C9": "phenotype/CYP2C9.json"}
    for gene, file in tables.items():
        table = read_json(data_root / "pgx" / "pharmcat" / file)
        for row in table["diplotypes"]:
            key = str(row.get("lookupkey") or "").replace("≥", "")
            if re.fullmatch(r"\d+(\.\d+)?", key):
                assert rules.genes[gene].phenotype_for(float(key)) == row["generesult"], (gene, key)


def test_phenoconversion_strengths_rest_on_quoted_fold_changes(core: KnowledgeBundle) -> None:
    """Abiraterone (moderate) and terbinafine (strong) take their CYP2D6 class from a quoted AUC fold change of an
    FDA sensitive index substrate, read against the quoted FDA classes (issue 13). Without the quotes that state the
    fold change the number check fails; without the classes' quote the loader refuses the file."""
    rules = load_phenoconversion(core)
    definitions = rules.strength_definitions
    assert definitions is not None and number_problems(definitions) == []
    for drug, strength, substrate in (("abiraterone", "moderate", "dextromethorphan"),
                                      ("terbinafine", "strong", "desipramine")):
        (entry,) = [p for p in rules.perpetrators if p.drug == drug and p.gene == "CYP2D6"]
        assert entry.auc_fold is not None and entry.auc_substrate == substrate
        assert entry.strength == strength == definitions.inhibitor_strength(entry.auc_fold)
        assert number_problems(entry) == [] and entry.note
        fold = [source for source in entry.sources if entry.auc_fold in numbers_in(source.quote)]
        assert fold, drug
        without = entry.model_copy(update={"sources": tuple(s for s in entry.sources if s not in fold)})
        assert number_problems(without) == [f"auc_fold={entry.auc_fold} is in no quote and not derived"]
    data = copy.deepcopy(core.read_yaml("pgx-phenoconversion", PHENOCONVERSION_FILE))
    data["strength_definitions"]["sources"] = data["strength_definitions"]["sources"][1:]
    with pytest.raises(KnowledgeError, match=r"\(\w+, CYP2D6\): quote the fold-change classes"):
        parse_phenoconversion(data, PHENOCONVERSION_FILE)


def test_every_polygenic_adjustment_has_a_panel_score_with_a_per_sd_effect(core: KnowledgeBundle) -> None:
    """An adjustment no panel score can trigger never fires (the CAD and T2D rules of issue 13)."""
    panel = load_panel(core)
    for rule in load_risk_knowledge(core).integration.polygenic_adjustments:
        assert any(rule.matches(score.trait, score.pgs_id) for score in panel.scores), rule.traits


def risk_limit_problems(model: ModelFacts) -> list[str]:
    """Input limits and class bounds of a risk model that no quote of the model states, unless marked unsourced."""
    quoted = [n for source in model.sources for n in numbers_in(source.quote)]
    problems = []
    for part in ("ranges", "ranges_30_year", "categories", "categories_5_year"):
        value = getattr(model, part, None)
        if not value or part in model.unsourced:
            continue
        bounds = (
            [(f"{name}.{end}", getattr(band, end)) for name, band in value.items() for end in ("low", "high")]
            if isinstance(value, dict)
            else [(f"below {c.category}", c.below) for c in value if c.below < 1]
        )
        problems += [f"{model.title}: {part} {where}={n} is in no quote" for where, n in bounds
                     if n is not None and not _matches(n, quoted)]
    return problems


def test_risk_model_limits_and_classes_are_quoted_unless_marked_unsourced(core: KnowledgeBundle) -> None:
    facts = load_risk_knowledge(core).facts
    models = (facts.pce, facts.prevent, facts.findrisc, facts.gail)
    problems = [problem for model in models for problem in risk_limit_problems(model)]
    assert not problems, "\n".join(problems)
    mistyped = facts.gail.model_copy(
        update={"categories_5_year": [c.model_copy(update={"below": 0.0167}) if c.below < 0.02 else c
                                      for c in facts.gail.categories_5_year]}
    )
    expected = f"{facts.gail.title}: categories_5_year below average=0.0167 is in no quote"
    assert risk_limit_problems(mistyped) == [expected]


def test_management_genes_follow_the_acmg_lists(core: KnowledgeBundle) -> None:
    """Entries cover ACMG SF v3.3; the genes that came only with v3.3 are the ones the table marks 3.3."""
    curated = load_management(core)
    data_root = shared_root()
    if data_root is None:
        pytest.skip("shared development data not available (set TAILORMED_SHARED_DATA)")
    table = (data_root / "risk" / "acmg_sf" / "acmg_sf_v3.3_varfish_index_snapshot.tsv").read_text(encoding="utf-8")
    rows = [line.split("\t") for line in table.splitlines()]
    header = rows[0]
    gene, version = header.index("gene_symbol"), header.index("sf_list_version")
    added = {row[gene] for row in rows[1:] if row[version] == "3.3"}
    listed = {row[gene] for row in rows[1:]}
    assert set(curated.acmg_sf.v3_3_additions) == added
    assert {g for entry in curated.management for g in entry.genes} == listed


def _pharmcat_file(cite: str, folder: str) -> str | None:
    """``definition/alleles/DPYD_translation.json`` from a PharmCAT cite naming a file under ``folder``."""
    prefix = f"PharmCAT: {folder}/"
    return cite.removeprefix("PharmCAT: ").split(",")[0] if cite.startswith(prefix) else None


def _quote_for(fact: CoreGeneDefinition | CoreGenePhenotypes, name: str) -> str:
    return next(s.quote for s in fact.sources if s.at.endswith(f", {name}"))


def test_pgx_core_definitions_quote_pharmcat_and_agree_with_it(core: KnowledgeBundle) -> None:
    """Every allele and position of the core definitions quotes PharmCAT's definition file cell for cell, and the
    core's bases are the quoted ones (a core allele may leave out positions the core does not read)."""
    data_root = shared_root()
    if data_root is None:
        pytest.skip("shared development data not available (set TAILORMED_SHARED_DATA)")
    pharmcat, problems = data_root / "pgx" / "pharmcat", []
    for gene in core_definitions(core):
        for source in gene.sources:
            file = _pharmcat_file(source.cite, "definition/alleles")
            if file is None:
                continue
            table = read_json(pharmcat / file)
            exemption = file.endswith("exemptions.json")
            quoted = exemption_quotes(table[gene.gene]) if exemption else definition_quotes(table)
            if quoted.get(source.at) != source.quote:
                problems.append(f"{gene.gene} {source.at}: {source.quote!r} is not the cell of {file}")
        if gene.required_positions:
            listed = _quote_for(gene, REQUIRED_POSITIONS).split(": ", 1)[1]
            if listed != ", ".join(str(p) for p in gene.required_positions):
                problems.append(f"{gene.gene} required positions {gene.required_positions} vs quote {listed!r}")
        for priority in gene.unphased_priorities:
            if _quote_for(gene, priority.id) != f"{priority.id}: pick {priority.pick}":
                problems.append(f"{gene.gene} {priority.id}: pick {priority.pick} is not the quoted one")
        for name, bases in gene.alleles.items():
            cells = dict(cell.split(" ") for cell in _quote_for(gene, name).split(": ", 1)[1].split(", "))
            problems += [f"{gene.gene} {name}: {r} {b} unquoted" for r, b in bases.items() if cells.get(r) != b]
        for v in gene.variants:
            name = v.name(gene.chromosome)
            expected = f"{name}: {gene.chromosome}:{v.pos} {v.ref}>{'/'.join(v.alts)}"
            if _quote_for(gene, name) != expected:
                problems.append(f"{gene.gene} {name}: core {expected!r} vs quote {_quote_for(gene, name)!r}")
    assert not problems, "\n".join(problems)


def test_pgx_core_phenotype_rules_quote_pharmcat_and_agree_with_it(core: KnowledgeBundle) -> None:
    """Allele functions and phenotype rules quote PharmCAT's phenotype tables, and say what the quote says."""
    data_root = shared_root()
    if data_root is None:
        pytest.skip("shared development data not available (set TAILORMED_SHARED_DATA)")
    pharmcat, problems, checked = data_root / "pgx" / "pharmcat", [], 0
    genes = [fact for fact in core_phenotypes(core) if isinstance(fact, CoreGenePhenotypes)]
    for gene in genes:
        for name, allele in gene.alleles.items():
            for source in allele.sources:
                file = _pharmcat_file(source.cite, "phenotype")
                if file is None:
                    continue
                activity = f", activity value {allele.activity}" if allele.activity else ""
                expected = f"{name}: {allele.function}{activity}"
                if source.quote != expected or source.quote not in phenotype_quotes(read_json(pharmcat / file)):
                    problems.append(f"{gene.gene} {name}: {source.quote!r} (core says {expected!r})")
                checked += 1
        rules = {f"({' + '.join(sorted((a, b)))})": p for a, b, p in gene.pairs}
        rules |= {f"(activity score {s})": p for s, p in gene.scores.items()}
        for source in gene.sources:
            file = _pharmcat_file(source.cite, "phenotype")
            label = next((label for label in rules if label in source.at), None)
            if file is None or label is None:
                continue
            if source.quote not in phenotype_quotes(read_json(pharmcat / file)) or not source.quote.endswith(
                rules[label]
            ):
                problems.append(f"{gene.gene} {label}: {source.quote!r} does not say {rules[label]!r}")
            checked += 1
    assert not problems, "\n".join(problems)
    assert checked > 100


def test_warfarin_label_rows_follow_the_label_table(core: KnowledgeBundle) -> None:
    """Each hand-written warfarin row states the range its quoted label-table row gives for its diplotypes."""
    columns = ["*1/*1", "*1/*2", "*1/*3", "*2/*2", "*2/*3", "*3/*3"]
    rows = [row for row in core_guideline_rows(core) if row.guideline == "core-fda-warfarin"]
    covered = set()
    for row in rows:
        quote = next(s.quote for s in row.sources if s.cite == "PMCID:PMC3351041")
        genotype, *cells = quote.replace(" mg", "").split()
        assert row.when["VKORC1"] == f"-1639 {genotype}"
        for wanted in row.when["CYP2C9"]:
            cell = cells[columns.index(wanted["diplotype"])].replace(EN_DASH, "-")
            assert f"{cell} mg/day" in (row.text or ""), (genotype, wanted)
            covered.add((genotype, wanted["diplotype"]))
    assert len(covered) == 18
