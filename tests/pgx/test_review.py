"""Medication review with phenoconversion, and the findings built from it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from tailormed.engines.pgx.findings import PgxKnowledge, pgx_findings
from tailormed.engines.pgx.phenotype import phenotype_all
from tailormed.engines.pgx.review import review_medications
from tailormed.errors import KnowledgeError
from tailormed.knowledge.importers import pharmcat_guidelines, pharmcat_phenotypes
from tailormed.knowledge.pgx.dosing import read_warfarin
from tailormed.knowledge.pgx.guidelines import read_guidelines
from tailormed.knowledge.pgx.interactions import (
    CURATED_FOLDER,
    PHENOCONVERSION_FILE,
    PhenoconversionRules,
    parse_phenoconversion,
    read_phenoconversion,
)
from tailormed.knowledge.pgx.phenotypes import read_phenotypes
from tailormed.model.finding import Priority
from tailormed.model.patient import Demographics, Medication, Observation, Patient, Route
from tailormed.model.pgx import CallOrigin, CallStatus, Diplotype, GeneCall, RecommendationStatus


@pytest.fixture(scope="module")
def knowledge(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> PgxKnowledge:
    out = tmp_path_factory.mktemp("kb")
    phenotype_root = pharmcat_phenotypes.detect(shared_data)
    guideline_root = pharmcat_guidelines.detect(shared_data)
    assert phenotype_root is not None and guideline_root is not None
    pharmcat_phenotypes.build(phenotype_root, out / "p")
    pharmcat_guidelines.build(guideline_root, out / "g")
    return PgxKnowledge(
        phenotypes=read_phenotypes(out / "p" / "phenotypes.json"),
        guidelines=read_guidelines(out / "g" / "guidelines.json"),
        phenoconversion=read_phenoconversion(),
        warfarin=read_warfarin(),
    )


PHENOCONVERSION = CURATED_FOLDER / PHENOCONVERSION_FILE


def call(gene: str, a: str, b: str) -> GeneCall:
    return GeneCall(sample="s", gene=gene, status=CallStatus.CALLED, diplotypes=[Diplotype(allele1=a, allele2=b)],
                    origin=CallOrigin.OUTSIDE_CALL if gene == "CYP2D6" else CallOrigin.MATCHER)


def _cpic(reviewed: object) -> object:
    return next(g for g in reviewed if g.source == "CPIC")  # type: ignore[attr-defined]


def _curated_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(PHENOCONVERSION.read_text(encoding="utf-8"))
    return data


def _entry(data: dict[str, Any], drug: str, gene: str = "CYP2D6") -> dict[str, Any]:
    entry: dict[str, Any] = next(p for p in data["perpetrators"] if p["drug"] == drug and p["gene"] == gene)
    return entry


@pytest.fixture(scope="module")
def unknown_strength() -> PhenoconversionRules:
    """The curated rules with abiraterone's CYP2D6 strength and fold change left out: a CYP2D6 inhibitor of unknown
    strength, as an entry no source gives a class or a measurement for."""
    data = _curated_data()
    entry = _entry(data, "abiraterone")
    entry["strength"] = None
    del entry["auc_fold"], entry["auc_substrate"]
    return parse_phenoconversion(data, "rules.yaml")


def test_paroxetine_makes_cyp2d6_normal_metabolizer_poor_and_changes_codeine(knowledge: PgxKnowledge) -> None:
    results = phenotype_all([call("CYP2D6", "*1", "*1")], knowledge.phenotypes)
    meds = [Medication(name="codeine"), Medication(name="Paroxetine", rxnorm="32937")]
    review = review_medications(meds, results, knowledge.guidelines, knowledge.phenoconversion, knowledge.phenotypes)
    codeine = review.medications[0]
    assert codeine.medication == "codeine" and codeine.guidance_changed
    (change,) = codeine.phenoconversions
    # the record does not say how paroxetine is taken: it is applied, and the change says the route was not stated
    assert change.explanation == (
        "CYP2D6 Normal Metabolizer (activity score 2.0) -> Poor Metabolizer (activity score 0.0), "
        "because of Paroxetine (strong CYP2D6 inhibitor); Paroxetine: route not stated, applied as for systemic use "
        "(not applied when the record says skin, eye, ear or nose)"
    )
    genotype = _cpic(codeine.genotype_recommendations)
    effective = _cpic(codeine.effective_recommendations)
    assert genotype.rows[0].text == "Use codeine label recommended age- or weight-specific dosing."
    assert not genotype.actionable
    assert effective.rows[0].text.startswith("Avoid codeine use because of possibility of diminished analgesia.")
    assert effective.actionable and effective.rows[0].classification == "Strong"
    # paroxetine's own CYP2D6 guidance is looked up with the genotype: it does not phenoconvert itself
    paroxetine = review.medications[1]
    assert paroxetine.phenoconversions == [] and paroxetine.effective_recommendations is None


def test_moderate_inhibitor_halves_activity_score(knowledge: PgxKnowledge) -> None:
    # *1/*17: 1.0 + 0.5 = 1.5 (normal); duloxetine x 0.5 = 0.75 -> intermediate, looked up as 0.75
    results = phenotype_all([call("CYP2D6", "*1", "*17")], knowledge.phenotypes)
    meds = [Medication(name="tramadol"), Medication(name="duloxetine")]
    review = review_medications(meds, results, knowledge.guidelines, knowledge.phenoconversion, knowledge.phenotypes)
    (change,) = review.medications[0].phenoconversions
    assert (change.effective_activity_score, change.lookup_activity_score) == ("0.75", "0.75")
    assert change.effective_phenotype == "Intermediate Metabolizer"
    # *1/*41 (1.0 + 0.25 = 1.25) x 0.5 = 0.625: looked up as the next lower intermediate score, 0.5
    results = phenotype_all([call("CYP2D6", "*1", "*41")], knowledge.phenotypes)
    review = review_medications(meds, results, knowledge.guidelines, knowledge.phenoconversion, knowledge.phenotypes)
    (change,) = review.medications[0].phenoconversions
    assert (change.effective_activity_score, change.lookup_activity_score) == ("0.625", "0.5")
    assert "looked up as activity score 0.5" in change.explanation


def test_the_cyp2d6_factors_rest_on_the_cpic_opioid_guideline(knowledge: PgxKnowledge) -> None:
    """Strong x0 and moderate x0.5 are quoted from CPIC (Crews 2021): neither conversion is flagged."""
    results = phenotype_all([call("CYP2D6", "*1", "*17")], knowledge.phenotypes)
    for inhibitor, phenotype in (("paroxetine", "Poor Metabolizer"), ("duloxetine", "Intermediate Metabolizer")):
        meds = [Medication(name="codeine"), Medication(name=inhibitor)]
        review = review_medications(
            meds, results, knowledge.guidelines, knowledge.phenoconversion, knowledge.phenotypes
        )
        (change,) = review.medications[0].phenoconversions
        assert change.effective_phenotype == phenotype and change.unverified == []
        assert "PMID:33387367" in change.citations


def test_only_the_deciding_perpetrators_can_leave_a_conversion_unverified(knowledge: PgxKnowledge) -> None:
    """With the moderate factor marked unverified, paroxetine (strong) still decides CYP2D6 unflagged; duloxetine
    alone decides through the flagged factor."""
    data = yaml.safe_load(PHENOCONVERSION.read_text(encoding="utf-8"))
    data["genes"]["CYP2D6"]["effects"]["moderate_inhibitor"] = {
        "activity_factor": 0.5, "sources": [], "unverified": {"reason": "not read to the sentence"},
    }
    rules = parse_phenoconversion(data, "rules.yaml")
    results = phenotype_all([call("CYP2D6", "*1", "*1")], knowledge.phenotypes)
    meds = [Medication(name="codeine"), Medication(name="paroxetine"), Medication(name="duloxetine")]
    review = review_medications(meds, results, knowledge.guidelines, rules, knowledge.phenotypes)
    (change,) = review.medications[0].phenoconversions
    assert change.effective_phenotype == "Poor Metabolizer" and change.perpetrators == ["paroxetine", "duloxetine"]
    assert change.unverified == []
    review = review_medications([meds[0], meds[2]], results, knowledge.guidelines, rules, knowledge.phenotypes)
    (change,) = review.medications[0].phenoconversions
    assert change.unverified == ["duloxetine (CYP2D6): not read to the sentence"]


def test_omeprazole_leaves_cyp2c19_unassessed_for_clopidogrel(knowledge: PgxKnowledge) -> None:
    """Omeprazole inhibits CYP2C19 (quoted) by an amount no source read states: clopidogrel's guidance for the
    patient as they are now cannot be assessed, and says why; it is never the unchanged normal-metabolizer row."""
    results = phenotype_all([call("CYP2C19", "*1", "*1")], knowledge.phenotypes)
    meds = [Medication(name="clopidogrel"), Medication(name="omeprazole 20 mg")]
    review = review_medications(meds, results, knowledge.guidelines, knowledge.phenoconversion, knowledge.phenotypes)
    clopidogrel = review.medications[0]
    (change,) = clopidogrel.phenoconversions
    assert change.applied and change.effective_phenotype is None and not change.unverified
    assert change.explanation.startswith("CYP2C19 Normal Metabolizer -> cannot be assessed, because of omeprazole")
    assert _cpic(clopidogrel.genotype_recommendations).rows
    now = _cpic(clopidogrel.effective_recommendations)
    assert now.status == RecommendationStatus.NOT_ASSESSED and not now.rows
    (reason,) = [n.reason for n in now.not_assessed if n.item == "CYP2C19"]
    assert reason.startswith(change.explanation.split("; the DPWG")[0])
    differs = reason.split("; the CPIC advice for clopidogrel differs: ")[1]
    assert differs.startswith("Normal Metabolizer: If considering clopidogrel, use at standard dose (75 mg/day)")
    assert "; Poor Metabolizer: Avoid clopidogrel if possible." in differs


def test_abiraterone_halves_the_cyp2d6_activity_score_as_its_measured_fold_change_implies(
    knowledge: PgxKnowledge,
) -> None:
    """Abiraterone raises dextromethorphan's AUC about 2.9-fold: a moderate inhibitor by the FDA's classes (2- to
    under 5-fold), so a CYP2D6 normal metabolizer (2.0) is looked up as an intermediate one (1.0)."""
    results = phenotype_all([call("CYP2D6", "*1", "*1")], knowledge.phenotypes)
    meds = [Medication(name="codeine"), Medication(name="abiraterone", route=Route.ORAL)]
    review = review_medications(meds, results, knowledge.guidelines, knowledge.phenoconversion, knowledge.phenotypes)
    codeine = review.medications[0]
    (change,) = codeine.phenoconversions
    assert change.explanation == (
        "CYP2D6 Normal Metabolizer (activity score 2.0) -> Intermediate Metabolizer (activity score 1.0), "
        "because of abiraterone (moderate CYP2D6 inhibitor)"
    )
    assert change.unverified == [] and {"PMID:23064959", "PMID:33387367"} <= set(change.citations)
    assert any("drug-development-and-drug-interactions-table" in c for c in change.citations)
    now = _cpic(codeine.effective_recommendations)
    assert now.status == RecommendationStatus.MATCHED
    assert now.rows[0].text.startswith("Use codeine label recommended age- or weight-specific dosing.")


def test_terbinafine_makes_a_cyp2d6_normal_metabolizer_poor(knowledge: PgxKnowledge) -> None:
    """Terbinafine raises desipramine's AUC 5-fold (US label): a strong inhibitor by the FDA's classes, so codeine
    is avoided for a CYP2D6 normal metabolizer who takes it."""
    results = phenotype_all([call("CYP2D6", "*1", "*1")], knowledge.phenotypes)
    meds = [Medication(name="codeine"), Medication(name="terbinafine", route=Route.ORAL)]
    review = review_medications(meds, results, knowledge.guidelines, knowledge.phenoconversion, knowledge.phenotypes)
    codeine = review.medications[0]
    (change,) = codeine.phenoconversions
    assert change.explanation == (
        "CYP2D6 Normal Metabolizer (activity score 2.0) -> Poor Metabolizer (activity score 0.0), "
        "because of terbinafine (strong CYP2D6 inhibitor)"
    )
    now = _cpic(codeine.effective_recommendations)
    assert now.rows[0].text.startswith("Avoid codeine use because of possibility of diminished analgesia.")


TOPICAL_NOTE = (
    "terbinafine applied to the skin: its CYP2D6 inhibition is known from systemic (oral) use; not applied"
)


def test_terbinafine_cream_leaves_cyp2d6_and_codeine_advice_as_the_genotype_gives_them(knowledge: PgxKnowledge) -> None:
    """Terbinafine's CYP2D6 inhibition was measured with tablets (250 mg by mouth); a cream on the skin does not
    carry it, so a normal metabolizer keeps normal codeine advice, and the review says why terbinafine was left out."""
    results = phenotype_all([call("CYP2D6", "*1", "*1")], knowledge.phenotypes)
    meds = [Medication(name="codeine"), Medication(name="terbinafine", route=Route.TOPICAL)]
    review = review_medications(meds, results, knowledge.guidelines, knowledge.phenoconversion, knowledge.phenotypes)
    codeine = review.medications[0]
    assert codeine.effective_recommendations is None and not codeine.guidance_changed
    usual = "Use codeine label recommended age- or weight-specific dosing."
    assert _cpic(codeine.recommendations).rows[0].text == usual
    (change,) = codeine.phenoconversions
    assert not change.applied and change.effective_phenotype == "Normal Metabolizer"
    assert change.explanation == f"CYP2D6 Normal Metabolizer (activity score 2.0) kept: {TOPICAL_NOTE}"
    assert review.phenoconversions == [change]
    # the clinician sees it: the codeine finding names it, the phenoconversion finding is routine, not actionable
    patient = Patient(id="p", medications=meds)
    findings = pgx_findings(patient, [call("CYP2D6", "*1", "*1")], knowledge, on=date(2026, 1, 1))
    codeine_finding = next(f for f in findings if "codeine" in f.drugs and f.id.startswith("pgx:codeine:"))
    assert any(TOPICAL_NOTE in i for i in codeine_finding.evidence[0].inputs_used)
    conversion = next(f for f in findings if f.id == "pgx:phenoconversion:CYP2D6")
    assert conversion.priority == Priority.ROUTINE and TOPICAL_NOTE in conversion.title


def test_an_oral_inhibitor_applies_beside_a_cream_which_the_change_names(knowledge: PgxKnowledge) -> None:
    results = phenotype_all([call("CYP2D6", "*1", "*1")], knowledge.phenotypes)
    meds = [
        Medication(name="codeine"),
        Medication(name="terbinafine", route=Route.TOPICAL),
        Medication(name="duloxetine", route=Route.ORAL),
    ]
    review = review_medications(meds, results, knowledge.guidelines, knowledge.phenoconversion, knowledge.phenotypes)
    (change,) = review.medications[0].phenoconversions
    assert change.applied and change.perpetrators == ["duloxetine"]
    assert change.explanation == (
        "CYP2D6 Normal Metabolizer (activity score 2.0) -> Intermediate Metabolizer (activity score 1.0), "
        f"because of duloxetine (moderate CYP2D6 inhibitor); {TOPICAL_NOTE}"
    )


def test_terbinafine_without_a_route_is_applied_and_the_change_says_the_route_is_not_stated(
    knowledge: PgxKnowledge,
) -> None:
    results = phenotype_all([call("CYP2D6", "*1", "*1")], knowledge.phenotypes)
    meds = [Medication(name="codeine"), Medication(name="terbinafine")]
    review = review_medications(meds, results, knowledge.guidelines, knowledge.phenoconversion, knowledge.phenotypes)
    codeine = review.medications[0]
    (change,) = codeine.phenoconversions
    assert change.applied and change.effective_phenotype == "Poor Metabolizer"
    assert change.explanation.endswith(
        "because of terbinafine (strong CYP2D6 inhibitor); terbinafine: route not stated, applied as for systemic "
        "use (not applied when the record says skin, eye, ear or nose)"
    )
    assert _cpic(codeine.effective_recommendations).rows[0].text.startswith("Avoid codeine use")


@pytest.mark.parametrize("route", [Route.OPHTHALMIC, Route.OTIC, Route.NASAL])
def test_eye_ear_and_nose_preparations_are_not_applied(knowledge: PgxKnowledge, route: Route) -> None:
    results = phenotype_all([call("CYP2D6", "*1", "*1")], knowledge.phenotypes)
    meds = [Medication(name="codeine"), Medication(name="paroxetine", route=route)]
    review = review_medications(meds, results, knowledge.guidelines, knowledge.phenoconversion, knowledge.phenotypes)
    (change,) = review.medications[0].phenoconversions
    assert not change.applied and "paroxetine used in the" in change.explanation
    assert review.medications[0].effective_recommendations is None


def test_miconazole_cream_still_acts_on_cyp2c9_as_its_entry_quotes(knowledge: PgxKnowledge) -> None:
    """Miconazole's entry quotes reports of warfarin interactions with the cream (``local_routes: [topical]``): on
    the skin it still leaves CYP2C9 unassessed for piroxicam, and the change says why it was applied."""
    results = phenotype_all([call("CYP2C9", "*1", "*1")], knowledge.phenotypes)
    meds = [Medication(name="piroxicam"), Medication(name="miconazole", route=Route.TOPICAL)]
    review = review_medications(meds, results, knowledge.guidelines, knowledge.phenoconversion, knowledge.phenotypes)
    (change,) = review.medications[0].phenoconversions
    assert change.applied and change.effective_phenotype is None
    assert "miconazole applied to the skin: applied, a source reports the interaction for this use too" in (
        change.explanation
    )


def test_an_unquoted_local_route_is_refused_by_the_loader() -> None:
    data = _curated_data()
    _entry(data, "terbinafine")["local_routes"] = ["topical"]
    with pytest.raises(KnowledgeError, match="local_routes: topical is named by no quote of terbinafine"):
        parse_phenoconversion(data, "rules.yaml")
    _entry(data, "terbinafine")["local_routes"] = ["oral"]
    with pytest.raises(KnowledgeError, match="oral is not a local route"):
        parse_phenoconversion(data, "rules.yaml")


@pytest.mark.parametrize("route", [Route.INTRAVENOUS, Route.TRANSDERMAL, Route.RECTAL, Route.VAGINAL, Route.OTHER])
def test_systemic_and_other_routes_are_applied(knowledge: PgxKnowledge, route: Route) -> None:
    results = phenotype_all([call("CYP2D6", "*1", "*1")], knowledge.phenotypes)
    meds = [Medication(name="codeine"), Medication(name="paroxetine", route=route)]
    review = review_medications(meds, results, knowledge.guidelines, knowledge.phenoconversion, knowledge.phenotypes)
    (change,) = review.medications[0].phenoconversions
    assert change.applied and change.effective_phenotype == "Poor Metabolizer"
    assert ("route 'other'" in change.explanation) == (route == Route.OTHER)


def test_a_cyp2d6_inhibitor_of_unknown_strength_leaves_the_gene_unassessed(
    knowledge: PgxKnowledge, unknown_strength: PhenoconversionRules
) -> None:
    results = phenotype_all([call("CYP2D6", "*1", "*1")], knowledge.phenotypes)
    meds = [Medication(name="codeine"), Medication(name="abiraterone")]
    review = review_medications(meds, results, knowledge.guidelines, unknown_strength, knowledge.phenotypes)
    codeine = review.medications[0]
    assert [c.effect for c in codeine.phenoconversions] == ["CYP2D6 inhibitor of unknown strength"]
    assert _cpic(codeine.effective_recommendations).status == RecommendationStatus.NOT_ASSESSED


def test_a_strong_inhibitor_beside_one_of_unknown_strength_still_sets_the_lowest_result(
    knowledge: PgxKnowledge, unknown_strength: PhenoconversionRules
) -> None:
    """Paroxetine (a strong CYP2D6 inhibitor, x0) makes a poor metabolizer whatever an inhibitor of unknown strength
    adds."""
    results = phenotype_all([call("CYP2D6", "*1", "*1")], knowledge.phenotypes)
    meds = [Medication(name="codeine"), Medication(name="abiraterone"), Medication(name="paroxetine")]
    review = review_medications(meds, results, knowledge.guidelines, unknown_strength, knowledge.phenotypes)
    (change,) = review.medications[0].phenoconversions
    assert change.effective_phenotype == "Poor Metabolizer" and change.perpetrators == ["paroxetine"]


def test_a_strong_cyp2c19_inhibitor_leaves_the_gene_unassessed(knowledge: PgxKnowledge) -> None:
    """Fluconazole's strength is quoted (PKIS), but no source read states what a strong inhibitor does to the
    CYP2C19 phenotype: clopidogrel's current guidance cannot be assessed (never a poor-metabolizer row)."""
    assert knowledge.phenoconversion.genes["CYP2C19"].effects == {}
    results = phenotype_all([call("CYP2C19", "*1", "*1")], knowledge.phenotypes)
    meds = [Medication(name="clopidogrel"), Medication(name="fluconazole")]
    review = review_medications(meds, results, knowledge.guidelines, knowledge.phenoconversion, knowledge.phenotypes)
    clopidogrel = review.medications[0]
    (change,) = [c for c in clopidogrel.phenoconversions if c.gene == "CYP2C19"]
    assert change.effective_phenotype is None and change.effect == "strong CYP2C19 inhibitor of unsourced effect"
    assert change.explanation.startswith(
        "CYP2C19 Normal Metabolizer -> cannot be assessed, because of fluconazole (strong CYP2C19 inhibitor of "
        "unsourced effect: no source read states what a strong inhibitor does to the CYP2C19 result)"
    )
    now = _cpic(clopidogrel.effective_recommendations)
    assert now.status == RecommendationStatus.NOT_ASSESSED and not now.rows


