"""The e-receipt's token: who holds the QR code may fetch that one receipt, and nobody can guess another's.

The token is an HMAC of the lane and the transaction number under a key kept in the lane's data directory (created
on first use, readable only by the lane's user). The same transaction always gets the same token, so a reprint
carries the same QR code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_FILE = "ereceipt.key"


def _key(data_dir: Path) -> bytes:
    path = Path(data_dir) / KEY_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key


def ereceipt_token(data_dir: Path, lane_id: str, number: int) -> str:
    mac = hmac.new(_key(data_dir), f"{lane_id}/{int(number)}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:15]).decode()
