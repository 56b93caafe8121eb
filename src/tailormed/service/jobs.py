"""Analysis jobs: a table in the store and a worker that claims them, so analyses run with no other service.

A job is ``queued`` until a worker claims it (an atomic conditional update, so two workers never take the same
job), ``running`` while the worker holds its lease (renewed as it makes progress), then ``succeeded`` (the plan
and reports stored in the same transaction as the status) or ``failed`` (with a problem detail). A worker that
dies leaves its job ``running`` with a lease that runs out; :func:`recover` (run when a worker starts) puts such
jobs back in the queue, or marks them failed after :data:`MAX_ATTEMPTS`.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tailormed.errors import TailormedError
from tailormed.security.audit import SYSTEM, AuditAction, Entry, Outcome, Purpose
from tailormed.service.analysis import Analyzer, Upload
from tailormed.service.core import Platform
from tailormed.store.models import Analysis
from tailormed.store.repo import new_id, now

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
LEASE = timedelta(seconds=120)
MAX_ATTEMPTS = 2
_log = logging.getLogger("tailormed.jobs")


def enqueue(
    session: Session, patient_id: str, *, genome_id: str | None, outside_calls_id: str | None, requested_by: str | None
) -> Analysis:
    job = Analysis(
        id=new_id(),
        patient_id=patient_id,
        genome_id=genome_id,
        outside_calls_id=outside_calls_id,
        status=QUEUED,
        progress=0,
        stage="queued",
        attempts=0,
        requested_by=requested_by,
        created_at=now(),
    )
    session.add(job)
    session.flush()
    return job


def recover(platform: Platform, *, at: datetime | None = None) -> dict[str, int]:
    """Requeue (or fail, after :data:`MAX_ATTEMPTS`) every running job whose lease has run out."""
    moment = at or datetime.now(UTC)
    counts = {"requeued": 0, "failed": 0}
    with platform.db.transaction() as session:
        stale = session.scalars(select(Analysis).where(Analysis.status == RUNNING)).all()
        for job in stale:
            if job.lease_until is not None and job.lease_until > moment:
                continue
            if job.attempts >= MAX_ATTEMPTS:
                job.status, job.stage, job.finished_at = FAILED, "interrupted", moment
                job.error = _problem(
                    500,
                    "analysis interrupted",
                    f"the analysis was interrupted {job.attempts} times (worker stopped); run it again",
                )
                counts["failed"] += 1
            else:
                job.status, job.stage, job.worker, job.lease_until = (
                    QUEUED,
                    "requeued after an interruption",
                    None,
                    None,
                )
                counts["requeued"] += 1
            platform.audit.append(
                session,
                Entry(
                    actor=SYSTEM,
                    action=AuditAction.UPDATE,
                    resource="analysis",
                    purpose=Purpose.OPERATIONS,
                    resource_id=job.id,
                    patient_id=job.patient_id,
                    detail=f"recovered: {job.status}",
                ),
            )
    return counts


def claim(platform: Platform, worker: str) -> str | None:
    """Take the oldest queued job (atomically); returns its id, or None when the queue is empty."""
    with platform.db.read() as session:
        candidates = session.scalars(
            select(Analysis.id).where(Analysis.status == QUEUED).order_by(Analysis.created_at, Analysis.id).limit(5)
        ).all()
    for job_id in candidates:
        with platform.db.transaction() as session:
            moment = datetime.now(UTC)
            result = session.execute(
                update(Analysis)
                .where(Analysis.id == job_id, Analysis.status == QUEUED)
                .values(
                    status=RUNNING,
                    worker=worker,
                    lease_until=moment + LEASE,
                    started_at=moment,
                    attempts=Analysis.attempts + 1,
                    stage="starting",
                    progress=1,
                )
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                return job_id
    return None


def run_job(platform: Platform, analyzer: Analyzer, job_id: str, worker: str) -> str:
    """Run one claimed job to the end; returns its final status."""
    with platform.db.read() as session:
        job = session.get(Analysis, job_id)
        if job is None or job.status != RUNNING or job.worker != worker:
            return "lost"
        patient_id = job.patient_id
        entry = platform.repo.load_patient(session, patient_id)
        consent = platform.consent_state(session, patient_id)
        vcf = _upload(platform, session, job.genome_id)
        calls = _upload(platform, session, job.outside_calls_id)
    if entry is None:
        return _finish_failed(platform, job_id, worker, _problem(404, "patient erased", "the patient was erased"))
    if not consent.clinical:
        return _finish_failed(
            platform,
            job_id,
            worker,
            _problem(403, "no consent", "the patient withdrew consent to clinical use before the analysis ran"),
        )
    patient = entry.patient.model_copy(update={"consent": consent.apply_to(entry.patient.consent)})

    def progress(stage: str, percent: int) -> None:
        with platform.db.transaction() as session:
            session.execute(
                update(Analysis)
                .where(Analysis.id == job_id, Analysis.worker == worker)
                .values(stage=stage, progress=max(1, min(99, percent)), lease_until=datetime.now(UTC) + LEASE)
            )

    try:
        output = analyzer.run(patient, vcf=vcf, outside_calls=calls, on_progress=progress)
    except TailormedError as exc:
        return _finish_failed(
            platform,
            job_id,
            worker,
            _problem(422, type(exc).__name__, exc.message, source=exc.source, location=exc.location),
        )
    except Exception as exc:  # a bug in an engine must not kill the worker; the job records it
        _log.exception("analysis %s failed", job_id)
        return _finish_failed(platform, job_id, worker, _problem(500, "internal error", f"{type(exc).__name__}: {exc}"))
    with platform.db.transaction() as session:
        job = session.get(Analysis, job_id)
        if job is None or job.status != RUNNING or job.worker != worker:
            return "lost"  # erased meanwhile, or another worker took over after our lease ran out
        platform.repo.save_plan(session, patient_id, output.plan, output.reports, analysis_id=job_id)
        if output.evidence is not None and job.genome_id is not None:
            platform.repo.set_evidence(session, job.genome_id, output.evidence)
        job.status, job.progress, job.stage, job.finished_at, job.lease_until = SUCCEEDED, 100, "done", now(), None
        platform.audit.append(
            session,
            Entry(
                actor=SYSTEM,
                action=AuditAction.CREATE,
                resource="care_plan",
                purpose=Purpose.TREATMENT,
                resource_id=job_id,
                patient_id=patient_id,
                detail="engines: " + ", ".join(output.engines_run),
            ),
        )
    return SUCCEEDED


def job_patient(platform: Platform, job_id: str) -> str | None:
    with platform.db.read() as session:
        job = session.get(Analysis, job_id)
        return job.patient_id if job is not None else None


def _upload(platform: Platform, session: Session, upload_id: str | None) -> Upload | None:
    if upload_id is None:
        return None
    from tailormed.store.models import GenomeUpload

    row = session.get(GenomeUpload, upload_id)
    if row is None:
        return None
    return Upload(row.filename, platform.repo.genome_content(session, row))


def _finish_failed(platform: Platform, job_id: str, worker: str, problem: dict[str, Any]) -> str:
    with platform.db.transaction() as session:
        job = session.get(Analysis, job_id)
        if job is None or job.worker != worker:
            return "lost"
        job.status, job.stage, job.finished_at, job.lease_until, job.error = FAILED, "failed", now(), None, problem
        platform.audit.append(
            session,
            Entry(
                actor=SYSTEM,
                action=AuditAction.EXECUTE,
                resource="analysis",
                purpose=Purpose.TREATMENT,
                outcome=Outcome.FAILED,
                resource_id=job_id,
                patient_id=job.patient_id,
                detail=str(problem.get("detail")),
            ),
        )
    return FAILED


def _problem(status: int, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        **{k: v for k, v in extra.items() if v is not None},
    }


class Worker:
    """A background thread that runs queued analyses one at a time until stopped."""

    def __init__(
        self,
        platform: Platform,
        analyzer_factory: Callable[[], Analyzer],
        *,
        poll_seconds: float = 0.5,
        on_plan: Callable[[str], None] | None = None,
    ) -> None:
        self.platform = platform
        self._analyzer_factory = analyzer_factory
        self._on_plan = on_plan
        """Called with the patient id after a job stored a plan (the service warms its CDS view)."""
        self._analyzer: Analyzer | None = None
        self.poll_seconds = poll_seconds
        self.name = f"{socket.gethostname()}:{os.getpid()}:{new_id()[:8]}"
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def analyzer(self) -> Analyzer:
        if self._analyzer is None:
            self._analyzer = self._analyzer_factory()
        return self._analyzer

    def start(self) -> None:
        recover(self.platform)
        self._thread = threading.Thread(target=self._loop, name="tailormed-worker", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run_pending(self) -> int:
        """Run queued jobs until the queue is empty (in this thread); returns how many ran."""
        count = 0
        while not self._stop.is_set():
            job_id = claim(self.platform, self.name)
            if job_id is None:
                return count
            if run_job(self.platform, self.analyzer, job_id, self.name) == SUCCEEDED and self._on_plan is not None:
                patient_id = job_patient(self.platform, job_id)
                if patient_id is not None:
                    try:
                        self._on_plan(patient_id)
                    except Exception:  # a cache warm-up must never fail the worker; the first call computes it
                        _log.exception("preparing the CDS view of %s", patient_id)
            count += 1
        return count

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_pending()
            except Exception:  # keep the worker alive; the job (if any) is recovered when its lease runs out
                _log.exception("worker loop")
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