def test_an_inducer_without_a_rule_and_an_inhibitor_of_unknown_strength_leave_the_gene_unassessed(
    knowledge: PgxKnowledge,
) -> None:
    results = phenotype_all([call("CYP2C19", "*1", "*1")], knowledge.phenotypes)
    meds = [Medication(name="clopidogrel"), Medication(name="omeprazole"), Medication(name="rifampin")]
    review = review_medications(meds, results, knowledge.guidelines, knowledge.phenoconversion, knowledge.phenotypes)
    (change,) = review.medications[0].phenoconversions
    assert change.effective_phenotype is None and change.perpetrators == ["omeprazole", "rifampin"]
    assert change.effect == "CYP2C19 inhibitor of unknown strength and strong CYP2C19 inducer of unsourced effect"
    # an inducer alone: no reach either (a result above the genotype's has no bound), so clopidogrel is unassessed
    review = review_medications(
        [meds[0], meds[2]], results, knowledge.guidelines, knowledge.phenoconversion, knowledge.phenotypes
    )
    assert _cpic(review.medications[0].effective_recommendations).status == RecommendationStatus.NOT_ASSESSED


def test_amiodarone_is_a_moderate_cyp2c9_inhibitor_of_unsourced_effect(knowledge: PgxKnowledge) -> None:
    """Its strength is quoted (2023 AF guideline); what a moderate inhibitor does to the CYP2C9 score is not, so a
    CYP2C9 drug whose advice differs between the genotype result and a poor metabolizer is not assessed."""
    rules = knowledge.phenoconversion
    (amiodarone,) = [p for p in rules.perpetrators if p.drug == "amiodarone" and p.gene == "CYP2C9"]
    assert amiodarone.strength == "moderate" and amiodarone.verified and rules.effect(amiodarone) is None
    results = phenotype_all([call("CYP2C9", "*1", "*1")], knowledge.phenotypes)
    meds = [Medication(name="celecoxib"), Medication(name="amiodarone")]
    review = review_medications(meds, results, knowledge.guidelines, rules, knowledge.phenotypes)
    celecoxib = review.medications[0]
    (change,) = [c for c in celecoxib.phenoconversions if c.gene == "CYP2C9"]
    assert change.effect == "moderate CYP2C9 inhibitor of unsourced effect" and not change.unverified
    now = _cpic(celecoxib.effective_recommendations)
    assert now.status == RecommendationStatus.NOT_ASSESSED
    (reason,) = [n.reason for n in now.not_assessed if n.item == "CYP2C9"]
    assert "the CPIC advice for celecoxib differs: " in reason


