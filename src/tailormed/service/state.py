"""What one running service holds: settings, the open platform, the token key, the worker and the analyzer."""

from __future__ import annotations

import gc
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import Request
from sqlalchemy import bindparam, delete, func, select

from tailormed.knowledge.bundle import load_bundle
from tailormed.model.careplan import CarePlan
from tailormed.model.patient import Patient
from tailormed.model.pgx import GenePhenotype
from tailormed.security.policy import HEREDITARY, Resource, Target
from tailormed.service.analysis import Analyzer
from tailormed.service.core import Platform
from tailormed.service.jobs import Worker
from tailormed.service.pgx_check import CheckCache, PgxChecker, gene_results
from tailormed.service.settings import ServiceSettings
from tailormed.service.views import view
from tailormed.store.db import Database
from tailormed.store.models import CarePlanRow, ConsentRow, SignInAttempt
from tailormed.store.models import Patient as PatientRow

TOKEN_KEY_PURPOSE = "access tokens"
SNAPSHOTS = 256
"""Most patients whose decrypted plan a service keeps in memory for CDS calls."""
CDS_HIDDEN = frozenset({HEREDITARY})
"""What a CDS client's view of a plan leaves out (the access policy's answer for that role)."""


@dataclass(frozen=True)
class PatientVersion:
    """What identifies the current state of a patient's stored data (one query, no encrypted column read). The
    values are as the database driver returns them: compared only with each other."""

    updated: object
    """The record's last update."""
    consent: int
    """The last consent decision's sequence number (0: none recorded)."""
    plan: str | None
    """The latest care plan's id."""


@dataclass(frozen=True)
class Snapshot:
    """A patient's latest plan as one view sees it, the record, the gene results and the checks made on them."""

    plan: CarePlan
    patient: Patient
    results: dict[str, GenePhenotype]
    checks: CheckCache


_VERSION = select(
    PatientRow.updated_at,
    select(func.max(ConsentRow.seq)).where(ConsentRow.patient_id == bindparam("pid")).scalar_subquery(),
    select(CarePlanRow.id)
    .where(CarePlanRow.patient_id == bindparam("pid"))
    .order_by(CarePlanRow.created_at.desc(), CarePlanRow.id)
    .limit(1)
    .scalar_subquery(),
).where(PatientRow.id == bindparam("pid"))


class RateLimiter:
    """At most ``limit`` events per key in a sliding ``window`` of seconds, counted in the store's
    ``sign_in_attempts`` table, so that the server processes of ``tailormed serve --workers N`` count together
    (attempts made at the same moment through different processes may each see the other's not yet committed, so
    the limit can be passed by as many as arrive together)."""

    def __init__(self, db: Database, limit: int, window: float) -> None:
        self.db = db
        self.limit = limit
        self.window = window

    def hit(self, key: str) -> float | None:
        """Record an event; None when allowed, else the seconds until the next one would be."""
        now = datetime.now(UTC)
        start = now - timedelta(seconds=self.window)
        key_hash = hashlib.sha256(key.encode()).hexdigest()
        with self.db.transaction() as session:
            session.execute(delete(SignInAttempt).where(SignInAttempt.at <= start))
            times = session.scalars(
                select(SignInAttempt.at).where(SignInAttempt.key_hash == key_hash).order_by(SignInAttempt.at)
            ).all()
            if len(times) >= self.limit:
                return max(0.0, (times[0] - start).total_seconds())
            session.add(SignInAttempt(key_hash=key_hash, at=now))
        return None


