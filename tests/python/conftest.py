import datetime as dt

import pytest

import saleskit

UTC = dt.timezone.utc


@pytest.fixture
def engine() -> saleskit.Engine:
    return saleskit.Engine(start=dt.datetime(2026, 1, 1, tzinfo=UTC))