def test_an_inhibitor_strength_must_agree_with_its_measured_fold_change() -> None:
    """The loader refuses a class the entry's own measurement contradicts (terbinafine's former DPWG 'moderate'
    beside its 5-fold rise), a fold change on a substrate the FDA does not list as a sensitive index substrate, and
    an entry that leaves out the quote of the classes it is read against."""
    data = _curated_data()
    _entry(data, "terbinafine")["strength"] = "moderate"
    with pytest.raises(KnowledgeError, match=r"terbinafine, CYP2D6\): strength moderate, but an AUC fold change of 5 "
                       r"on desipramine makes it a strong inhibitor"):
        parse_phenoconversion(data, "rules.yaml")
    data = _curated_data()
    _entry(data, "abiraterone")["auc_fold"] = 1.5
    with pytest.raises(KnowledgeError, match=r"makes it below the moderate class"):
        parse_phenoconversion(data, "rules.yaml")
    data = _curated_data()
    _entry(data, "mirabegron")["auc_substrate"] = "metoprolol"
    with pytest.raises(KnowledgeError, match=r"'metoprolol' is not a sensitive index substrate of CYP2D6"):
        parse_phenoconversion(data, "rules.yaml")
    data = _curated_data()
    classes = data["strength_definitions"]["sources"][0]
    entry = _entry(data, "abiraterone")
    entry["sources"] = [s for s in entry["sources"] if s != classes]
    with pytest.raises(KnowledgeError, match=r"abiraterone, CYP2D6\): quote the fold-change classes"):
        parse_phenoconversion(data, "rules.yaml")
    data = _curated_data()
    data["strength_definitions"]["sources"] = data["strength_definitions"]["sources"][:1]
    with pytest.raises(KnowledgeError, match=r"index_substrates\.CYP2D6: desipramine, dextromethorphan, nebivolol in "
                       r"no quote"):
        parse_phenoconversion(data, "rules.yaml")
    del data["strength_definitions"]
    with pytest.raises(KnowledgeError, match=r"auc_fold needs strength_definitions"):
        parse_phenoconversion(data, "rules.yaml")


