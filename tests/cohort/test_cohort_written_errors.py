"""A bad variant in a PLINK 2 fileset or a BGEN file, found while the engines read it as VCF text, is reported
against the user's file and that variant (the ``.pvar`` line, or the BGEN variant and position), never against a
line of the temporary VCF the block wrote.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tailormed.cohort.plan import Analysis
from tailormed.cohort.run import plan_run, run_cohort
from tailormed.errors import InputError
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.model.genotype import GenomeBuild

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(shutil.which("plink2") is None, reason="plink2 is not installed (CI installs it)"),
]


def _broken_fileset(vcf: Path, prefix: Path) -> Path:
    """The cohort as a fileset whose REF alleles are all 'R' (not a base): the engines' first read fails (plink2
    writes such alleles to BGEN too)."""
    subprocess.run(["plink2", "--vcf", str(vcf), "--make-pgen", "--threads", "1", "--out", str(prefix)],
                   check=True, capture_output=True)  # fmt: skip
    pvar = Path(f"{prefix}.pvar")
    lines = pvar.read_text().splitlines()
    columns = next(line for line in lines if line.startswith("#CHROM")).lstrip("#").split("\t")
    ref = columns.index("REF")
    broken = []
    for line in lines:
        fields = line.split("\t")
        if not line.startswith("#"):
            fields[ref] = "R"
        broken.append("\t".join(fields))
    pvar.write_text("\n".join(broken) + "\n")
    return pvar


def test_a_bad_fileset_variant_is_named_by_its_pvar_line(
    pgx_cohort_vcf: Path, cohort_bundle: KnowledgeBundle, tmp_path: Path
) -> None:
    prefix = tmp_path / "cohort"
    pvar = _broken_fileset(pgx_cohort_vcf, prefix)
    plan = plan_run(vcf=None, pgen=prefix, build=GenomeBuild.GRCH38, kb=cohort_bundle.root, analyses=[Analysis.PGX])
    with pytest.raises(InputError, match="REF 'R'") as raised:
        run_cohort(plan, tmp_path / "out")
    error = raised.value
    assert error.source == f"{prefix}.pgen" and "tailormed-sites-" not in str(error)
    found = re.fullmatch(rf"{re.escape(str(pvar))} line (\d+) \((\S+):(\d+) (\S+)\)", error.location or "")
    assert found is not None, error.location
    line = pvar.read_text().splitlines()[int(found.group(1)) - 1].split("\t")
    assert (line[0], line[1], line[2]) == (found.group(2), found.group(3), found.group(4))


def test_a_bad_bgen_variant_is_named_by_its_position(
    pgx_cohort_vcf: Path, cohort_bundle: KnowledgeBundle, tmp_path: Path
) -> None:
    prefix = tmp_path / "cohort"
    _broken_fileset(pgx_cohort_vcf, prefix)
    subprocess.run(["plink2", "--pfile", str(prefix), "--max-alleles", "2", "--export", "bgen-1.2", "bits=8",
                    "ref-first", "--threads", "1", "--out", str(prefix)], check=True, capture_output=True)  # fmt: skip
    bgen = Path(f"{prefix}.bgen")
    plan = plan_run(vcf=None, pgen=None, bgen=bgen, build=GenomeBuild.GRCH38, kb=cohort_bundle.root,
                    analyses=[Analysis.PGX])  # fmt: skip
    with pytest.raises(InputError, match="REF 'R'") as raised:
        run_cohort(plan, tmp_path / "out")
    error = raised.value
    assert error.source == str(bgen) and "tailormed-sites-" not in str(error) and "line" not in str(error)
    assert re.fullmatch(r"variant at byte \d+ \(\S+:\d+\) \S+", error.location or ""), error.location
