from __future__ import annotations

from pathlib import Path

import pytest

from tests.region_ui.fixtures import publish_region


@pytest.fixture
def region_warehouse(tmp_path) -> Path:
    return publish_region(tmp_path / "warehouse")
