"""The diagnosis result phrased as care-plan findings: one per candidate disease (a disease to consider, never a
diagnosis) and one work-up finding with the features to examine next and the genetic test that fits."""

from __future__ import annotations

from tailormed.engines.diagnosis.rank import DiagnosisResult, Ranker
from tailormed.model.diagnosis import GeneTestAdvice, GeneTestKind
from tailormed.model.finding import Domain, Evidence, Finding, NotAssessed, Priority
from tailormed.model.payloads import DiagnosisCandidateData, DiagnosisWorkupData

CITATIONS = (
    "PMID:32755546 (LIRICAL, Robinson et al. AJHG 2020)",
    "PMID:37953324 (HPO, Gargano et al. NAR 2024)",
)
LEVEL = {
    Ranker.COMBINED: "likelihood-ratio and similarity evidence, weights fitted by cross-validation",
    Ranker.LR: "likelihood-ratio ranking (LIRICAL model)",
    Ranker.SIMILARITY: "semantic-similarity ranking (Resnik best-match average)",
}


def findings_from_result(result: DiagnosisResult, *, source: str = "HPO") -> list[Finding]:
    """Informational findings: the candidates, then the work-up (when the ranking gives probabilities)."""
    inputs = [f"observed {t}" for t in result.observed_terms] + [f"excluded {t}" for t in result.excluded_terms]
    not_assessed = [*result.not_used]
    if not result.variant_mode:
        not_assessed.append(NotAssessed(item="genotype", reason="no variants used for this ranking"))
    evidence = Evidence(
        source=source,
        version=result.hpo_version,
        level=LEVEL[result.ranker],
        citations=list(CITATIONS),
        inputs_used=inputs,
        not_assessed=not_assessed,
    )
    findings = []
    scope = f"{result.diseases_ranked} {'/'.join(result.databases)} diseases"
    for candidate in result.candidates:
        probability = min(max(candidate.post_test_probability or 0.0, 0.0), 1.0)
        genes = f" (genes: {', '.join(candidate.genes)})" if candidate.genes else ""
        findings.append(
            Finding(
                id=f"diagnosis:{candidate.disease_id}",
                domain=Domain.DIAGNOSIS,
                title=f"Candidate diagnosis to consider #{candidate.rank}: {candidate.disease_name}",
                summary=(
                    f"A candidate diagnosis to consider, not a diagnosis: {candidate.disease_name} "
                    f"[{candidate.disease_id}]{genes} fits the recorded phenotype with probability "
                    f"{probability:.1%} among {scope}. Confirm clinically and with targeted testing."
                ),
                priority=Priority.INFORMATIONAL,
                genes=candidate.genes,
                conditions=[candidate.disease_name],
                data=DiagnosisCandidateData(
                    rank=candidate.rank,
                    disease_id=candidate.disease_id,
                    disease_name=candidate.disease_name,
                    genes=candidate.genes,
                    post_test_probability=probability,
                    explanation=candidate.explanation,
                ),
                evidence=[evidence],
            )
        )
    if result.test is not None:
        findings.append(_workup(result, evidence))
    return findings


def _workup(result: DiagnosisResult, evidence: Evidence) -> Finding:
    assert result.test is not None
    test = result.test
    checks = "; ".join(s.name.lower() for s in result.suggestions)
    if test.test is GeneTestKind.EXOME:
        genes = f"exome or genome sequencing, analysed with these phenotypes (top genes {_shares(test, 5)})"
    else:
        genes = f"{test.test.value}: {_shares(test, 10)}"
    summary = (f"Check for: {checks}. " if checks else "") + f"Suggested test: {genes}. Why: {test.reasoning}"
    return Finding(
        id="diagnosis:workup",
        domain=Domain.DIAGNOSIS,
        title="Next steps for the differential diagnosis: what to examine and which test to order",
        summary=summary,
        priority=Priority.INFORMATIONAL,
        genes=[g.gene for g in test.genes[:10]],
        data=DiagnosisWorkupData(suggestions=result.suggestions, test=test),
        evidence=[evidence],
    )


def _shares(test: GeneTestAdvice, count: int) -> str:
    return ", ".join(f"{g.gene} {g.share:.0%}" for g in test.genes[:count])
