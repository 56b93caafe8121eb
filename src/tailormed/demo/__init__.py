"""Synthetic demo patients shipped with tailormed: a YAML record and a small GRCh38 VCF each.

They let a new user run every command without data of their own, and give tests realistic inputs whose
expected results are known (see README.md in this folder for what each patient illustrates).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from tailormed.errors import InputError, InternalError

_PATIENTS = "patients"


def demo_dir() -> Path:
    """The folder holding the demo records and VCFs (installed as package data)."""
    root = resources.files(__name__)
    if not isinstance(root, Path):
        raise InternalError("demo data must be installed as plain files, not inside an archive")
    return root / _PATIENTS


def demo_records() -> list[Path]:
    """Every demo patient record, in patient order."""
    return sorted(demo_dir().glob("*.yaml"))


def demo_record(patient_id: str) -> Path:
    """The record of one demo patient by its id (e.g. ``demo-01-hale``)."""
    path = demo_dir() / f"{patient_id}.yaml"
    if not path.is_file():
        known = ", ".join(record.stem for record in demo_records())
        raise InputError(f"no demo patient '{patient_id}' (known: {known})")
    return path
