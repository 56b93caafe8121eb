"""What one running service holds: settings, the open platform, the token key, the worker and the analyzer."""

from __future__ import annotations

import threading
import time
from collections import deque

from fastapi import Request

from tailormed.knowledge.bundle import load_bundle
from tailormed.service.analysis import Analyzer
from tailormed.service.core import Platform
from tailormed.service.jobs import Worker
from tailormed.service.pgx_check import PgxChecker
from tailormed.service.settings import ServiceSettings

TOKEN_KEY_PURPOSE = "access tokens"


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
        from tailormed.service.cds import ClientVerifier

        self.cds_verifier = ClientVerifier(settings.cds_issuers)

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
