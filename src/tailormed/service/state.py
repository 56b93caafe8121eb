"""What one running service holds: settings, the open platform, the token key, the worker and the analyzer."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from datetime import datetime

from fastapi import Request
from sqlalchemy import select

from tailormed.knowledge.bundle import load_bundle
from tailormed.model.careplan import CarePlan
from tailormed.model.patient import Patient
from tailormed.model.pgx import GenePhenotype
from tailormed.service.analysis import Analyzer
from tailormed.service.core import Platform
from tailormed.service.jobs import Worker
from tailormed.service.pgx_check import PgxChecker, gene_results
from tailormed.service.settings import ServiceSettings
from tailormed.service.views import view
from tailormed.store.models import CarePlanRow
from tailormed.store.models import Patient as PatientRow

TOKEN_KEY_PURPOSE = "access tokens"
SNAPSHOTS = 256
"""Most patients whose decrypted plan a service keeps in memory for CDS calls."""
Snapshot = tuple[CarePlan, Patient, dict[str, GenePhenotype]]


class RateLimiter:
    """At most ``limit`` events per key in a sliding ``window`` of seconds (kept in memory, bounded)."""

    MAX_KEYS = 10_000

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """Record an event; None when allowed, else the seconds until the next one would be."""
        now = time.monotonic()
        with self._lock:
            if len(self._events) >= self.MAX_KEYS and key not in self._events:
                self._evict(now)
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return max(0.0, events[0] + self.window - now)
            events.append(now)
            return None

    def _evict(self, now: float) -> None:
        for key in [k for k, v in self._events.items() if not v or v[-1] <= now - self.window]:
            del self._events[key]
        while len(self._events) >= self.MAX_KEYS:
            self._events.pop(next(iter(self._events)))


class ServiceState:
    def __init__(self, settings: ServiceSettings, platform: Platform) -> None:
        self.settings = settings
        self.platform = platform
        self.token_key = platform.keyring.master.derive(TOKEN_KEY_PURPOSE)
        self.token_limiter = RateLimiter(settings.token_attempts, settings.token_window)
        self._analyzer: Analyzer | None = None
        self._lock = threading.Lock()
        self.worker = Worker(platform, self.analyzer)
        self._checker: PgxChecker | None = None
        self._snapshots: OrderedDict[tuple[str, frozenset[str]], tuple[tuple[str, datetime], Snapshot]] = OrderedDict()
        from tailormed.service.cds import ClientVerifier

        self.cds_verifier = ClientVerifier(settings.cds_issuers)

    def snapshot(self, patient_id: str, hide: frozenset[str]) -> Snapshot | None:
        """The patient's latest plan as ``hide`` lets it be seen, the record and the gene results, decrypted once
        per plan and record version and kept in a small bounded cache (checked against the store on every call)."""
        platform = self.platform
        with platform.db.read() as session:
            plan_id = session.scalar(
                select(CarePlanRow.id)
                .where(CarePlanRow.patient_id == patient_id)
                .order_by(CarePlanRow.created_at.desc(), CarePlanRow.id)
                .limit(1)
            )
            updated = session.scalar(select(PatientRow.updated_at).where(PatientRow.id == patient_id))
            if plan_id is None or updated is None:
                return None
            key = (patient_id, hide)
            version = (plan_id, updated)
            with self._lock:
                cached = self._snapshots.get(key)
                if cached is not None and cached[0] == version:
                    self._snapshots.move_to_end(key)
                    return cached[1]
            stored = platform.repo.latest_plan(session, patient_id)
            entry = platform.repo.load_patient(session, patient_id)
        if stored is None or entry is None:
            return None
        plan = view(stored.plan, entry.patient, hide)
        snapshot = (plan, entry.patient, gene_results(plan))
        with self._lock:
            self._snapshots[key] = ((stored.id, entry.updated_at), snapshot)
            self._snapshots.move_to_end(key)
            while len(self._snapshots) > SNAPSHOTS:
                self._snapshots.popitem(last=False)
        return snapshot

    def forget(self, patient_id: str) -> None:
        """Drop a patient's cached snapshots (erasure)."""
        with self._lock:
            for key in [k for k in self._snapshots if k[0] == patient_id]:
                del self._snapshots[key]

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


def state_of(request: Request) -> ServiceState:
    found: ServiceState = request.app.state.tailormed
    return found
