"""The OneRoster import and export in the audit trail (issue 16 point 8): profiles given to new
accounts are a permission change, a directory export a disclosure of every student's data."""

from __future__ import annotations

from sqlalchemy import func, select

from domain.audit.chain import verify_chain
from domain.integrations.oneroster.export import export_oneroster
from domain.integrations.oneroster.importer import import_oneroster
from models.audit import AuditLog, AuditStudentSet
from models.db import session_scope
from models.directory import Student, UserProfile
from oneroster_bundles import GOOD


def test_issue_16_point_8_import_and_export_are_audited(new_engine, tmp_path):
    """Issue 16 point 8: an import that assigns profiles writes one PERMISSIONS_CHANGED row naming
    them (in the import's transaction); importing the same bundle again assigns none and writes
    none; an export writes DIRECTORY_EXPORTED concerning every student. The chain verifies."""
    engine = new_engine()
    assert not import_oneroster(engine, GOOD).errors
    assert not import_oneroster(engine, GOOD).errors  # nothing new: no profile assigned, no row
    export_oneroster(engine, tmp_path / "out")
    with session_scope(engine) as session:
        rows = session.execute(select(AuditLog).order_by(AuditLog.id)).scalars().all()
        profiles = set(session.execute(select(UserProfile.profile_id)).scalars())
        students = set(session.execute(select(Student.id)).scalars())
        [changed, exported] = rows
        assert (changed.action, changed.object_type, set(changed.object_ids)) == (
            "PERMISSIONS_CHANGED", "profile", profiles)
        assert changed.actor_user_id is None and changed.district_id is not None
        assert len(students) == 5 and (exported.action, exported.student_count) == ("DIRECTORY_EXPORTED", 5)
        assert set(session.execute(select(AuditStudentSet.student_id).where(
            AuditStudentSet.digest == exported.students_digest)).scalars()) == students
        assert session.execute(select(func.count()).select_from(AuditStudentSet)).scalar() == 5
    with engine.connect() as connection:
        assert verify_chain(connection).ok
