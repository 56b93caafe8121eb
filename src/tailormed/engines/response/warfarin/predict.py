"""Using a dose model: predictions as a table or a care-plan payload, and an evaluation against the baselines.

Rows come out in input order with the input's ID column when it has one. Each prediction carries its conformal
interval and the largest contributions on the sqrt(mg/week) scale (formula terms, ridge terms or TreeSHAP values).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence

import numpy as np

from tailormed.engines.response.conformal import Coverage
from tailormed.engines.response.stats import bootstrap_mean, mcnemar
from tailormed.engines.response.warfarin.dose_model import TASK, DosePrediction, SavedDoseModel
from tailormed.engines.response.warfarin.evaluation import PairedComparison, TableRow, paper_table
from tailormed.engines.response.warfarin.features import WarfarinCase, prepare
from tailormed.engines.response.warfarin.formulas import PHARMACOGENETIC, formulas
from tailormed.engines.response.warfarin.iwpc import IwpcPatient
from tailormed.engines.response.warfarin.metrics import within
from tailormed.model.base import Contract
from tailormed.model.payloads import Contribution, DosePredictionData

COLUMNS = ["id", "line", "predicted_dose_mg_week", "interval_low", "interval_high", "level", "interval_group",
           "imputed", "vkorc1_source", "top_contributions"]
SCALE = "sqrt(mg/week)"


def top(contributions: Sequence[Contribution], n: int = 3) -> list[Contribution]:
    """The ``n`` largest contributions by size, zero ones left out."""
    ranked = sorted((c for c in contributions if abs(c.effect) > 1e-9), key=lambda c: -abs(c.effect))
    return ranked[:n]


def predictions_csv(predictions: Sequence[DosePrediction], n_top: int = 3) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for p in predictions:
        contributions = "; ".join(f"{c.feature}={c.value}: {c.effect:+.3f}" for c in top(p.explained.contributions,
                                                                                           n_top))
        writer.writerow([p.case.subject_id or "", p.case.line, f"{p.dose:.1f}", _number(p.low), _number(p.high),
                         f"{p.level:g}", p.group, ";".join(p.imputed), p.case.vkorc1_source, contributions])
    return buffer.getvalue()


def _number(value: float) -> str:
    return "inf" if math.isinf(value) else f"{value:.1f}"


def payload(model: SavedDoseModel, p: DosePrediction) -> DosePredictionData:
    return DosePredictionData(
        task=TASK,
        drug="warfarin",
        predicted=round(p.dose, 2),
        unit="mg/week",
        interval_low=round(p.low, 2),
        interval_high=round(p.high, 2) if not math.isinf(p.high) else p.high,
        level=p.level,
        model_name=f"{model.card.name}:{model.inputs.kind}",
        model_version=model.card.version,
        contributions=top(p.explained.contributions, 8),
        model_card=model.card.summary(),
        contribution_unit=SCALE,
        contribution_baseline=round(p.explained.baseline, 4),
    )


class ExternalEvaluation(Contract):
    """A saved model scored on a data file, next to the published baselines on the same patients."""

    data: str
    in_sample: bool
    n: int
    model: str
    table: list[TableRow]
    paired: PairedComparison | None
    coverage: list[Coverage]


def evaluate_cases(model: SavedDoseModel, patients: Sequence[IwpcPatient], *, data: str, in_sample: bool,
                   levels: Sequence[float] = (0.8, 0.9)) -> ExternalEvaluation:
    """The model on patients with a recorded dose (from the file ``data``), next to the published baselines."""
    patients = [p for p in patients if p.dose_mg_week is not None]
    cases: list[WarfarinCase] = [prepare(p, model.knowledge.baselines.vkorc1_imputation) for p in patients]
    bands = model.knowledge.baselines.dose_bands
    complete = [model.inputs.completion.complete(c) for c in cases]
    actual = np.array([c.dose_mg_week or 0.0 for c in cases])
    name = f"{model.inputs.kind} (saved model)"
    predicted = {name: np.array([p.dose for p in model.predict(cases, levels[0], explain=False)])}
    for baseline, formula in formulas(model.knowledge).items():
        if baseline != model.inputs.kind:
            predicted[baseline] = formula.predict_sqrt(complete) ** 2
    sites = [c.site or "unknown" for c in cases]
    table = paper_table(actual, predicted, complete, bands, sites)
    comparison = None
    if model.inputs.kind != PHARMACOGENETIC:
        a, b = predicted[name], predicted[PHARMACOGENETIC]
        difference = np.abs(a - actual) - np.abs(b - actual)
        ha, hb = within(actual, a, bands.within_fraction), within(actual, b, bands.within_fraction)
        estimate = bootstrap_mean(difference, clusters=sites)
        comparison = PairedComparison(
            model=name, reference=PHARMACOGENETIC, n=len(actual), abs_error_difference=estimate,
            pw20_difference=bootstrap_mean(ha.astype(float) - hb.astype(float), clusters=sites),
            mcnemar=mcnemar(ha, hb), better=estimate.high < 0)
    coverage = []
    for level in levels:
        rows = model.predict(cases, level, explain=False)
        hit = np.array([r.low <= d <= r.high for r, d in zip(rows, actual, strict=True)])
        width = np.array([r.high - r.low for r in rows])
        groups = np.array([r.case.race for r in rows])
        for group in [*sorted(set(groups.tolist())), "*"]:
            mask = np.ones(len(rows), dtype=bool) if group == "*" else groups == group
            coverage.append(Coverage(group=group, n=int(mask.sum()), level=level, coverage=float(hit[mask].mean()),
                                     median_width=float(np.median(width[mask]))))
    return ExternalEvaluation(
        data=data, in_sample=in_sample, n=len(actual),
        model=name, table=table, paired=comparison, coverage=coverage)

