"""Fuzzing the record reader: random and mutated YAML/JSON documents give InputError, never another exception."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tailormed.demo import demo_record
from tailormed.errors import InputError
from tailormed.intake.record import load_record
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.pipeline.plausible import plausibility

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SEED = demo_record("demo-03-rodriguez").read_text(encoding="utf-8")
FIELDS = ["id", "demographics", "sex", "medications", "status", "name", "dose", "amount", "observations", "loinc"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=12), st.sampled_from(FIELDS)
)
documents = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)


def check(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    try:
        load_record(path, RANGES)
    except InputError as exc:
        assert str(exc).startswith(str(path))
        assert exc.exit_code == 2


@SETTINGS
@given(document=documents)
def test_random_structures_as_yaml_and_json(tmp_path: Path, document: object) -> None:
    check(tmp_path / "r.yaml", yaml.safe_dump(document))
    check(tmp_path / "r.json", json.dumps(document))


@SETTINGS
@given(
    cut=st.integers(min_value=0, max_value=len(SEED)),
    length=st.integers(min_value=0, max_value=40),
    insert=st.text(alphabet=st.sampled_from(list(":-[]{}'\"#&*!|>%@`, \n\t0123456789abz")), max_size=12),
)
def test_mutated_demo_record(tmp_path: Path, cut: int, length: int, insert: str) -> None:
    check(tmp_path / "r.yaml", SEED[:cut] + insert + SEED[cut + length :])


@SETTINGS
@given(text=st.text(max_size=200))
def test_arbitrary_text(tmp_path: Path, text: str) -> None:
    check(tmp_path / "r.yaml", text)
    check(tmp_path / "r.json", text)
