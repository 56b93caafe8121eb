"""Phenopacket reader: real files parse; anything malformed is an InputError naming the file, never a crash."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tailormed.errors import InputError
from tailormed.intake.phenopacket import parse_phenopacket, read_phenopacket

MINIMAL: dict[str, Any] = {
    "id": "p1",
    "subject": {"id": "s1", "sex": "MALE"},
    "phenotypicFeatures": [
        {"type": {"id": "HP:0001250", "label": "Seizure"}, "onset": {"age": {"iso8601duration": "P2Y"}}},
        {"type": {"id": "HP:0000252"}, "excluded": True},
    ],
    "interpretations": [
        {
            "diagnosis": {
                "disease": {"id": "OMIM:601144"},
                "genomicInterpretations": [
                    {
                        "interpretationStatus": "CAUSATIVE",
                        "variantInterpretation": {
                            "acmgPathogenicityClassification": "PATHOGENIC",
                            "variationDescriptor": {
                                "geneContext": {"valueId": "HGNC:10593", "symbol": "SCN5A"},
                                "vcfRecord": {
                                    "genomeAssembly": "hg38",
                                    "chrom": "chr3",
                                    "pos": 38550989,
                                    "ref": "A",
                                    "alt": "G",
                                },
                                "allelicState": {"id": "GENO:0000135", "label": "heterozygous"},
                            },
                        },
                    }
                ],
            }
        }
    ],
}


def test_minimal_phenopacket() -> None:
    packet = parse_phenopacket(json.dumps(MINIMAL), "p1.json")
    assert [(t.id, t.excluded, t.onset) for t in packet.phenotypes] == [
        ("HP:0001250", False, "P2Y"),
        ("HP:0000252", True, None),
    ]
    assert packet.diagnoses == ("OMIM:601144",)
    variant = packet.variants[0]
    assert (variant.gene, variant.chrom, variant.pos, variant.zygosity) == ("SCN5A", "chr3", 38550989, "heterozygous")


def test_every_dev_phenopacket_reads(shared_data: Path) -> None:
    folder = shared_data / "rare" / "phenopackets_dev"
    manifest = {row.split("\t")[1]: row.split("\t") for row in (folder / "manifest.tsv").read_text().splitlines()[1:]}
    for path in sorted(folder.glob("*.json")):
        packet = read_phenopacket(path)
        row = manifest[path.name]
        assert packet.diagnoses == (row[3],)  # disease_id column of the data's own manifest
        assert sum(not t.excluded for t in packet.phenotypes) == int(row[7])
        assert sum(t.excluded for t in packet.phenotypes) == int(row[8])
        assert {v.gene for v in packet.variants} == {row[5]}


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("{", "line 1"),
        ("[]", "$"),
        ('{"phenotypicFeatures": {}}', "phenotypicFeatures"),
        ('{"phenotypicFeatures": [{"type": {"id": "seizure"}}]}', "phenotypicFeatures[0].type.id"),
        (
            '{"phenotypicFeatures": [{"type": {"id": "HP:0001250"}, "excluded": "yes"}]}',
            "phenotypicFeatures[0].excluded",
        ),
        ('{"interpretations": [{"diagnosis": {"disease": {"id": 5}}}]}', "interpretations[0].diagnosis.disease.id"),
    ],
)
def test_errors_name_the_json_path(text: str, where: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_phenopacket(text, "bad.json")
    assert caught.value.source == "bad.json" and caught.value.location == where


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 10**12)
    | st.text(max_size=12)
    | st.sampled_from(["HP:0001250", "OMIM:1"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "type",
                    "excluded",
                    "onset",
                    "age",
                    "diagnosis",
                    "disease",
                    "pos",
                    "vcfRecord",
                    "variantInterpretation",
                    "variationDescriptor",
                    "genomicInterpretations",
                    "label",
                    "phenotypicFeatures",
                    "interpretations",
                    "diseases",
                    "term",
                    "subject",
                    "allelicState",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_fuzzed_structures_never_crash(data: Any) -> None:
    try:
        parse_phenopacket(json.dumps(data), "fuzz.json")
    except InputError as exc:
        assert exc.source == "fuzz.json"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_fuzzed_text_never_crashes(text: str) -> None:
    with contextlib.suppress(InputError):
        parse_phenopacket(text, "fuzz.json")


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["phenotypicFeatures", "interpretations", "subject", "id"]), JSON)
def test_replacing_a_section_of_a_valid_packet_never_crashes(key: str, value: Any) -> None:
    data = dict(MINIMAL)
    data[key] = value
    with contextlib.suppress(InputError):
        parse_phenopacket(json.dumps(data), "fuzz.json")
