"""Who may use the attendant console: sign-in with id and PIN, lockout and rate limit, sessions, CSRF and Origin checks.

The choices, in one place:

- **PINs** are checked against the scrypt hash of the attendant's config entry (:func:`kiosk.attendants.verify_pin`)
  on a worker thread, never on the event loop, and at most two at a time. An unknown attendant id costs the same
  hash (against a throwaway hash), and answers the same "wrong id or PIN", so the console does not tell which ids
  exist. A PIN is never logged, audited or kept.
- **Lockout**: after ``max_failures`` (5) wrong PINs for one attendant id within ``lockout_s`` (5 minutes) that id
  is locked for ``lockout_s``; while locked even the right PIN is refused without being hashed.
  **Rate limit**: one remote address may try ``per_address`` (10) sign-ins per ``window_s`` (60 s), whatever the
  id. Both answer with their own error and the seconds to wait, and both are audited (a rate-limited address
  once per window, so a flood cannot fill the disk).
- **Sessions** live on the server; the browser holds only a random token (``secrets.token_urlsafe(32)``) in the
  cookie ``kiosk_console``: HttpOnly, SameSite=Strict, Path=/, and Secure when the console runs over TLS. A
  session ends after ``idle_s`` (15 min) without a request from the attendant (the page's WebSocket stream does
  not count as activity; a tap on the page does), after ``absolute_s`` (12 h) in any case, or at sign-out. A new
  sign-in always makes a new token (no session fixation).
- **CSRF**: every state-changing request of a signed-in page (``POST /api/command``, ``POST /logout``) must carry
  the session's own CSRF token in the ``X-CSRF-Token`` header; the page receives it from ``GET /api/lanes`` (a
  same-origin read a foreign site cannot make). On top of that the cookie is SameSite=Strict and every POST must
  carry an ``Origin`` header naming the console itself (scheme and host; optionally only from ``allowed_hosts``,
  which also stops DNS rebinding). A POST without Origin is refused: every browser the console supports sends it.
- **The sign-in** itself has no session yet, hence no token: it relies on the Origin check and on accepting JSON
  only (a foreign page's form can post ``text/plain`` or form data, but JSON from another origin needs a CORS
  preflight that the console never grants). Login CSRF would at most sign the victim in as the attacker, who would
  need a valid PIN for that.
- **Roles** decide the commands (:func:`kiosk.lane.settings.role_may`); the console refuses with 403 before sending,
  and the lane checks again with its own list of attendants.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

from kiosk.assist.audit import ConsoleAudit
from kiosk.attendants import Attendants, hash_pin, verify_pin
from kiosk.config import Attendant

log = logging.getLogger(__name__)

COOKIE = "kiosk_console"
CSRF_HEADER = "X-CSRF-Token"

IDLE_S = 15 * 60.0
ABSOLUTE_S = 12 * 3600.0
MAX_FAILURES = 5
LOCKOUT_S = 5 * 60.0
PER_ADDRESS = 10
WINDOW_S = 60.0
MAX_SESSIONS = 1000


# ------------------------------------------------------------------------------------------------------- sessions

@dataclass
class Session:
    """A signed-in attendant at one browser."""

    token: str
    attendant: str
    name: str
    role: str
    csrf: str
    remote: str | None
    t_created: float
    t_last: float


class Sessions:
    """The console's sessions, in memory (a console restart signs everyone out, which is the safe side)."""

    def __init__(self, *, clock: Callable[[], float] = time.time, idle_s: float = IDLE_S,
                 absolute_s: float = ABSOLUTE_S, max_sessions: int = MAX_SESSIONS):
        self.clock = clock
        self.idle_s = idle_s
        self.absolute_s = absolute_s
        self.max_sessions = max_sessions
        self._by_token: dict[str, Session] = {}

    def __len__(self) -> int:
        return len(self._by_token)

    def create(self, who: Attendant, remote: str | None) -> Session:
        self.sweep()
        while len(self._by_token) >= self.max_sessions:     # the oldest go first; a flood cannot grow memory
            oldest = min(self._by_token.values(), key=lambda s: s.t_last)
            self._by_token.pop(oldest.token)
        now = self.clock()
        s = Session(secrets.token_urlsafe(32), who.id, who.name, who.role, secrets.token_urlsafe(32), remote, now,
                    now)
        self._by_token[s.token] = s
        return s

    def expires_at(self, s: Session) -> float:
        return min(s.t_last + self.idle_s, s.t_created + self.absolute_s)

    def get(self, token: str | None, *, touch: bool = True) -> Session | None:
        """The live session of ``token`` (its idle time restarts when ``touch``); None if unknown or expired."""
        if not token:
            return None
        s = self._by_token.get(token)
        if s is None:
            return None
        now = self.clock()
        if now >= self.expires_at(s):
            return None          # left for sweep() to remove and report
        if touch:
            s.t_last = now
        return s

    def drop(self, token: str) -> Session | None:
        return self._by_token.pop(token, None)

    def sweep(self) -> list[Session]:
        """Remove the expired sessions and return them (the console audits them as expired)."""
        now = self.clock()
        gone = [s for s in self._by_token.values() if now >= self.expires_at(s)]
        for s in gone:
            self._by_token.pop(s.token, None)
        return gone


