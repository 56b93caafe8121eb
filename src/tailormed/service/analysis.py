"""The one place the service calls the analysis pipeline: uploads checked, genomes analysed, all in memory.

Decrypted genomes never touch a disk. An upload is checked with the same intake readers (and so the same
:class:`~tailormed.errors.InputError` messages naming the line) as ``tailormed analyze``, and an analysis runs the
same engines and plan assembly, with the genome handed to the readers through an anonymous in-memory file
(``memfd``) that has no name in any file system. Errors name the upload (its file name), not the memory file.

The genome is read once into ``GenomeEvidence`` (``tailormed.pipeline.analyze.read_patient_genome``, the evidence
stage) and the analysis runs in memory (``tailormed.analyze(patient, evidence, knowledge)``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from tailormed.errors import InputError, TailormedError
from tailormed.intake.plausible import Plausibility
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.model.careplan import CarePlan
from tailormed.model.patient import Patient

#: Called with a short stage name and a percentage (0-100).
StageProgress = Callable[[str, int], None]

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".pdf": "application/pdf",
    ".json": "application/json",
    ".tsv": "text/tab-separated-values; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


@dataclass(frozen=True)
class Upload:
    """An uploaded file held in memory: the name the user gave it and its bytes."""

    name: str
    content: bytes


@dataclass
class AnalysisOutput:
    """What one analysis produced: the plan, its rendered reports, and the genome evidence it read."""

    plan: CarePlan
    reports: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    evidence: bytes | None = None
    engines_run: list[str] = field(default_factory=list)
    engines_skipped: dict[str, str] = field(default_factory=dict)


@contextmanager
def in_memory_file(upload: Upload) -> Iterator[Path]:
    """A path to ``upload``'s bytes that lives only in memory (``memfd_create``), closed when the block ends."""
    fd = os.memfd_create(f"tailormed-{len(upload.content)}", os.MFD_CLOEXEC)
    try:
        view = memoryview(upload.content)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.lseek(fd, 0, os.SEEK_SET)
        yield Path(f"/proc/self/fd/{fd}")
    finally:
        os.close(fd)


@contextmanager
def naming(upload: Upload, path: Path) -> Iterator[None]:
    """Re-raise intake errors about ``path`` as errors about the upload's own name."""
    try:
        yield
    except TailormedError as exc:
        if exc.source != str(path) and str(path) not in exc.message:
            raise
        raise type(exc)(
            exc.message.replace(str(path), upload.name), source=upload.name, location=exc.location
        ) from None


def check_vcf(upload: Upload, *, markers_bundle: KnowledgeBundle | None = None) -> dict[str, Any]:
    """Read every record once, as ``tailormed vcf info`` does; an :class:`InputError` names the line at fault.

    The summary returned is stored in clear beside the encrypted genome, so it holds no identifier (sample names
    are counted, not listed)."""
    from tailormed.evidence.summary import summarize_vcf

    markers = _markers(markers_bundle) if markers_bundle is not None else ()
    with in_memory_file(upload) as path, naming(upload, path):
        summary = summarize_vcf(path, markers=markers)
    if not summary.samples:
        raise InputError("the VCF has no sample columns, so there is no genotype to analyse", source=upload.name)
    return {
        "format": summary.format,
        "samples": len(summary.samples),
        "records": summary.records,
        "build": summary.build.build.value if summary.build is not None else None,
        "build_detail": summary.build.detail if summary.build is not None else summary.build_problem,
        "phased": summary.phased,
        "gvcf": summary.gvcf,
    }


def _markers(bundle: KnowledgeBundle) -> list[Any]:
    from tailormed.knowledge.markers import build_markers

    return list(build_markers(bundle))


class Analyzer:
    """Runs analyses against one knowledge bundle (loaded once and shared by every job)."""

    def __init__(self, bundle: KnowledgeBundle) -> None:
        self.bundle = bundle

    def read_record(self, upload: Upload) -> RecordUpload:
        """An uploaded record or FHIR Bundle read as the CLI reads it, against this bundle's plausibility ranges."""
        from tailormed.pipeline.plausible import plausibility

        return read_record_upload(upload, plausibility(self.bundle))

    def check_outside_calls(self, upload: Upload) -> dict[str, Any]:
        """Parse an outside-call TSV against the bundle's genes and allele names, as the CLI does."""
        from tailormed.intake.outside_calls import parse_outside_calls
        from tailormed.pipeline.pgx import OUTSIDE_ONLY_GENES, load_calling

        try:
            text = upload.content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError("outside-call file is not UTF-8 text", source=upload.name) from exc
        definitions, _ = load_calling(self.bundle)
        names = {gene: {a.name for a in d.named_alleles} for gene, d in definitions.items()}
        calls = parse_outside_calls(
            text, source=upload.name, known_genes=[*definitions, *OUTSIDE_ONLY_GENES], allele_names=names
        )
        return {"genes": sorted({c.gene for c in calls.calls}), "calls": len(calls.calls)}

    def check_vcf(self, upload: Upload) -> dict[str, Any]:
        return check_vcf(upload, markers_bundle=self.bundle)

    def run(
        self,
        patient: Patient,
        *,
        vcf: Upload | None,
        outside_calls: Upload | None,
        on: date | None = None,
        on_progress: StageProgress | None = None,
    ) -> AnalysisOutput:
        """Every applicable engine on the patient and genome, the plan, and its reports; nothing is written."""
        from tailormed.pipeline.analyze import analyze, read_patient_genome
        from tailormed.pipeline.pgx import load_calling, read_outside
        from tailormed.report.outputs import report_files, report_support

        progress = on_progress or (lambda _stage, _percent: None)
        with _maybe_memory(vcf) as vcf_path, _maybe_memory(outside_calls) as calls_path:
            evidence = None
            if vcf is not None and vcf_path is not None:
                progress("genome", 5)
                with naming(vcf, vcf_path):
                    evidence = read_patient_genome(vcf_path, patient, self.bundle)
            outside = None
            if outside_calls is not None and calls_path is not None:
                with naming(outside_calls, calls_path):
                    definitions, tables = load_calling(self.bundle)
                    outside = read_outside(calls_path, definitions, tables=tables)
            progress("engines", 40)
            inputs = {"vcf": vcf.name} if vcf is not None else {}
            if outside_calls is not None:
                inputs["outside_calls"] = outside_calls.name
            result = analyze(
                patient, evidence, self.bundle, on=on or date.today(), outside_calls=outside, inputs=inputs
            )
        progress("care plan", 80)
        plan = result.plan
        plan = plan.model_copy(update={"inputs": _renamed(plan.inputs, vcf, vcf_path, outside_calls, calls_path)})
        progress("reports", 85)
        # PDFs are rendered from the stored HTML when first asked for (see render_report): it is the slow part.
        files = report_files(plan, patient, replace(report_support(), pdf="rendered on request"))
        reports = {
            name: (media_type(name), content.encode() if isinstance(content, str) else content)
            for name, content in files.items()
        }
        progress("done", 100)
        return AnalysisOutput(
            plan=plan,
            reports=reports,
            evidence=result.evidence.model_dump_json(indent=1).encode() if result.evidence is not None else None,
            engines_run=result.engines_run,
            engines_skipped=result.engines_skipped,
        )


