"""The e-receipt's token: stable for one transaction, different for every other, under a key only the lane reads."""

from __future__ import annotations

import stat

from kiosk.receipt.token import KEY_FILE, ereceipt_token


def test_the_same_transaction_always_gets_the_same_token_and_others_a_different_one(tmp_path):
    first = ereceipt_token(tmp_path, "lane-1", 17)
    assert ereceipt_token(tmp_path, "lane-1", 17) == first
    assert ereceipt_token(tmp_path, "lane-1", 18) != first
    assert ereceipt_token(tmp_path, "lane-2", 17) != first
    assert len(first) == 20 and first.replace("-", "").replace("_", "").isalnum()


def test_the_key_is_the_lanes_own_and_private(tmp_path):
    token = ereceipt_token(tmp_path, "lane-1", 1)
    key = tmp_path / KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32
    other = tmp_path / "other"
    assert ereceipt_token(other, "lane-1", 1) != token          # another lane's key: another token