def test_rules_are_checked_when_loaded() -> None:
    source = {"cite": "PMID:12412819", "at": "Abstract", "quote": "Terbinafine administration inhibited CYP2D6"}
    perpetrator = {"drug": "d", "gene": "CYP2D6", "role": "inhibitor", "strength": "strong", "sources": [source]}
    with pytest.raises(KnowledgeError, match=r"perpetrators\[0\]"):
        parse_phenoconversion({"version": "x", "genes": {}, "perpetrators": [perpetrator]}, "rules.yaml")
    # a strength without a source (and without a reason why it has none) is refused
    with pytest.raises(KnowledgeError, match=r"perpetrators\.0\.sources"):
        parse_phenoconversion(
            {"version": "x", "genes": {}, "perpetrators": [{k: v for k, v in perpetrator.items() if k != "sources"}]},
            "rules.yaml",
        )


def test_findings_put_medications_first_with_evidence(knowledge: PgxKnowledge) -> None:
    patient = Patient(
        id="p1",
        demographics=Demographics(age_years=65, race=["White"]),
        observations=[Observation(loinc="8302-2", name="height", value=170, unit="cm"),
                      Observation(loinc="29463-7", name="weight", value=80, unit="kg")],
        medications=[Medication(name="codeine"), Medication(name="paroxetine"), Medication(name="warfarin")],
    )
    calls = [call("CYP2D6", "*1", "*1"), call("CYP2C9", "*1", "*3"),
             call("VKORC1", "rs9923231 reference (C)", "rs9923231 variant (T)"),
             GeneCall(sample="s", gene="CYP2C19", status=CallStatus.NO_CALL, missing_positions=["rs4244285"])]
    findings = pgx_findings(patient, calls, knowledge, on=date(2025, 1, 1),
                            variant_calls={"CYP2C9": ["rs1057910 A/C"]})
    first = findings[0]
    assert first.id == "pgx:codeine:cpic" and first.priority is Priority.ACTIONABLE
    assert first.evidence[0].level == "Strong" and "PMID:33387367" in first.evidence[0].citations
    assert any("because of paroxetine" in i for i in first.evidence[0].inputs_used)
    dose = next(f for f in findings if f.id == "pgx:warfarin:dose")
    assert dose.title == "warfarin: IWPC pharmacogenetic dose 22.4 mg/week (3.20 mg/day)"
    assert "CYP2C9 *1/*3: Intermediate Metabolizer (activity score 1.0)" in dose.evidence[0].inputs_used
    gene = next(f for f in findings if f.id == "pgx:gene:CYP2C9")
    assert gene.evidence[0].inputs_used[0] == "CYP2C9 *1/*3 (rs1057910 A/C)"
    uncalled = next(f for f in findings if f.id == "pgx:gene:CYP2C19")
    assert {n.item for n in uncalled.not_assessed} == {"CYP2C19 rs4244285", "CYP2C19"}
    assert any(f.id == "pgx:phenoconversion:CYP2D6" for f in findings)
    assert all(f.evidence for f in findings)


