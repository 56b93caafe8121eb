"""The clinical-risk engine entry: equations from the record, integrated with polygenic and hereditary findings.

The engine declares that it needs the ``prs`` and ``hereditary`` runs; their findings are handed to
:func:`tailormed.engines.risk.integrate.integrate`. Without a genome the equations stand alone and the limitations
say that genetics was not taken into account.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tailormed.engines.risk.integrate import integrate
from tailormed.engines.risk.results import equation_results
from tailormed.knowledge.risk import SOURCE
from tailormed.knowledge.risk.load import load_risk_knowledge
from tailormed.model.engine import EngineRun
from tailormed.model.finding import Finding, NotAssessed
from tailormed.pipeline.engine_api import EngineSpec, PatientContext

#: (label, engine name) of the engines whose findings the integration reads.
GENETIC_ENGINES = (("polygenic scores", "prs"), ("hereditary findings", "hereditary"))


@dataclass
class GeneticContext:
    """Findings of the genetic engines, and what they (or the lack of a genome) left out."""

    polygenic: list[Finding] = field(default_factory=list)
    hereditary: list[Finding] = field(default_factory=list)
    limitations: list[NotAssessed] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)


def genetic_findings(ctx: PatientContext) -> GeneticContext:
    """The polygenic and hereditary engines' findings, from their runs (declared needs of this engine)."""
    found = GeneticContext()
    if ctx.evidence is None:
        found.limitations.append(
            NotAssessed(item="genetic adjustment of risks", reason="no genome VCF: equations without genetics")
        )
        return found
    for _, name in GENETIC_ENGINES:
        run = ctx.earlier[name]
        found.versions.update(run.versions)
        target = found.polygenic if name == "prs" else found.hereditary
        target += run.findings
    return found


def risk_engine(ctx: PatientContext) -> EngineRun:
    """Equations from the record, the genetic engines' findings when a genome is given, integration and what-ifs."""
    knowledge = load_risk_knowledge(ctx.knowledge)
    results, limitations = equation_results(ctx.patient, ctx.on, knowledge)
    genetics = genetic_findings(ctx)
    findings = integrate(results, genetics.polygenic, genetics.hereditary, knowledge)
    if not results:
        limitations.append(
            NotAssessed(item="clinical risk equations", reason="no equation could be computed from the record")
        )
    return EngineRun(
        findings=findings,
        limitations=[*limitations, *genetics.limitations],
        versions={SOURCE: knowledge.version},
        inputs={"risk_date": ctx.on.isoformat()},
    )


ENGINE = EngineSpec(name="risk", run=risk_engine, needs=("prs", "hereditary"))
