"""A record uploaded to the service keeps each medication's route, and a route outside the vocabulary is refused
naming the upload, the line and the field, as the command line does."""

from __future__ import annotations

import pytest

from tailormed.errors import InputError
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.model.patient import Route
from tailormed.pipeline.plausible import plausibility
from tailormed.service.analysis import Upload, read_record_upload

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

RECORD = """\
id: up-route
medications:
  - name: codeine
  - name: terbinafine
    route: {route}
"""


def test_the_upload_keeps_the_route() -> None:
    upload = Upload("up.yaml", RECORD.format(route="topical").encode())
    patient = read_record_upload(upload, RANGES).patient
    assert [m.route for m in patient.medications] == [None, Route.TOPICAL]


def test_an_unknown_route_is_refused_with_its_line() -> None:
    with pytest.raises(InputError) as caught:
        read_record_upload(Upload("up.yaml", RECORD.format(route="skin").encode()), RANGES)
    assert caught.value.message.startswith("medications[1].route: 'skin' is not one of oral, ")
    assert (caught.value.source, caught.value.location) == ("up.yaml", "line 5")