def test_an_inhibitor_of_unknown_strength_cannot_lower_a_poor_metabolizer(knowledge: PgxKnowledge) -> None:
    """A CYP2C19 poor metabolizer has no function an inhibitor could take away: omeprazole leaves clopidogrel's
    poor-metabolizer guidance standing instead of making it unassessable."""
    results = phenotype_all([call("CYP2C19", "*2", "*2")], knowledge.phenotypes)
    meds = [Medication(name="clopidogrel"), Medication(name="omeprazole 20 mg")]
    review = review_medications(meds, results, knowledge.guidelines, knowledge.phenoconversion, knowledge.phenotypes)
    clopidogrel = review.medications[0]
    assert not [c for c in clopidogrel.phenoconversions if c.applied]
    assert _cpic(clopidogrel.recommendations).rows
    assert _cpic(clopidogrel.recommendations).rows == _cpic(clopidogrel.genotype_recommendations).rows


def test_an_inhibitor_of_unknown_strength_cannot_lower_an_activity_score_of_zero(
    knowledge: PgxKnowledge, unknown_strength: PhenoconversionRules
) -> None:
    """CYP2D6 *4/*4 (activity score 0) on a CYP2D6 inhibitor of unknown strength keeps its codeine guidance."""
    results = phenotype_all([call("CYP2D6", "*4", "*4")], knowledge.phenotypes)
    meds = [Medication(name="codeine"), Medication(name="abiraterone")]
    review = review_medications(meds, results, knowledge.guidelines, unknown_strength, knowledge.phenotypes)
    codeine = review.medications[0]
    assert not [c for c in codeine.phenoconversions if c.applied]
    assert _cpic(codeine.recommendations).rows


