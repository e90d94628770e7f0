"""Fixtures shared by the hal tests; the helpers behind them are in halkit.py."""

from __future__ import annotations

import pytest

from halkit import Lane


@pytest.fixture
def lane() -> Lane:
    """What the lane hears from the device under test."""
    return Lane()
