"""Web sign-in sessions: an opaque cookie naming a server-side session, with its CSRF token and idle timeout.

The cookie carries only a random id (HttpOnly, SameSite=Strict, Secure behind HTTPS); who is signed in, the CSRF
token and the last activity stay in this process. Signing out forgets the session at once, so a copied cookie stops
working; a session unused for ``idle`` seconds, or older than ``lifetime``, is gone too. Sessions live in the
process's memory: a service run with several worker processes signs users in again when a request reaches another
process (run the web app with one process, as ``tailormed serve`` does).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

COOKIE = "tailormed_session"
PRE_COOKIE = "tailormed_signin"
"""A random value set with the sign-in form, so the form's CSRF token can be checked before anyone is signed in."""
IDLE_SECONDS = 15 * 60
LIFETIME_SECONDS = 12 * 60 * 60
MAX_SESSIONS = 10_000


@dataclass
class WebSession:
    """One signed-in browser."""

    id: str
    user_id: str
    username: str
    role: str
    csrf: str
    created: float
    last_seen: float = field(default=0.0)


class SessionStore:
    """The signed-in browsers of this process (bounded; least recently used dropped first)."""

    def __init__(self, *, idle: float = IDLE_SECONDS, lifetime: float = LIFETIME_SECONDS) -> None:
        self.idle = idle
        self.lifetime = lifetime
        self._sessions: OrderedDict[str, WebSession] = OrderedDict()
        self._lock = threading.Lock()
        self._key = secrets.token_bytes(32)

    def open(self, *, user_id: str, username: str, role: str) -> WebSession:
        now = time.monotonic()
        session = WebSession(
            id=secrets.token_urlsafe(32),
            user_id=user_id,
            username=username,
            role=role,
            csrf=secrets.token_urlsafe(32),
            created=now,
            last_seen=now,
        )
        with self._lock:
            self._sessions[session.id] = session
            while len(self._sessions) > MAX_SESSIONS:
                self._sessions.popitem(last=False)
        return session

    def get(self, session_id: str | None) -> WebSession | None:
        """The live session with this id, its idle clock restarted; None when unknown, idle too long or too old."""
        if not session_id:
            return None
        now = time.monotonic()
        with self._lock:
            found = self._sessions.get(session_id)
            if found is None:
                return None
            if now - found.last_seen > self.idle or now - found.created > self.lifetime:
                del self._sessions[session_id]
                return None
            found.last_seen = now
            self._sessions.move_to_end(session_id)
            return found

    def close(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def close_user(self, user_id: str) -> None:
        """Forget every session of an account (erasure, a disabled account)."""
        with self._lock:
            for key in [k for k, v in self._sessions.items() if v.user_id == user_id]:
                del self._sessions[key]

    def sign_in_token(self, pre_session: str) -> str:
        """The CSRF token of the sign-in form, bound to the browser's pre-session cookie."""
        return hmac.new(self._key, pre_session.encode(), hashlib.sha256).hexdigest()

    def sign_in_token_ok(self, pre_session: str | None, token: str | None) -> bool:
        if not pre_session or not token:
            return False
        return hmac.compare_digest(self.sign_in_token(pre_session), token)


def same_token(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())
