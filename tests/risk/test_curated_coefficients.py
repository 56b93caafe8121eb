"""The shipped coefficient file is exactly what the generator makes from the published tables (no drift)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tailormed.errors import KnowledgeError
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.risk import SOURCE

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compiler() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "compile_risk_equations", REPO / "scripts" / "compile_risk_equations.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_shipped_coefficients_equal_a_fresh_compile(compiler: ModuleType, equations_dir: Path) -> None:
    assert compiler.TARGET.read_text(encoding="utf-8") == compiler.compile_coefficients(equations_dir)


def test_check_mode_passes_on_the_shipped_file(compiler: ModuleType, equations_dir: Path) -> None:
    assert compiler.main(["--from", str(equations_dir), "--check"]) == 0


def test_compiler_names_the_file_and_line_of_a_bad_number(
    compiler: ModuleType, equations_dir: Path, tmp_path: Path
) -> None:
    for path in equations_dir.glob("*.tsv"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    broken = tmp_path / "pce_coefficients_goff2013.tsv"
    lines = broken.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("13.540", "13,540")
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        compiler.compile_coefficients(tmp_path)
    assert "pce_coefficients_goff2013.tsv, line 4" in str(caught.value)


def test_the_source_is_in_the_curated_manifest(core: KnowledgeBundle) -> None:
    record = core.source(SOURCE)
    assert set(record.files) == {"coefficients.json", "equations.yaml", "integration.yaml"}
    for cited in ("Goff", "Khan", "Lindström", "Gail", "Costantino"):
        assert cited in record.citation
