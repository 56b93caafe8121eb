"""Loading the ``risk-equations`` source from a knowledge bundle into typed models."""

from __future__ import annotations

from dataclasses import dataclass

from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.files import parse_model
from tailormed.knowledge.risk import SOURCE
from tailormed.knowledge.risk.coefficients import COEFFICIENTS_FILE, Coefficients
from tailormed.knowledge.risk.integration import INTEGRATION_FILE, IntegrationRules
from tailormed.knowledge.risk.spec import EQUATIONS_FILE, EquationFacts


@dataclass(frozen=True)
class RiskKnowledge:
    """Everything the risk engine reads, with the source's name and version for evidence."""

    coefficients: Coefficients
    facts: EquationFacts
    integration: IntegrationRules
    source: str
    version: str


def load_risk_knowledge(bundle: KnowledgeBundle, source: str = SOURCE) -> RiskKnowledge:
    return RiskKnowledge(
        coefficients=parse_model(
            bundle.read_json(source, COEFFICIENTS_FILE), Coefficients, COEFFICIENTS_FILE, _where(bundle, source)
        ),
        facts=parse_model(
            bundle.read_yaml(source, EQUATIONS_FILE), EquationFacts, EQUATIONS_FILE, _where(bundle, source)
        ),
        integration=parse_model(
            bundle.read_yaml(source, INTEGRATION_FILE), IntegrationRules, INTEGRATION_FILE, _where(bundle, source)
        ),
        source=source,
        version=bundle.source(source).version,
    )


def _where(bundle: KnowledgeBundle, source: str) -> str:
    return f"{bundle.location}: source {source}"
