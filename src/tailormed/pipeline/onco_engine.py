"""The onco engine as an analysis runs it.

Most records have no tumour; for them the engine is skipped without loading the matching code and the onco knowledge
(:mod:`tailormed.pipeline.onco`, imported when the record or a tumour VCF brings a tumour).
"""

from __future__ import annotations

from tailormed.model.engine import EngineRun
from tailormed.pipeline.engine_api import EngineSpec, PatientContext


def without_tumour(ctx: PatientContext) -> EngineRun | None:
    """The skipped run when neither the record nor a tumour VCF brings a tumour (None when one does)."""
    if ctx.patient.tumour is not None or ctx.tumour is not None:
        return None
    return EngineRun.skip("targeted therapy matching", "no tumour data in the record and no tumour VCF")


def run(ctx: PatientContext) -> EngineRun:
    """Targeted-therapy matching (see :func:`tailormed.pipeline.onco.onco_engine`)."""
    skipped = without_tumour(ctx)
    if skipped is not None:
        return skipped
    from tailormed.pipeline import onco

    return onco.onco_engine(ctx)


#: The hereditary run supplies the germline variants that labels for inherited cancer syndromes need.
ENGINE = EngineSpec(name="onco", run=run, needs=("hereditary",))
