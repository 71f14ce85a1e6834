"""OneRoster bundles for the import and export tests: the fixture bundles beside the tests
(tests/integrations/fixtures/oneroster), the shared sample when it is here, and the directory
tables an import writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models.directory import (
    Contact, District, Enrollment, Profile, ProfileGrant, School, SchoolYear, Section,
    SectionTeacher, Student, StudentLink, User, UserProfile, UserSchool,
)

FIXTURES = Path(__file__).parent / "integrations" / "fixtures" / "oneroster"
GOOD = FIXTURES / "good"
SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "peers" / "oneroster" / "nicelion-oneroster-mocker"
DIRECTORY = (District, School, SchoolYear, Profile, ProfileGrant, User, UserProfile, UserSchool,
             Student, StudentLink, Contact, Section, SectionTeacher, Enrollment)
needs_sample = pytest.mark.skipif(not SAMPLE.exists(), reason="the shared OneRoster sample is not here")


def make_bundle(tmp_path: Path, *overlays: Path, name: str = "bundle") -> Path:
    """A copy of the good bundle with the files of each overlay folder laid over it."""
    target = tmp_path / name
    shutil.copytree(GOOD, target)
    for overlay in overlays:
        for path in overlay.iterdir():
            shutil.copy(path, target / path.name)
    return target


def directory_row_counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {model.__tablename__: connection.execute(select(func.count()).select_from(model)).scalar_one()
                for model in DIRECTORY}