class ServiceState:
    def __init__(self, settings: ServiceSettings, platform: Platform) -> None:
        self.settings = settings
        self.platform = platform
        self.token_key = platform.keyring.master.derive(TOKEN_KEY_PURPOSE)
        self.token_limiter = RateLimiter(platform.db, settings.token_attempts, settings.token_window)
        self._analyzer: Analyzer | None = None
        self._lock = threading.Lock()
        self.worker = Worker(platform, self.analyzer, on_plan=self.prepare)
        self._checker: PgxChecker | None = None
        self._version = platform.db.prepare_read(_VERSION)
        self._snapshots: OrderedDict[tuple[str, frozenset[str]], tuple[PatientVersion, Snapshot]] = OrderedDict()
        self._targets: OrderedDict[str, tuple[tuple[object, int], Target]] = OrderedDict()
        from tailormed.service.client_jwt import ClientVerifier

        self.cds_verifier = ClientVerifier(settings.cds_issuers)

    def version(self, patient_id: str) -> PatientVersion | None:
        """The patient's current version (None: no such patient), in one read."""
        row = self._version.first({"pid": patient_id})
        if row is None:
            return None
        return PatientVersion(updated=row[0], consent=int(row[1] or 0), plan=row[2])

    def plan_target(self, patient_id: str, version: PatientVersion | None) -> Target:
        """What the access policy needs to decide a read of the patient's plan: existence and the consent in force,
        re-read from the store only when the patient's consent or record changed since the last call."""
        if version is None:
            return Target(resource=Resource.CARE_PLAN, patient_id=patient_id, exists=False)
        stamp = (version.updated, version.consent)
        with self._lock:
            cached = self._targets.get(patient_id)
            if cached is not None and cached[0] == stamp:
                self._targets.move_to_end(patient_id)
                return cached[1]
        with self.platform.db.read() as session:
            target = self.platform.target(session, Resource.CARE_PLAN, patient_id)
        with self._lock:
            self._targets[patient_id] = (stamp, target)
            while len(self._targets) > SNAPSHOTS:
                self._targets.popitem(last=False)
        return target

    def snapshot(self, patient_id: str, hide: frozenset[str], version: PatientVersion | None) -> Snapshot | None:
        """The patient's latest plan as ``hide`` lets it be seen, the record and the gene results, decrypted once
        per plan and record version and kept in a small bounded cache (``version`` read from the store on every
        call). What is loaded is at least as new as ``version``, under which it is kept: a change in between only
        makes the next call load it again."""
        if version is None or version.plan is None:
            return None
        key = (patient_id, hide)
        with self._lock:
            cached = self._snapshots.get(key)
            if cached is not None and cached[0].plan == version.plan and cached[0].updated == version.updated:
                self._snapshots.move_to_end(key)
                return cached[1]
        platform = self.platform
        with platform.db.read() as session:
            stored = platform.repo.latest_plan(session, patient_id)
            entry = platform.repo.load_patient(session, patient_id)
        if stored is None or entry is None:
            return None
        plan = view(stored.plan, entry.patient, hide)
        results = gene_results(plan)
        # the age the plan was made at: the checks give the advice the plan gives (rows a label writes by age)
        age = entry.patient.demographics.age_on(stored.plan.generated_at.date())
        snapshot = Snapshot(plan, entry.patient, results, CheckCache(self.pgx_checker(), results, age))
        with self._lock:
            self._snapshots[key] = (version, snapshot)
            self._snapshots.move_to_end(key)
            while len(self._snapshots) > SNAPSHOTS:
                self._snapshots.popitem(last=False)
        return snapshot

    def prepare(self, patient_id: str) -> None:
        """Warm the CDS view of a patient whose plan was just stored: the plan decrypted once, and the check of every
        drug a guideline covers made beside the stored medication list, so the first order is already a look-up.
        Nothing is shown to anyone here (the access of a CDS client is still authorized and audited per call)."""
        version = self.version(patient_id)
        snapshot = self.snapshot(patient_id, CDS_HIDDEN, version)
        if snapshot is not None:
            snapshot.checks.prepare(snapshot.patient.current_medications())
            settle()

    def warm(self) -> None:
        """Load the PGx knowledge before the first CDS call needs it, and settle it (:func:`settle`)."""
        self.pgx_checker()
        settle()

    def forget(self, patient_id: str) -> None:
        """Drop a patient's cached snapshots (erasure)."""
        with self._lock:
            for key in [k for k in self._snapshots if k[0] == patient_id]:
                del self._snapshots[key]
            self._targets.pop(patient_id, None)

    def pgx_checker(self) -> PgxChecker:
        """The PGx knowledge for CDS cards and genomics operations (loaded once, on first use)."""
        with self._lock:
            if self._checker is None:
                analyzer = self._analyzer
                bundle = analyzer.bundle if analyzer is not None else load_bundle(self.settings.kb)
                self._checker = PgxChecker(bundle)
            return self._checker

    def analyzer(self) -> Analyzer:
        with self._lock:
            if self._analyzer is None:
                self._analyzer = Analyzer(load_bundle(self.settings.kb))
            return self._analyzer


def settle() -> None:
    """Take what is loaded now (the knowledge, prepared plans and checks) out of the garbage collector's scans
    (``gc.freeze``): these objects live as long as the process, and a full collection walking them all stops every
    request for a few hundred milliseconds — the slowest CDS answers were exactly these pauses."""
    gc.freeze()


def state_of(request: Request) -> ServiceState:
    found: ServiceState = request.app.state.tailormed
    return found