def test_an_inhibitor_of_unknown_strength_that_cannot_change_the_advice_keeps_it(knowledge: PgxKnowledge) -> None:
    """CYP2C9 *1/*3 (activity score 1.0) on miconazole: the score can only fall to 0 (0.5 and 0 are poor
    metabolizer scores), and CPIC advises another drug than piroxicam at each, so that advice stands and says
    miconazole cannot change it."""
    results = phenotype_all([call("CYP2C9", "*1", "*3")], knowledge.phenotypes)
    meds = [Medication(name="piroxicam"), Medication(name="miconazole")]
    review = review_medications(meds, results, knowledge.guidelines, knowledge.phenoconversion, knowledge.phenotypes)
    piroxicam = review.medications[0]
    now = _cpic(piroxicam.recommendations)
    assert now.status == RecommendationStatus.MATCHED and now.actionable
    assert now.rows == _cpic(piroxicam.genotype_recommendations).rows and not piroxicam.guidance_changed
    assert now.range_note == (
        "miconazole (CYP2C9 inhibitor of unknown strength) cannot change this advice for piroxicam: it is the same "
        "for Intermediate Metabolizer (activity score 1.0), Poor Metabolizer (activity score 0.5), "
        "Poor Metabolizer (activity score 0.0)"
    )
    (change,) = piroxicam.phenoconversions
    assert change.explanation.endswith("; it cannot change the CPIC advice for piroxicam")


