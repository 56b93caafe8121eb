"""The clinical-risk pipeline: equations from the record, integrated with polygenic and hereditary findings.

With a VCF, the polygenic-score and hereditary engines (when installed) are run on the same context and their
findings handed to :func:`tailormed.engines.risk.integrate.integrate`; without one, the equations stand alone and
the limitations say that genetics was not taken into account.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

from tailormed.engines.risk.integrate import integrate
from tailormed.engines.risk.results import equation_results
from tailormed.knowledge.risk import SOURCE
from tailormed.knowledge.risk.load import load_risk_knowledge
from tailormed.model.finding import Finding, NotAssessed
from tailormed.pipeline.engine_api import EngineRun, PatientContext

#: (label, module, function) of the engines whose findings the integration reads, imported only when a VCF is given.
GENETIC_ENGINES = (
    ("polygenic scores", "prs", "tailormed.pipeline.prs", "prs_engine"),
    ("hereditary findings", "hereditary", "tailormed.pipeline.hereditary", "hereditary_engine"),
)


@dataclass
class GeneticContext:
    """Findings of the genetic engines that ran, and why the others did not."""

    polygenic: list[Finding] = field(default_factory=list)
    hereditary: list[Finding] = field(default_factory=list)
    limitations: list[NotAssessed] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)


def genetic_findings(ctx: PatientContext) -> GeneticContext:
    """The polygenic and hereditary engines' findings: from their earlier runs in ``analyze``, else run here."""
    found = GeneticContext()
    if ctx.vcf is None:
        found.limitations.append(
            NotAssessed(item="genetic adjustment of risks", reason="no genome VCF: equations without genetics")
        )
        return found
    for label, name, module, function in GENETIC_ENGINES:
        run = ctx.earlier.get(name)
        if run is None:
            runner = _load(module, function)
            if runner is None:
                found.limitations.append(
                    NotAssessed(item=label, reason="engine not installed; risks not adjusted for it")
                )
                continue
            run = runner(ctx)
            found.limitations += [
                NotAssessed(item=n.item if n.item == label else f"{label}: {n.item}", reason=n.reason)
                for n in run.limitations
            ]
        found.versions.update(run.versions)
        target = found.polygenic if name == "prs" else found.hereditary
        target += run.findings
    return found


def _load(module: str, function: str) -> Callable[[PatientContext], EngineRun] | None:
    try:
        loaded = import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module.startswith(exc.name):
            return None
        raise
    runner: Callable[[PatientContext], EngineRun] | None = getattr(loaded, function, None)
    return runner


@dataclass
class RiskRun:
    """The engine's contribution to a care plan, and the same risks as the JSON ``risk assess`` writes."""

    run: EngineRun
    json: str


def risk_engine(ctx: PatientContext) -> EngineRun:
    """Clinical risk equations for the patient, integrated with genetics, with what-if scenarios."""
    return assess_risks(ctx).run


def assess_risks(ctx: PatientContext) -> RiskRun:
    """Equations from the record, the genetic engines' findings when a VCF is given, integration and what-ifs."""
    knowledge = load_risk_knowledge(ctx.bundle)
    results, limitations = equation_results(ctx.patient, ctx.on, knowledge)
    genetics = genetic_findings(ctx)
    findings = integrate(results, genetics.polygenic, genetics.hereditary, knowledge)
    if not results:
        limitations.append(
            NotAssessed(item="clinical risk equations", reason="no equation could be computed from the record")
        )
    payload = {
        "patient": ctx.patient.id,
        "on": ctx.on.isoformat(),
        "knowledge": {SOURCE: knowledge.version, **genetics.versions},
        "risks": [
            {"id": f.id, "title": f.title, "summary": f.summary, **f.data.model_dump(mode="json", exclude={"kind"})}
            for f in findings
            if f.data is not None
        ],
        "not_assessed": [n.model_dump(mode="json") for n in [*limitations, *genetics.limitations]],
    }
    run = EngineRun(
        findings=findings,
        limitations=[*limitations, *genetics.limitations],
        versions={SOURCE: knowledge.version},
        inputs={"risk_date": ctx.on.isoformat()},
    )
    return RiskRun(run=run, json=json.dumps(payload, indent=1, ensure_ascii=False) + "\n")
