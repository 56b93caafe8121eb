"""The sign-in rate limit counts in the store, so the server processes of ``tailormed serve --workers N`` count
every attempt together (per client address and user name, in a sliding window)."""

from __future__ import annotations

import time

from sqlalchemy import text

from tailormed.service.core import Platform
from tailormed.service.state import RateLimiter


def test_two_processes_count_the_attempts_together(platform: Platform) -> None:
    first, second = RateLimiter(platform.db, 3, 60), RateLimiter(platform.db, 3, 60)  # one per server process
    assert first.hit("10.0.0.1|clinician") is None
    assert second.hit("10.0.0.1|clinician") is None
    assert first.hit("10.0.0.1|clinician") is None
    wait = second.hit("10.0.0.1|clinician")
    assert wait is not None and 0 < wait <= 60
    assert first.hit("10.0.0.1|clinician") is not None
    assert second.hit("10.0.0.2|clinician") is None  # another address, another count
    with platform.db.read() as session:  # neither address nor user name is kept in clear
        rows = " ".join(str(row) for row in session.execute(text("SELECT * FROM sign_in_attempts")).all())
    assert "clinician" not in rows and "10.0.0" not in rows


def test_attempts_leave_the_window(platform: Platform) -> None:
    limiter = RateLimiter(platform.db, 2, 0.5)
    assert limiter.hit("a|b") is None and limiter.hit("a|b") is None
    assert limiter.hit("a|b") is not None
    time.sleep(0.6)
    assert limiter.hit("a|b") is None
    with platform.db.read() as session:  # old attempts are removed, not kept
        assert session.execute(text("SELECT count(*) FROM sign_in_attempts")).scalar() == 1
