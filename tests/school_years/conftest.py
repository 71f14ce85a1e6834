"""School-year tests: the seeded prior and current years, a later one, and their marking periods."""

from __future__ import annotations

import pytest

from school_year_steps import years_with_periods


@pytest.fixture(scope="module")
def years(engine):
    with years_with_periods(engine) as added:
        yield added
