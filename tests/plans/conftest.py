"""Departments of the two sample plans (shared/samples/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from registries.models import Department, Level, Region
from tests.factories import DepartmentFactory, RegionFactory

SAMPLES = Path(__file__).resolve().parent / "samples"


@pytest.fixture
def city_region(db) -> Region:  # type: ignore[no-untyped-def]
    return RegionFactory(code="140500", name="晋城市", level=Level.CITY)


@pytest.fixture
def city_amr(city_region) -> Department:  # type: ignore[no-untyped-def]
    """晋城市市场监督管理局: owner of the 2023 city sample plan."""
    return DepartmentFactory(
        name="晋城市市场监督管理局", short_name="市市场监管局", level=Level.CITY, region=city_region
    )


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Uploaded tables and scans go to a temporary folder, never the checkout."""
    settings.MEDIA_ROOT = tmp_path / "media"
