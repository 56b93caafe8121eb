"""The import contracts in ``pyproject.toml`` ([tool.importlinter]) hold, and they fail on a back-up import.

Layers (each imports only the layers below it): ``cli / service / cohort`` -> ``pipeline`` -> ``report`` -> ``plan``
-> ``engines`` -> ``knowledge`` -> ``evidence / intake`` -> ``model``. Engines never import each other; knowledge never
imports the readers. Imports inside functions count: a lazy import is still a dependency.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_LINT = "from importlinter.cli import lint_imports_command; lint_imports_command()"


def _lint(src: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run the project's contracts over the package found in ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [sys.executable, "-c", _LINT, "--config", str(REPO / "pyproject.toml"), "--no-cache"],
        capture_output=True, text=True, check=False, cwd=tmp_path, env=env,
    )  # fmt: skip


def _copy_with(tmp_path: Path, module: str, line: str) -> Path:
    """A copy of the package's Python files with ``line`` appended to ``module`` (a path under tailormed/)."""
    src = tmp_path / "src"
    shutil.copytree(REPO / "src" / "tailormed", src / "tailormed", ignore=_not_python)
    target = src / "tailormed" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    return src


def _not_python(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if (not n.endswith(".py") and not (Path(folder) / n).is_dir()) or n == "__pycache__"]


def test_the_package_keeps_every_contract(tmp_path: Path) -> None:
    done = _lint(REPO / "src", tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # a lower layer importing a higher one, even inside a function
        ("model/careplan.py", "def _f() -> None:\n    import tailormed.pipeline.analyze", "below it BROKEN"),
        ("knowledge/bundle.py", "import tailormed.engines.pgx.phenotype", "below it BROKEN"),
        ("intake/record.py", "from tailormed.knowledge import bundle", "below it BROKEN"),
        ("plan/assemble.py", "from tailormed.report import outputs", "below it BROKEN"),
        # one engine importing another
        ("engines/risk/integrate.py", "from tailormed.engines.prs import scoring", "each other BROKEN"),
        # knowledge importing a reader (knowledge sits above intake, but must not use it)
        ("knowledge/markers.py", "import tailormed.evidence.read", "record readers BROKEN"),
        ("knowledge/markers.py", "import tailormed.intake.record", "record readers BROKEN"),
        # the genome reader importing knowledge (the pipeline hands it model types instead)
        ("evidence/read.py", "import tailormed.knowledge.markers", "below it BROKEN"),
    ],
)
def test_a_back_up_import_breaks_a_contract(tmp_path: Path, module: str, line: str, broken: str) -> None:
    done = _lint(_copy_with(tmp_path, module, line), tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert broken in done.stdout
