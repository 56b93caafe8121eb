"""What this plan does not tell you: the engines' and the run's not-assessed items, plus what the plan itself
cannot use (research-grade findings, scores not validated in the patient's ancestry)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tailormed.model.finding import Finding, NotAssessed
from tailormed.model.payloads import PolygenicScoreData


def limitations(run_items: Iterable[NotAssessed], findings: Sequence[Finding]) -> list[NotAssessed]:
    """Every item once (by item and reason), the run's first, then each finding's, then the plan's own."""
    items = [*run_items, *(item for f in findings for item in f.not_assessed)]
    for finding in findings:
        items += _plan_limits(finding)
    seen: dict[tuple[str, str], NotAssessed] = {}
    for item in items:
        seen.setdefault((item.item, item.reason), item)
    return list(seen.values())


def _plan_limits(finding: Finding) -> list[NotAssessed]:
    out = []
    if finding.research_only:
        out.append(
            NotAssessed(
                item=finding.title,
                reason="research-grade result, not clinically confirmed; not used for problems or actions",
            )
        )
    data = finding.data
    if isinstance(data, PolygenicScoreData) and data.ancestry_validated is False:
        out.append(
            NotAssessed(
                item=f"{data.pgs_id} ({data.trait})",
                reason="score not validated in the patient's genetic ancestry; its percentile may mislead",
            )
        )
    return out
