"""``summary.txt``: a short plain-text summary of a care plan (inputs, what to act on now, actions, limitations).

What to act on now is the clinician summary's list (:attr:`ReportView.act_now`): one line per drug and per
biomarker-therapy, lower-tier tumour evidence counted for the clinician report's appendix, never one line per
evidence row."""

from __future__ import annotations

from collections.abc import Sequence

from tailormed.model.careplan import CarePlan
from tailormed.model.patient import Patient
from tailormed.report.text import plain_word
from tailormed.report.view import SummaryLine, build_view


def summary_text(patient: Patient, plan: CarePlan) -> str:
    """A short plain-text summary: inputs, what to act on now, actions, conflicts and limitations."""
    lines = [f"tailormed care plan for {patient.id}" + (f" ({patient.display_name})" if patient.display_name else "")]
    lines.append(f"generated {plan.generated_at.isoformat(timespec='seconds')} by tailormed {plan.tailormed_version}")
    lines += [f"{name}: {value}" for name, value in plan.inputs.items()]
    if plan.knowledge:
        lines.append("knowledge: " + ", ".join(f"{k} {v}" for k, v in sorted(plan.knowledge.items())))
    view = build_view(plan, patient)
    lines += _section("Act on now", [_act_line(line) for line in view.act_now])
    if view.therapies_appendix:
        lines.append(
            f"{len(view.therapies_appendix)} preclinical or lower-tier tumour evidence line(s) are in the clinician "
            "report's appendix; they are not for treatment decisions."
        )
    lines += _section("Actions", [f"[{plain_word(a.kind)}] {a.title}" for a in plan.actions])
    lines += _section("Conflicts", [f"[{plain_word(c.kind)}] {c.description}" for c in plan.conflicts])
    lines += _section("Problems", [p.title for p in plan.problems])
    titles = {(d.id, o.id): o.title for d in plan.decisions for o in d.options}
    lines += _section(
        "Decisions",
        [
            f"{d.question} First for you: {titles.get((d.id, d.ranking[0]), d.ranking[0])}"
            for d in plan.decisions
            if d.ranking
        ],
    )
    lines += _section("Not assessed", [f"{n.item}: {n.reason}" for n in plan.limitations])
    return "\n".join(lines) + "\n"


def _act_line(line: SummaryLine) -> str:
    return f"[{plain_word(line.priority)}] {line.text}" + (f" [{line.sources}]" if line.sources else "")


def _section(title: str, items: Sequence[str]) -> list[str]:
    return ["", f"{title} ({len(items)})", *(f"- {item}" for item in items)] if items else ["", f"{title}: none"]