# ------------------------------------------------------------------------------------------------------ throttling

class LoginThrottle:
    """Lockout per attendant id and a rate limit per remote address (see the module docstring)."""

    def __init__(self, *, clock: Callable[[], float] = time.time, max_failures: int = MAX_FAILURES,
                 lockout_s: float = LOCKOUT_S, per_address: int = PER_ADDRESS, window_s: float = WINDOW_S):
        self.clock = clock
        self.max_failures = max_failures
        self.lockout_s = lockout_s
        self.per_address = per_address
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = {}
        self._locked: dict[str, float] = {}          # attendant id -> locked until
        self._attempts: dict[str, deque[float]] = {}

    def attempt(self, remote: str | None) -> float:
        """Count a sign-in attempt from ``remote``; 0 when allowed, else the seconds until it would be."""
        now = self.clock()
        q = self._attempts.setdefault(remote or "?", deque())
        while q and q[0] <= now - self.window_s:
            q.popleft()
        if len(q) >= self.per_address:
            return max(0.1, q[0] + self.window_s - now)
        q.append(now)
        self._prune(now)
        return 0.0

    def locked(self, attendant: str) -> float:
        """Seconds ``attendant`` stays locked out (0: not locked)."""
        until = self._locked.get(attendant, 0.0)
        return max(0.0, until - self.clock())

    def failed(self, attendant: str) -> bool:
        """A wrong PIN for ``attendant``; True when it locks the id now."""
        now = self.clock()
        q = self._failures.setdefault(attendant, deque())
        q.append(now)
        while q and q[0] <= now - self.lockout_s:
            q.popleft()
        if len(q) >= self.max_failures:
            self._locked[attendant] = now + self.lockout_s
            q.clear()
            return True
        return False

    def succeeded(self, attendant: str) -> None:
        self._failures.pop(attendant, None)

    def _prune(self, now: float) -> None:
        """Forget addresses and ids with nothing recent, so guessing ids or addresses cannot grow memory."""
        if len(self._attempts) > 4096:
            for k in [k for k, q in self._attempts.items() if not q or q[-1] <= now - self.window_s]:
                del self._attempts[k]
        if len(self._failures) > 4096:
            for k in [k for k, q in self._failures.items() if not q or q[-1] <= now - self.lockout_s]:
                del self._failures[k]
        if len(self._locked) > 4096:
            for k in [k for k, until in self._locked.items() if until <= now]:
                del self._locked[k]


# ------------------------------------------------------------------------------------------------------- sign-in

@dataclass(frozen=True)
class LoginResult:
    ok: bool
    error: str = ""                 # wrong_pin, locked, rate_limited, bad_request
    retry_after: float = 0.0
    session: Session | None = None


