"""``tailormed.analyze(patient, evidence, knowledge)`` plans in memory: once the knowledge is loaded, an analysis
opens, lists and scans no file or folder (trained response models are loaded before it, by the caller)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import sys
from datetime import date

import tailormed
from tailormed.demo import demo_record
from tailormed.intake.record import load_record, resolve_genome_path
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.pipeline.analyze import read_patient_genome
from tailormed.pipeline.plausible import plausibility

record = demo_record("demo-02-mensah")  # warfarin: the response engine looks for a model
knowledge = KnowledgeBundle(None, None, curated_sources())
patient = load_record(record, plausibility(knowledge))
evidence = read_patient_genome(resolve_genome_path(patient, record), patient, knowledge)
first = tailormed.analyze(patient, evidence, knowledge, on=date(2026, 1, 15), pdf=False)  # loads the knowledge
touched = []
watching = True


def hook(event, args):
    if watching and event in ("open", "os.listdir", "os.scandir", "glob.glob", "os.chdir", "os.mkdir", "os.remove"):
        touched.append(f"{event} {args[0]}")


sys.addaudithook(hook)
again = tailormed.analyze(patient, evidence, knowledge, on=date(2026, 1, 15), pdf=False)
watching = False
assert again.plan.model_dump(exclude={"generated_at"}) == first.plan.model_dump(exclude={"generated_at"})
print("\n".join(touched))
"""


def test_an_analysis_in_memory_touches_no_file(tmp_path: Path) -> None:
    models = tmp_path / "models"
    (models / "some-model").mkdir(parents=True)  # a models folder to look through, were the engine to look
    env = {**os.environ, "TAILORMED_MODELS": str(models)}
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=False, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