def test_an_intermediate_metabolizer_on_omeprazole_is_not_assessed_for_clopidogrel(knowledge: PgxKnowledge) -> None:
    """CYP2C19 *1/*2 on omeprazole could be an intermediate or a poor metabolizer, and the guidelines word
    clopidogrel's advice differently for the two (CPIC: avoid standard dose vs avoid clopidogrel): not assessed,
    naming both."""
    results = phenotype_all([call("CYP2C19", "*1", "*2")], knowledge.phenotypes)
    meds = [Medication(name="clopidogrel"), Medication(name="omeprazole")]
    review = review_medications(meds, results, knowledge.guidelines, knowledge.phenoconversion, knowledge.phenotypes)
    now = _cpic(review.medications[0].recommendations)
    assert now.status == RecommendationStatus.NOT_ASSESSED and not now.rows
    (reason,) = [n.reason for n in now.not_assessed if n.item == "CYP2C19"]
    differs = reason.split("; the CPIC advice for clopidogrel differs: ")[1]
    assert differs.startswith("Intermediate Metabolizer: ") and "; Poor Metabolizer: Avoid clopidogrel" in differs
    assert "Avoid standard dose (75 mg) clopidogrel if possible. Use prasugrel or ticagrelor at standard dose if no " \
        "contraindication. (CVI ACS PCI)" in differs.split("; Poor")[0]


