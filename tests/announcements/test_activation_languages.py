"""The language an announcement's users are sent in (TRN-01): parents are stored as users
(``message_staff``), and still follow the district setting through the ordinary fan-out; a
student reached as a user follows it too."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, update

from domain.announcements.activation import post_due_announcements
from domain.delivery.fan_out import fan_out
from models.directory import Contact, District, Role, Student, TranslationLanguageSource, User
from models.messaging import Delivery, MessageStaff
from activation_steps import START, announce, at, corner
from test_activation import mine, session  # noqa: F401  (fixture)

PRIMARY = TranslationLanguageSource.STUDENT_PRIMARY_LANGUAGE
DISPLAY = TranslationLanguageSource.DISPLAY_LANGUAGE


def languages_after_posting(session, source: TranslationLanguageSource):
    """A corner whose parent reads Vietnamese and is on the cards of a Somali-primary student and
    (higher id) an Arabic-primary one, a Haitian Creole teacher and a French-reading student
    account reached as a user; posted and fanned out under ``source``."""
    session.execute(update(District).values(translation_language_source=source))
    place = corner(session)
    place.student.language = "so"
    place.parent.language, place.teacher.language = "vi", "ht"
    sibling = Student(school_id=place.school.id, first_name="Sib", last_name=place.student.last_name,
                      grade_level="3", language="ar")
    session.add(sibling)
    session.flush()
    session.add(Contact(student_id=sibling.id, first_name="Pat", last_name=place.parent.last_name,
                        custodial=True, email="sib-card@example.org", user_id=place.parent.id))
    student_account = User(login=f"kid.{place.student.id}", role=Role.STUDENT.value, first_name="Kid",
                           last_name=place.student.last_name, email=f"kid-{place.student.id}@example.org",
                           language="fr", student_id=place.student.id)
    session.add(student_account)
    session.flush()
    announcement = announce(session, place, roles=(Role.PARENT, Role.TEACHER), email_subject="Picture day",
                            email_html_body="<p>Smile</p>")
    [posted] = mine(post_due_announcements(session, at(START, 9)), announcement.id)
    session.execute(insert(MessageStaff.__table__).values(message_id=posted.message_id, user_id=student_account.id))
    fan_out(session, posted.message_id)
    found = dict(session.execute(select(Delivery.recipient_id, Delivery.language).where(
        Delivery.message_id == posted.message_id, Delivery.channel == "EMAIL",
        Delivery.recipient_kind == "USER")).all())
    return found, place, student_account


@pytest.mark.parametrize("source", [DISPLAY, PRIMARY])
def test_trn01_announcement_parents_follow_the_district_setting(session, source):
    """TRN-01: setting 1, each user's own account language; setting 2, a parent user the primary
    language of the lowest-id student on their active cards, a student user their own record's,
    staff their own under both."""
    found, place, student_account = languages_after_posting(session, source)
    if source is DISPLAY:
        assert found == {place.parent.id: "vi", place.teacher.id: "ht", student_account.id: "fr"}
    else:
        assert found == {place.parent.id: "so", place.teacher.id: "ht", student_account.id: "so"}


def test_trn01_setting_2_a_parent_without_an_active_card_keeps_their_own_language(session):
    """TRN-01 setting 2: an inactive card does not give a parent its student's language; with no
    active card the parent reads their account's language."""
    session.execute(update(District).values(translation_language_source=PRIMARY))
    place = corner(session)
    place.student.language, place.parent.language = "so", "vi"
    place.card.status = "INACTIVE"
    session.flush()
    announcement = announce(session, place, roles=(Role.PARENT,), email_subject="Concert",
                            email_html_body="<p>Come</p>")
    [posted] = mine(post_due_announcements(session, at(START, 9)), announcement.id)
    fan_out(session, posted.message_id)
    assert session.execute(select(Delivery.language).where(
        Delivery.message_id == posted.message_id, Delivery.recipient_id == place.parent.id,
        Delivery.recipient_kind == "USER", Delivery.channel == "EMAIL")).scalar_one() == "vi"
