"""The summary's PGx frequencies, counted on the call table's columns: what counts as called, and tie order."""

from __future__ import annotations

import json

import pyarrow as pa

from tailormed.cohort.summary import actionable_summary, pgx_frequencies

ROWS = [  # sample, gene, diplotype, phenotype, status
    ("p1", "TPMT", "*1/*3A", "Intermediate Metabolizer", "called"),
    ("p2", "CYP2C19", "*2/*17", None, "called"),
    ("p1", "CYP2C19", "*1/*1", "", "called"),
    ("p2", "TPMT", "*1/*1", "Normal Metabolizer", "called"),
    ("p3", "TPMT", "", "Normal Metabolizer", "called"),  # no diplotype: not called
    ("p4", "TPMT", "*1/*1", "Normal Metabolizer", "not called"),
    ("p3", "CYP2C19", None, None, "called"),
    ("p4", "CYP2C19", "*17/*1", "Rapid Metabolizer", "called"),
]


def _table() -> pa.Table:
    names = ("sample", "gene", "diplotype", "phenotype", "status")
    return pa.table({name: pa.array([row[i] for row in ROWS], pa.string()) for i, name in enumerate(names)})


def test_frequencies_count_called_diplotypes_per_group_with_ties_in_first_seen_order() -> None:
    groups = {"p1": "EUR", "p2": "AFR", "p3": "EUR", "p4": "AFR"}
    found = pgx_frequencies(_table(), groups)
    assert list(found) == ["CYP2C19", "TPMT"]
    assert list(found["TPMT"]) == ["all", "AFR", "EUR"]
    tpmt = found["TPMT"]["all"]
    assert (tpmt["people"], tpmt["called"], tpmt["not_called"]) == (4, 2, 2)
    assert json.dumps(tpmt["alleles"]) == json.dumps({"*1": 0.75, "*3A": 0.25})
    assert json.dumps(tpmt["diplotypes"]) == json.dumps({"*1/*3A": 0.5, "*1/*1": 0.5})  # tie: first seen first
    assert json.dumps(tpmt["phenotypes"]) == json.dumps({"Intermediate Metabolizer": 0.5, "Normal Metabolizer": 0.5})
    cyp = found["CYP2C19"]["all"]
    assert (cyp["people"], cyp["called"], cyp["not_called"]) == (4, 3, 1)
    assert json.dumps(cyp["alleles"]) == json.dumps({"*1": 0.5, "*17": 0.333333, "*2": 0.166667})
    assert json.dumps(cyp["phenotypes"]) == json.dumps({"no phenotype": 0.666667, "Rapid Metabolizer": 0.333333})
    eur = found["TPMT"]["EUR"]
    assert (eur["people"], eur["called"], eur["not_called"]) == (2, 1, 1)
    assert eur["diplotypes"] == {"*1/*3A": 1.0}
    afr = found["CYP2C19"]["AFR"]
    assert json.dumps(afr["diplotypes"]) == json.dumps({"*2/*17": 0.5, "*17/*1": 0.5})


def test_a_gene_nobody_in_a_group_was_called_for_counts_nothing_there() -> None:
    groups = {"p1": "EUR", "p2": "EUR", "p3": "EUR", "p4": "SAS"}
    sas = pgx_frequencies(_table(), groups)["TPMT"]["SAS"]
    assert sas == {"people": 1, "called": 0, "not_called": 1, "alleles": {}, "diplotypes": {}, "phenotypes": {}}
    assert pgx_frequencies(_table().slice(0, 0), groups) == {}


def _recommendations(rows: list[tuple[str, str | None, str, bool | None]]) -> pa.Table:
    return pa.table(
        {
            "sample": pa.array([r[0] for r in rows], pa.string()),
            "genes": pa.array([r[1] for r in rows], pa.string()),
            "drug": pa.array([r[2] for r in rows], pa.string()),
            "actionable": pa.array([r[3] for r in rows], pa.bool_()),
        }
    )


def test_actions_count_each_person_once_per_gene_drug_and_rank_by_people_then_name() -> None:
    rows = [
        ("p1", "CYP2C19", "clopidogrel", True),
        ("p1", "CYP2C19", "clopidogrel", True),  # two guidelines, one person
        ("p2", "CYP2C19", "clopidogrel", True),
        ("p2", "TPMT", "azathioprine", True),
        ("p3", "CYP2C9", "celecoxib", True),
        ("p3", "CYP2C19", "citalopram", None),
        ("p4", "CYP2C19", "citalopram", False),
        ("p4", None, "warfarin", True),
    ]
    groups = {"p1": "EUR", "p2": "AFR", "p3": "EUR", "p4": "AFR", "p5": "EUR"}
    found = actionable_summary(_recommendations(rows), list(groups), groups)
    assert (found["people"], found["with_actionable"], found["share"]) == (5, 4, 0.8)
    assert found["by_group"] == {
        "AFR": {"people": 2, "with_actionable": 2, "share": 1.0},
        "EUR": {"people": 3, "with_actionable": 2, "share": 0.666667},
    }
    assert [(a["genes"], a["drug"], a["people"]) for a in found["top_actions"]] == [
        ("CYP2C19", "clopidogrel", 2),
        ("CYP2C9", "celecoxib", 1),
        ("None", "warfarin", 1),
        ("TPMT", "azathioprine", 1),
    ]
    nothing = actionable_summary(_recommendations(rows[5:7]), list(groups), groups)
    assert (nothing["with_actionable"], nothing["top_actions"]) == (0, [])
