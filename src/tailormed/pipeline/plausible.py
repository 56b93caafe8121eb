"""The plausibility ranges intake holds a run's records to, taken from the run's knowledge bundle.

Intake sits below knowledge, so it never reads the ranges itself: every command, the cohort runner and the service
hand it these, from the bundle they were given (the curated core's NCD-RisC ranges, or a site's own file built into
the bundle). A bundle that holds no ranges is a KnowledgeError, never a run without the check.
"""

from __future__ import annotations

from tailormed.intake.plausible import Plausibility
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.plausible import RANGES_FILE, SOURCE, load_plausible_ranges


def plausibility(bundle: KnowledgeBundle) -> Plausibility:
    """The bundle's ranges as intake applies them (built once per bundle); errors cite them by source and version."""

    def build() -> Plausibility:
        ranges = load_plausible_ranges(bundle)
        named = f"{SOURCE}: {bundle.source(SOURCE).version}"
        return Plausibility.of(ranges.ranges, source=str(bundle.path(SOURCE, RANGES_FILE)), named=named)

    return bundle.loaded(("intake", SOURCE), build)
