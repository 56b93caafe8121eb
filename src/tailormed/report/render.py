"""Clinician and patient reports as self-contained HTML (styles and plots inline), and HTML to PDF.

The clinician report is in English with knowledge text as the sources word it; the patient report is in the
patient's preferred language when a catalog exists for it (see :mod:`tailormed.report.i18n`).
"""

from __future__ import annotations

import os
from functools import cache
from importlib import resources
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_decimal
from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemBytecodeCache,
    PackageLoader,
    StrictUndefined,
    select_autoescape,
)
from jinja2.bccache import Bucket
from markupsafe import Markup

from tailormed.model.careplan import CarePlan, Decision, Option, Outcome
from tailormed.model.patient import Patient
from tailormed.report import icons, plots
from tailormed.report.i18n import resolve_language, translations
from tailormed.report.text import STATUS_WORDS
from tailormed.report.view import NO_PHENOTYPE, ReportView, build_view, no_phenotype_reason, summarised
from tailormed.version import __version__

#: The four SURE items (Légaré et al. 2010), the screen for decisional conflict the decision aids use.
SURE_QUESTIONS = (
    "Sure of myself: do you feel sure about the best choice for you?",
    "Understand information: do you know the benefits and risks of each option?",
    "Risk-benefit ratio: are you clear about which benefits and risks matter most to you?",
    "Encouragement: do you have enough support and advice to make a choice?",
)


def render_clinician_html(plan: CarePlan, patient: Patient) -> str:
    """The clinician report: summary first, then each domain, decisions, versions and limitations."""
    view = build_view(plan, patient)
    template = _environment("en").get_template("clinician.html")
    return template.render(
        lang="en",
        css=_css(),
        view=view,
        age=patient.demographics.age_on(plan.generated_at.date()),
        ancestry=_ancestry(patient),
        diplotypes={g.data.gene: " or ".join(g.data.diplotypes) or "-" for g in view.pgx.genes},
        phenotypes={g.data.gene: g.data.phenotype or STATUS_WORDS[g.data.status] for g in view.pgx.genes},
        plots=_clinician_plots(view),
        pct=_pct,
        outcome_names=_outcome_names,
        outcome=_outcome,
        sure=SURE_QUESTIONS,
    )


def render_patient_html(plan: CarePlan, patient: Patient, language: str | None = None) -> str:
    """The patient report in ``language`` (default: the patient's preference, else English)."""
    lang = resolve_language(language or patient.preferences.language)
    view = build_view(plan, patient)
    template = _environment(lang).get_template("patient.html")
    return template.render(
        lang=lang,
        css=_css(),
        view=view,
        today=format_date(plan.generated_at.date(), format="long", locale=lang),
        number=lambda value, digits=0: format_decimal(round(value, digits), locale=lang),
        per_100=_per_100,
        icon_array=_icon_array,
        outcome_names=_outcome_names,
        outcome=_outcome,
        question=lambda decision: decision.translations.get(lang) or decision.question,
        title=lambda option: option.translations.get(lang) or option.title,
        outcome_name=lambda decision, name: _outcome_name(decision, name, lang),
    )


def report_language(patient: Patient) -> str:
    """The language the patient report will be written in."""
    return resolve_language(patient.preferences.language)


@cache
def _environment(language: str) -> Environment:
    env = Environment(
        loader=PackageLoader("tailormed.report", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_template_cache(),
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["summarised"] = summarised
    env.filters["no_phenotype_reason"] = no_phenotype_reason
    env.globals["NO_PHENOTYPE"] = NO_PHENOTYPE
    return env


@cache
def _template_cache() -> BytecodeCache | None:
    """Compiled templates kept in the user's cache folder, so a run loads them instead of compiling the templates
    again (Jinja checks each entry against the template source and the Python version); None when the folder
    cannot be made private to this user."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(base) / "tailormed" / f"templates-{__version__}"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        owned = folder.stat().st_uid == os.getuid() and not folder.stat().st_mode & 0o077
    except OSError:
        return None
    return _QuietCache(str(folder)) if owned else None


class _QuietCache(FileSystemBytecodeCache):
    """A cache that never fails a report: an entry that cannot be written is compiled again next time."""

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            return


@cache
def _css() -> Markup:
    return Markup((resources.files("tailormed.report") / "templates" / "report.css").read_text(encoding="utf-8"))


def _clinician_plots(view: ReportView) -> dict[str, Markup]:
    drawn: dict[str, str | None] = {}
    for risk in view.risks:
        drawn[risk.finding.id] = plots.risk_whatif_svg(risk.data, risk.finding.id)
    for score in view.scores:
        drawn[score.finding.id] = plots.percentile_svg(score.data, score.finding.id)
    for prediction in view.predictions:
        drawn[prediction.finding.id] = plots.prediction_svg(prediction.data, prediction.finding.id)
    return {key: Markup(svg) for key, svg in drawn.items() if svg is not None}


def _icon_array(affected: float, after: float | None, label: str) -> Markup:
    return Markup(icons.icon_array_svg(affected, after=after, label=label))


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _per_100(fraction: float) -> int:
    """A risk as whole people out of 100; a risk above zero never shows as 0 people."""
    people = round(fraction * 100)
    return 1 if people == 0 and fraction > 0 else people


def _outcome_names(decision: Decision) -> list[str]:
    return list(dict.fromkeys(o.name for option in decision.options for o in option.outcomes))


def _outcome_name(decision: Decision, name: str, language: str) -> str:
    """An outcome's name in ``language`` where the knowledge gives it, else as the knowledge words it."""
    found = next((o for option in decision.options for o in option.outcomes if o.name == name), None)
    return (found.translations.get(language) if found is not None else None) or name


def _outcome(option: Option, name: str) -> Outcome | None:
    return next((o for o in option.outcomes if o.name == name), None)


def _ancestry(patient: Patient) -> str:
    parts = sorted(patient.demographics.genetic_ancestry, key=lambda a: -a.proportion)
    return ", ".join(f"{a.population} {a.proportion:.0%}" for a in parts)
