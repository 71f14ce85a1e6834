"""Per-request DataLoaders: every relation from a type to another table goes through one."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from sqlalchemy import and_, select
from strawberry.dataloader import DataLoader

from graph.conversations.loaders import ChannelStatesByMessageLoader, InAppCountsByMessageLoader
from graph.messages.loaders import AttachmentsByMessageIdLoader, AttemptsByDeliveryIdLoader, DeliveryCountsByMessageLoader
from graph.translations.manual import TranslationsByMessageIdLoader, TranslationsByTemplateIdLoader
from graph.translations.loaders import TranslationByMessageLanguageLoader
from models.directory import (
    AccountStatus,
    Enrollment,
    School,
    SectionTeacher,
    Student,
    User,
)

if TYPE_CHECKING:
    from graph.context import Context


class Loaders:
    """Created per request, so cached rows never outlive the request."""

    def __init__(self, context: Context):
        self._context = context
        self.school_by_id = DataLoader(self._schools)
        self.user_by_id = DataLoader(self._users)
        self.teachers_by_section_id = DataLoader(self._teachers_by_section)
        self.students_by_section_id = DataLoader(self._students_by_section)
        self.attachments_by_message_id = AttachmentsByMessageIdLoader(context)
        self.attempts_by_delivery_id = AttemptsByDeliveryIdLoader(context)
        self.delivery_counts_by_message = DeliveryCountsByMessageLoader(context)
        self.in_app_counts_by_message = InAppCountsByMessageLoader(context)
        self.channel_states_by_message = ChannelStatesByMessageLoader(context)
        self.translations_by_message_id = TranslationsByMessageIdLoader(context)
        self.translations_by_template_id = TranslationsByTemplateIdLoader(context)
        self.translation_by_message_language = TranslationByMessageLanguageLoader(context)

    async def _schools(self, ids: list[int]) -> list[School | None]:
        rows = self._context.session.execute(select(School).where(School.id.in_(ids))).scalars()
        found = {row.id: row for row in rows}
        return [found.get(i) for i in ids]

    async def _users(self, ids: list[int]) -> list[User | None]:
        rows = self._context.session.execute(select(User).where(User.id.in_(ids))).scalars()
        found = {row.id: row for row in rows}
        return [found.get(i) for i in ids]

    async def _teachers_by_section(self, ids: list[int]) -> list[list[User]]:
        rows = self._context.session.execute(
            select(SectionTeacher.section_id, User)
            .join(User, User.id == SectionTeacher.user_id)
            .where(SectionTeacher.section_id.in_(ids))
            .order_by(User.last_name, User.id)
        ).all()
        grouped: dict[int, list[User]] = defaultdict(list)
        for section_id, user in rows:
            grouped[section_id].append(user)
        return [grouped[i] for i in ids]

    async def _students_by_section(self, ids: list[int]) -> list[list[Student]]:
        from domain.access.scope import student_scope

        rows = self._context.session.execute(
            select(Enrollment.section_id, Student)
            .join(Student, Student.id == Enrollment.student_id)
            .where(Enrollment.section_id.in_(ids),
                   and_(student_scope(self._context.viewer), Student.status == AccountStatus.ACTIVE))
            .order_by(Student.last_name, Student.first_name, Student.id)
        ).all()
        grouped: dict[int, list[Student]] = defaultdict(list)
        for section_id, student in rows:
            grouped[section_id].append(student)
        return [grouped[i] for i in ids]
