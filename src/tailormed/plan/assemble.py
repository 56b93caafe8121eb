"""Findings into a care plan: problems, actions, conflicts, decisions and limitations, derived only from the
findings, the record and the ``sdm-options`` knowledge.

Each concern has its own module (:mod:`~tailormed.plan.problems`, :mod:`~tailormed.plan.actions`,
:mod:`~tailormed.plan.conflicts`, :mod:`~tailormed.plan.decisions`, :mod:`~tailormed.plan.limitations`); this one
only joins them. Ids are stable across runs on the same inputs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.knowledge.sdm import SOURCE as SDM_SOURCE
from tailormed.knowledge.sdm import SdmOptions, load_sdm_options
from tailormed.model.careplan import CarePlan
from tailormed.model.finding import Finding, NotAssessed
from tailormed.model.patient import Patient
from tailormed.plan.actions import actions
from tailormed.plan.conflicts import conflicts
from tailormed.plan.decisions import build_decisions
from tailormed.plan.facts import current_drug_names
from tailormed.plan.limitations import limitations as plan_limitations
from tailormed.plan.problems import is_actionable, problems
from tailormed.version import __version__

__all__ = ["assemble_plan", "is_actionable", "load_decision_knowledge"]


def load_decision_knowledge(bundle: KnowledgeBundle | None = None) -> tuple[SdmOptions, str]:
    """The option grids and their version, from ``bundle`` or else the curated core shipped in the package."""
    bundle = bundle if bundle is not None and bundle.has(SDM_SOURCE) else KnowledgeBundle(None, None, curated_sources())
    return load_sdm_options(bundle), bundle.source(SDM_SOURCE).version


def assemble_plan(
    patient: Patient,
    findings: Sequence[Finding],
    *,
    inputs: Mapping[str, str],
    knowledge: Mapping[str, str],
    generated_at: datetime,
    limitations: Iterable[NotAssessed] = (),
    bundle: KnowledgeBundle | None = None,
) -> CarePlan:
    """The care plan for ``patient`` from the engines' findings.

    ``limitations`` adds what the run itself could not do (e.g. no genome given, an engine that did not apply);
    the findings' own not-assessed items are added to it, each listed once. Decisions use the ``sdm-options``
    source of ``bundle`` (the curated core when None); its version is recorded when a decision was made.
    """
    on_list = current_drug_names(patient)
    options, version = load_decision_knowledge(bundle)
    decisions = build_decisions(patient, findings, options)
    versions = dict(knowledge)
    if decisions:
        versions[SDM_SOURCE] = version
    return CarePlan(
        patient_id=patient.id,
        generated_at=generated_at,
        tailormed_version=__version__,
        knowledge=versions,
        inputs=dict(inputs),
        findings=list(findings),
        problems=problems(patient, findings),
        actions=actions(findings, on_list, decisions),
        conflicts=conflicts(findings, on_list),
        decisions=decisions,
        limitations=plan_limitations(limitations, findings),
    )
