"""Fuzzing the FHIR reader: bundles with values replaced at random give InputError, never another exception."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tailormed.errors import InputError
from tailormed.intake.fhir import convert_fhir_bundle

SEED: dict[str, Any] = json.loads((Path(__file__).parent / "fhir_fixtures" / "synthea_like.json").read_text("utf-8"))


def leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside the bundle (containers included, so whole objects get replaced too)."""
    found = [path] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += leaves(value, (*path, index))
    return found


PATHS = leaves(SEED)
values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(replacements=st.lists(st.tuples(st.sampled_from(PATHS), values), min_size=1, max_size=3))
def test_values_replaced_at_random(replacements: list[tuple[tuple[Any, ...], object]]) -> None:
    bundle = copy.deepcopy(SEED)
    for path, value in replacements:
        target: Any = bundle
        try:
            for part in path[:-1]:
                target = target[part]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier replacement removed this path
    try:
        convert_fhir_bundle(bundle, "fuzz.json")
    except InputError as exc:
        assert str(exc).startswith("fuzz.json")