class ConsoleAuth:
    """Sign-in, sessions and request checks of one console."""

    def __init__(self, attendants: Attendants, *, audit: ConsoleAudit | None = None, secure: bool = False,
                 clock: Callable[[], float] = time.time, idle_s: float = IDLE_S, absolute_s: float = ABSOLUTE_S,
                 max_failures: int = MAX_FAILURES, lockout_s: float = LOCKOUT_S, per_address: int = PER_ADDRESS,
                 window_s: float = WINDOW_S, allowed_hosts: set[str] | frozenset[str] | None = None):
        self.attendants = attendants
        self.audit = audit
        self.secure = secure
        self.clock = clock
        self.sessions = Sessions(clock=clock, idle_s=idle_s, absolute_s=absolute_s)
        self.throttle = LoginThrottle(clock=clock, max_failures=max_failures, lockout_s=lockout_s,
                                      per_address=per_address, window_s=window_s)
        self.allowed_hosts = frozenset(h.lower() for h in allowed_hosts) if allowed_hosts else None
        self._decoy: str | None = None           # the hash an unknown id is checked against
        self._limited: dict[str, float] = {}     # remote address -> rate limited (and audited) until
        self._hashing: asyncio.Semaphore | None = None

    async def login(self, attendant_id: str, pin: str, remote: str | None) -> LoginResult:
        """Check a sign-in; on success a new session (the caller sets the cookie)."""
        if not isinstance(attendant_id, str) or not isinstance(pin, str) or not attendant_id \
                or len(attendant_id) > 64 or not pin or len(pin) > 32 or not pin.isprintable():
            return LoginResult(False, "bad_request")
        wait = self.throttle.attempt(remote)
        if wait:
            # Audited and logged once per address and window: a flood of refused attempts does not fill the disk.
            now = self.clock()
            if self._limited.get(remote or "?", 0.0) <= now:
                self._limited[remote or "?"] = now + wait
                if len(self._limited) > 4096:
                    self._limited = {k: v for k, v in self._limited.items() if v > now}
                self._audit_login("limited", attendant_id, remote, detail=f"retry in {wait:.0f} s")
                log.warning("console: sign-in from %s rate limited", remote)
            return LoginResult(False, "rate_limited", wait)
        wait = self.throttle.locked(attendant_id)
        if wait:
            self._audit_login("locked", attendant_id, remote, detail=f"retry in {wait:.0f} s")
            return LoginResult(False, "locked", wait)
        who = self.attendants.get(attendant_id)
        ok = await self._check(pin, who.pin_hash if who is not None and who.pin_hash else None)
        if not ok or who is None:
            locked_now = self.throttle.failed(attendant_id)
            self._audit_login("failed", attendant_id, remote,
                              detail="unknown attendant" if who is None else "wrong PIN")
            if locked_now:
                self._audit_login("locked", attendant_id, remote, detail=f"locked for {self.throttle.lockout_s:.0f} s")
                log.warning("console: attendant id %r locked after %d wrong PINs", attendant_id[:64],
                            self.throttle.max_failures)
                return LoginResult(False, "locked", self.throttle.lockout_s)
            return LoginResult(False, "wrong_pin")
        self.throttle.succeeded(attendant_id)
        session = self.sessions.create(who, remote)
        self._audit_login("ok", who.id, remote, role=who.role)
        log.info("console: %s (%s) signed in from %s", who.id, who.role, remote)
        return LoginResult(True, session=session)

    async def _check(self, pin: str, stored: str | None) -> bool:
        """The slow hash on a worker thread (two at a time at most), against a decoy for an unknown id."""
        loop = asyncio.get_running_loop()
        if self._hashing is None:
            self._hashing = asyncio.Semaphore(2)
        async with self._hashing:
            if stored is None:
                if self._decoy is None:
                    self._decoy = await loop.run_in_executor(None, hash_pin, secrets.token_hex(8))
                await loop.run_in_executor(None, verify_pin, pin, self._decoy)
                return False
            return await loop.run_in_executor(None, verify_pin, pin, stored)

    def _audit_login(self, outcome: str, attendant: str, remote: str | None, **kw) -> None:
        if self.audit is not None:
            self.audit.login(outcome, attendant, remote, **kw)

    # ------------------------------------------------------------------------------------------------ sessions

    def session(self, token: str | None, *, touch: bool = True) -> Session | None:
        self.expire()
        return self.sessions.get(token, touch=touch)

    def expire(self) -> list[Session]:
        """End and audit the sessions that ran out."""
        gone = self.sessions.sweep()
        for s in gone:
            if self.audit is not None:
                self.audit.logout(s.attendant, s.remote, expired=True, role=s.role)
        return gone

    def logout(self, s: Session, remote: str | None) -> None:
        if self.sessions.drop(s.token) is not None and self.audit is not None:
            self.audit.logout(s.attendant, remote, role=s.role)
        log.info("console: %s signed out", s.attendant)

    def cookie_options(self) -> dict:
        """The session cookie's attributes (for aiohttp's ``set_cookie``)."""
        return {"httponly": True, "samesite": "Strict", "path": "/", "secure": self.secure}

    # ------------------------------------------------------------------------------------------------ checks

    @staticmethod
    def csrf_ok(s: Session, header: str | None) -> bool:
        return bool(header) and hmac.compare_digest(s.csrf.encode(), str(header).encode("utf-8", "replace"))

    def origin_ok(self, origin: str | None, scheme: str, host: str | None) -> bool:
        """True when a POST's Origin names this console (and its host is allowed, if a list is configured)."""
        if not origin or not host or origin == "null":
            return False
        host = host.lower()
        if self.allowed_hosts is not None and host not in self.allowed_hosts \
                and host.rsplit(":", 1)[0] not in self.allowed_hosts:
            return False
        return hmac.compare_digest(origin.lower().encode(), f"{scheme}://{host}".encode())
