"""Web sign-in sessions: an opaque cookie naming a server-side session, with its CSRF token and idle timeout.

The cookie carries only a random id (HttpOnly, SameSite=Strict, Secure behind HTTPS). Who is signed in and the last
activity are kept in the store under the SHA-256 of that id, so that every server process of a service run with
several (``tailormed serve --workers N``) knows the session and a sign-out ends it in all of them at once; the CSRF
token is an HMAC of the id under a key derived from the master key, the same in every process and stored nowhere.
Signing out forgets the session, so a copied cookie stops working; a session unused for ``idle`` seconds, or older
than ``lifetime``, is gone too. The idle clock restarts on activity at most every :data:`TOUCH_SECONDS` (or a
quarter of ``idle``), so that page views are not each a write.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, delete, or_, update

from tailormed.store.db import Database
from tailormed.store.models import WebSessionRow

COOKIE = "tailormed_session"
PRE_COOKIE = "tailormed_signin"
"""A random value set with the sign-in form, so the form's CSRF token can be checked before anyone is signed in."""
IDLE_SECONDS = 15 * 60
LIFETIME_SECONDS = 12 * 60 * 60
TOUCH_SECONDS = 60.0
KEY_PURPOSE = "web sessions"
"""What the sessions' HMAC key is derived from the master key for."""


@dataclass(frozen=True)
class WebSession:
    """One signed-in browser."""

    id: str
    user_id: str
    username: str
    role: str
    csrf: str


class SessionStore:
    """The signed-in browsers of the service, in the store's ``web_sessions`` table."""

    def __init__(
        self, db: Database, key: bytes, *, idle: float = IDLE_SECONDS, lifetime: float = LIFETIME_SECONDS
    ) -> None:
        self.db = db
        self.idle = idle
        self.lifetime = lifetime
        self._touch = timedelta(seconds=min(TOUCH_SECONDS, idle / 4))
        self._key = key

    def open(self, *, user_id: str, username: str, role: str) -> WebSession:
        """A new session (the ones that have run out are removed on the way)."""
        session_id = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self.db.transaction() as db:
            db.execute(delete(WebSessionRow).where(self._ended(now)))
            db.add(
                WebSessionRow(
                    id_hash=_hash(session_id),
                    user_id=user_id,
                    username=username,
                    role=role,
                    created_at=now,
                    last_seen=now,
                )
            )
        return self._session(session_id, user_id, username, role)

    def get(self, session_id: str | None) -> WebSession | None:
        """The live session with this id, its idle clock restarted; None when unknown, idle too long or too old."""
        if not session_id:
            return None
        now = datetime.now(UTC)
        with self.db.read() as db:
            row = db.get(WebSessionRow, _hash(session_id))
            found = None if row is None else (row.user_id, row.username, row.role, row.created_at, row.last_seen)
        if found is None:
            return None
        user_id, username, role, created, last_seen = found
        if now - last_seen > timedelta(seconds=self.idle) or now - created > timedelta(seconds=self.lifetime):
            self.close(session_id)
            return None
        if now - last_seen >= self._touch:
            with self.db.transaction() as db:
                db.execute(
                    update(WebSessionRow)
                    .where(WebSessionRow.id_hash == _hash(session_id), WebSessionRow.last_seen < now)
                    .values(last_seen=now)
                )
        return self._session(session_id, user_id, username, role)

    def close(self, session_id: str) -> None:
        with self.db.transaction() as db:
            db.execute(delete(WebSessionRow).where(WebSessionRow.id_hash == _hash(session_id)))

    def sign_in_token(self, pre_session: str) -> str:
        """The CSRF token of the sign-in form, bound to the browser's pre-session cookie."""
        return self._mac("sign-in", pre_session)

    def sign_in_token_ok(self, pre_session: str | None, token: str | None) -> bool:
        if not pre_session or not token:
            return False
        return hmac.compare_digest(self.sign_in_token(pre_session), token)

    def _session(self, session_id: str, user_id: str, username: str, role: str) -> WebSession:
        return WebSession(
            id=session_id, user_id=user_id, username=username, role=role, csrf=self._mac("session", session_id)
        )

    def _mac(self, purpose: str, value: str) -> str:
        return hmac.new(self._key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()

    def _ended(self, now: datetime) -> ColumnElement[bool]:
        return or_(
            WebSessionRow.last_seen < now - timedelta(seconds=self.idle),
            WebSessionRow.created_at < now - timedelta(seconds=self.lifetime),
        )


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def same_token(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())