def test_cyp2d6_intermediate_metabolizer_on_an_inhibitor_of_unknown_strength_is_not_assessed_for_codeine(
    knowledge: PgxKnowledge, unknown_strength: PhenoconversionRules
) -> None:
    """CYP2D6 *1/*4 (activity score 1.0) on an inhibitor of unknown strength: down to 0.25 codeine keeps label
    dosing, at 0 it is avoided, so codeine's guidance cannot be assessed and names both advices."""
    results = phenotype_all([call("CYP2D6", "*1", "*4")], knowledge.phenotypes)
    meds = [Medication(name="codeine"), Medication(name="abiraterone")]
    review = review_medications(meds, results, knowledge.guidelines, unknown_strength, knowledge.phenotypes)
    now = _cpic(review.medications[0].recommendations)
    assert now.status == RecommendationStatus.NOT_ASSESSED
    (reason,) = [n.reason for n in now.not_assessed if n.item == "CYP2D6"]
    assert reason.endswith(
        "the CPIC advice for codeine differs: Intermediate Metabolizer (activity score 1.0), Intermediate Metabolizer "
        "(activity score 0.75), Intermediate Metabolizer (activity score 0.5), Intermediate Metabolizer (activity "
        "score 0.25): Use codeine label recommended age- or weight-specific dosing. If no response and opioid use is "
        "warranted, consider a non-tramadol opioid. (general); Poor Metabolizer (activity score 0.0): Avoid codeine "
        "use because of possibility of diminished analgesia. If opioid use is warranted, consider a non-tramadol "
        "opioid. (general)"
    )
