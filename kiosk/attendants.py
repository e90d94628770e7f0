"""Who the attendants are and how they prove it: salted scrypt PIN hashes and badge codes.

PINs are short, so the hash is deliberately slow (scrypt, n=2**14) and sign-in is rate limited by the lane (after
``Settings.pin_attempts`` wrong PINs it refuses PINs for ``pin_lockout_s``). A PIN is never written anywhere in
clear: not in the config, not in the journal, not in a log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

from kiosk.config import Attendant

_N, _R, _P = 2 ** 14, 8, 1


def hash_pin(pin: str, *, salt: bytes | None = None, n: int = _N) -> str:
    """``scrypt$n$r$p$salt$hash`` for a PIN (or password)."""
    if not pin or not pin.isprintable():
        raise ValueError("a PIN must be printable and not empty")
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=n, r=_R, p=_P, dklen=32)
    b64 = lambda b: base64.b64encode(b).decode("ascii").rstrip("=")  # noqa: E731
    return f"scrypt${n}${_R}${_P}${b64(salt)}${b64(digest)}"


def verify_pin(pin: str, stored: str) -> bool:
    """True if ``pin`` matches ``stored`` (constant-time comparison; False for a malformed hash)."""
    try:
        scheme, n, r, p, salt_b64, hash_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt = base64.b64decode(salt_b64 + "=" * (-len(salt_b64) % 4))
        expected = base64.b64decode(hash_b64 + "=" * (-len(hash_b64) % 4))
        digest = hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)


class Attendants:
    """The attendants of one lane (from its config)."""

    def __init__(self, attendants: tuple[Attendant, ...] | list[Attendant]):
        self._all = tuple(attendants)
        # Successful PIN checks are remembered for this process only, keyed by a salted fast hash, so that a replay
        # with hundreds of attendant actions does not spend seconds in scrypt. Failures are never cached.
        self._key = os.urandom(16)
        self._known: dict[bytes, Attendant] = {}

    def __iter__(self):
        return iter(self._all)

    def by_pin(self, pin: str) -> Attendant | None:
        if not pin or len(pin) > 32:
            return None
        k = hmac.new(self._key, pin.encode("utf-8"), "sha256").digest()
        hit = self._known.get(k)
        if hit is not None:
            return hit
        for a in self._all:
            if a.pin_hash and verify_pin(pin, a.pin_hash):
                self._known[k] = a
                return a
        return None

    def by_badge(self, code: str) -> Attendant | None:
        for a in self._all:
            if a.badge and hmac.compare_digest(a.badge.encode(), code.encode()):
                return a
        return None

    def get(self, attendant_id: str) -> Attendant | None:
        for a in self._all:
            if a.id == attendant_id:
                return a
        return None