@contextmanager
def _maybe_memory(upload: Upload | None) -> Iterator[Path | None]:
    if upload is None:
        yield None
        return
    with in_memory_file(upload) as path:
        yield path


@contextmanager
def _naming_optional(upload: Upload | None, path: Path | None) -> Iterator[None]:
    if upload is None or path is None:
        yield
        return
    with naming(upload, path):
        yield


def _renamed(
    inputs: dict[str, str], vcf: Upload | None, vcf_path: Path | None, calls: Upload | None, calls_path: Path | None
) -> dict[str, str]:
    """The plan's inputs with the in-memory file paths replaced by the uploads' names."""
    out = {}
    for key, value in inputs.items():
        if vcf is not None and vcf_path is not None:
            value = value.replace(str(vcf_path), vcf.name)
        if calls is not None and calls_path is not None:
            value = value.replace(str(calls_path), calls.name)
        out[key] = value
    return out


def media_type(name: str) -> str:
    return MEDIA_TYPES.get(Path(name).suffix, "application/octet-stream")


REPORT_NAMES = (
    "report_clinician.html",
    "report_patient.html",
    "report_clinician.pdf",
    "report_patient.pdf",
    "fhir_genomics.json",
)


def render_report(plan: CarePlan, patient: Patient, name: str, *, html: bytes | None = None) -> tuple[str, bytes]:
    """One report of ``plan``: HTML, PDF (from ``html`` when given, else rendered first) or the FHIR bundle."""
    from tailormed.report.outputs import html_to_pdf, report_files, report_support

    if name not in REPORT_NAMES:
        raise InputError(f"no report named '{name}'; reports: {', '.join(REPORT_NAMES)}", source="report")
    if name.endswith(".pdf"):
        support = report_support()
        if support.pdf is not None:
            raise InputError(support.pdf, source=name)
        source = html if html is not None else render_report(plan, patient, name.replace(".pdf", ".html"))[1]
        return media_type(name), html_to_pdf(source.decode("utf-8"))
    support = report_support()
    if name.endswith(".html") and support.html is not None:
        raise InputError(support.html, source=name)
    files = report_files(plan, patient, replace(support, pdf="not needed"))
    content = files[name]
    return media_type(name), content.encode() if isinstance(content, str) else content


@dataclass(frozen=True)
class RecordUpload:
    """A patient created from an uploaded record: the patient, which format it was, the reader's warnings, and
    whether the document stated the patient's consent (then it is imported as the first consent decisions)."""

    patient: Patient
    kind: str
    warnings: list[str]
    states_consent: bool


def read_record_upload(upload: Upload, plausible: Plausibility) -> RecordUpload:
    """Parse a YAML/JSON record or a FHIR Bundle from memory, with the CLI's errors (naming the upload); its
    measurements are held to ``plausible`` (the service's bundle's ranges) as the CLI holds a file's."""
    from collections.abc import Mapping

    from tailormed.intake.documents import parse_document
    from tailormed.intake.plausible import check_plausible
    from tailormed.intake.record import patient_from_mapping

    try:
        text = upload.content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = upload.content[: exc.start].count(b"\n") + 1
        raise InputError("not UTF-8 text", source=upload.name, location=f"line {line}") from None
    data = parse_document(text, Path(upload.name))
    if isinstance(data, Mapping) and data.get("resourceType") is not None:
        from tailormed.intake.fhir import convert_fhir_bundle

        converted = convert_fhir_bundle(data, upload.name)
        check_plausible(converted.patient, upload.name, plausible)
        return RecordUpload(converted.patient, "fhir-bundle", list(converted.warnings), False)
    patient = patient_from_mapping(data, upload.name, plausible, text=text)
    return RecordUpload(patient, "record", [], isinstance(data, Mapping) and "consent" in data)
