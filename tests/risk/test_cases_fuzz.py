"""Fuzzing the ``risk calc`` TSV reader: any text either computes or fails with an InputError, never a crash."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tailormed.errors import InputError
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.knowledge.risk.load import load_risk_knowledge
from tailormed.pipeline.plausible import plausibility
from tailormed.pipeline.risk_cases import MODELS, calc_cases

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

KNOWLEDGE = load_risk_knowledge(KnowledgeBundle(None, None, curated_sources()))
CELLS = st.one_of(
    st.sampled_from(["", "yes", "no", "1", "0", "99", "98", "female", "male", "white", "none", "first_degree",
                     "nan", "inf", "-5", "1e308", "40", "55.5", "200", "13", "25", "\x00"]),
    st.text(max_size=6),
)  # fmt: skip


@st.composite
def tables(draw: st.DrawFn) -> tuple[str, str]:
    model = draw(st.sampled_from(sorted(MODELS)))
    columns = list(MODELS[model].columns)
    if draw(st.booleans()):
        columns = draw(st.permutations(columns))[: draw(st.integers(1, len(columns)))]
    rows = draw(st.lists(st.lists(CELLS, min_size=len(columns), max_size=len(columns) + 1), max_size=4))
    text = "\n".join("\t".join(row) for row in [columns, *rows])
    return model, text


@settings(max_examples=200, deadline=None)
@given(tables())
def test_structured_tables_never_crash(case: tuple[str, str]) -> None:
    model, text = case
    try:
        calc_cases(model, text, KNOWLEDGE, source="cases.tsv", plausible=RANGES)
    except InputError as exc:
        assert str(exc).startswith("cases.tsv")


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(MODELS)), st.text(max_size=200))
def test_arbitrary_text_never_crashes(model: str, text: str) -> None:
    try:
        calc_cases(model, text, KNOWLEDGE, source="cases.tsv", plausible=RANGES)
    except InputError as exc:
        assert str(exc).startswith("cases.tsv")
