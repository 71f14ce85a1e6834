"""What a OneRoster import reports: per entity, rows created, updated, unchanged, removed, skipped
and rejected; the row-level errors; notes such as the files it ignored; and the time taken."""

from __future__ import annotations

import dataclasses

from domain.integrations.oneroster.read import RowError

ENTITIES = ("district", "schools", "school_years", "marking_periods", "students", "users", "contacts",
            "student_links", "sections", "enrollments", "section_teachers", "user_schools",
            "user_profiles", "profiles", "orgs", "demographics")


@dataclasses.dataclass
class EntityCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: int = 0
    rejected: int = 0

    def __bool__(self) -> bool:
        return any(dataclasses.astuple(self))


@dataclasses.dataclass
class ImportReport:
    """What an import did (or, with errors, would have rejected); nothing is written on error."""

    counts: dict[str, EntityCounts]
    errors: list[RowError]
    notes: list[str]
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors
