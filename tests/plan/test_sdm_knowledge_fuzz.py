"""The option-grid knowledge parser: malformed content is a KnowledgeError naming the file, never a crash."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tailormed.errors import KnowledgeError
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.sdm import OPTIONS_FILE, SOURCE, SdmOptions, parse_sdm_options

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def shipped(core: KnowledgeBundle) -> dict[str, Any]:
    data = yaml.safe_load(core.path(SOURCE, OPTIONS_FILE).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += paths(inner, (*prefix, index))
    return found


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_arbitrary_content_is_rejected_cleanly(data: object) -> None:
    with pytest.raises(KnowledgeError) as raised:
        parse_sdm_options(data, "options.yaml")
    assert "options.yaml" in str(raised.value)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_one_corrupted_field_is_an_error_or_still_valid(shipped: dict[str, Any], data: st.DataObject) -> None:
    mutated = copy.deepcopy(shipped)
    where = data.draw(st.sampled_from(paths(mutated)))
    parent = mutated
    for step in where[:-1]:
        parent = parent[step]
    parent[where[-1]] = data.draw(json_values)
    try:
        parsed = parse_sdm_options(mutated, "options.yaml")
    except KnowledgeError as error:
        assert "options.yaml" in str(error)
    else:
        assert isinstance(parsed, SdmOptions)
