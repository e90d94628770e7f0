"""Fixtures shared by the lane's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.catalog import Catalog

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sample_catalog(tmp_path_factory):
    """The shipped sample catalog, imported into SQLite on disk as a lane does at its first start."""
    cat = Catalog.open(tmp_path_factory.mktemp("cat") / "catalog.db")
    cat.import_file(ROOT / "config" / "catalog.csv")
    yield cat
    cat.close()
