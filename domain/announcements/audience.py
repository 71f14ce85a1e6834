"""Who an announcement targets, as set-based SQL: the one meaning of "targets" that the portal feed
(domain.announcements.visibility) and activation (the message a posting sends) both read.

For announcement ``a`` (ANN-04, ANN-06, ANN-08, ANN-16…ANN-18, ANN-22):

- **Its schools.** Those selected; none selected: every school (ANN-06). A class announcement's
  schools are its sections' schools (ANN-22).
- **Targeted students** T(a): active students of its schools in its grade levels (none selected:
  every grade, ANN-08); for a class announcement, the active students enrolled in its sections.
- **Profiles.** Every user below must hold one of its profiles (ANN-18); an announcement with no
  profile (a public one, ANN-10) reaches nobody signed in.
- **Students** see it through their own account when they are in T(a) (ANN-17, ANN-08).
- **Families** see it through the Student Contacts option (ANN-04) applied to T(a), with the recipient
  rules' own SQL (domain.recipients): ``PRIMARY`` the custodial contacts (RCP-06), ``ALL`` or no option
  every contact (RCP-07), ``ONCE_PER_FAMILY`` the picked student's custodial and sort-order-1
  contacts (RCP-09, drawn with the announcement's ``family_seed``); a contact is a signed-in user
  through its linked active account. ``TEACHERS_OF`` reaches no contact.
- **Staff** (admins and teachers) see it when they belong to one of its schools (district-wide: every
  staff user). With ``TEACHERS_OF`` a teacher instead sees it only when currently scheduled with a
  student of T(a) (RCP-12); admins are not narrowed by the option.

Each helper takes ``announcements``, a subquery with an ``announcement_id`` column, so one statement
covers any number of them; ``students``/``user_id`` narrow the work to what a viewer can touch
(domain.announcements.visibility) without changing the answer for that viewer.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, exists, false, literal, null, or_, select, true, union, union_all
from sqlalchemy.orm import aliased

from domain.recipients.family_pick import family_contacts, picked_family_students, seeded_draw
from domain.recipients.sources import student_contacts, teachers_of
from domain.recipients.statement import ACTIVE, Shape
from models.announcements import (
    Announcement,
    AnnouncementGradeLevel,
    AnnouncementProfile,
    AnnouncementSchool,
    AnnouncementSection,
    AnnouncementStudentContacts as SC,
)
from models.directory import (
    STAFF_ROLES,
    Contact,
    Enrollment,
    Profile,
    Role,
    Section,
    Student,
    User,
    UserProfile,
    UserSchool,
)
from models.messaging import RecipientKind

#: Announcements reach past excluded schools (ANN-23 names such a school as the sender): no exclusion.
_UNRESTRICTED = Shape(recipient_type=None, channels=(), emergency=False, any_excluded_school=False,
                      sender_at_excluded_school=False, sender_has_schools=False)
_CARRY = ("announcement_id", "family_seed")


def applies_to_school(announcement_id, class_announcement, school_id) -> ColumnElement[bool]:
    """The announcement is for ``school_id`` (ANN-06, ANN-16, ANN-22); a NULL school matches only
    district-wide announcements."""
    listed = select(AnnouncementSchool.school_id).where(AnnouncementSchool.announcement_id == announcement_id)
    in_sections = (select(Section.id).join(AnnouncementSection, AnnouncementSection.section_id == Section.id)
                   .where(AnnouncementSection.announcement_id == announcement_id, Section.school_id == school_id))
    regular = or_(~exists(listed), exists(listed.where(AnnouncementSchool.school_id == school_id)))
    return or_(and_(class_announcement == true(), exists(in_sections)),
               and_(class_announcement == false(), regular))


def holds_selected_profile(announcement_id, user_id) -> ColumnElement[bool]:
    """The user holds one of the announcement's profiles (ANN-18)."""
    return exists(select(AnnouncementProfile.profile_id)
                  .join(UserProfile, UserProfile.profile_id == AnnouncementProfile.profile_id)
                  .where(AnnouncementProfile.announcement_id == announcement_id, UserProfile.user_id == user_id))


def student_profile_selected(announcement_id) -> ColumnElement[bool]:
    """A Student-role profile is among the announcement's profiles (ANN-18 for student records)."""
    return exists(select(AnnouncementProfile.profile_id)
                  .join(Profile, Profile.id == AnnouncementProfile.profile_id)
                  .where(AnnouncementProfile.announcement_id == announcement_id, Profile.role == Role.STUDENT.value))


def _announcement_columns(announcements):
    return (select(Announcement.id.label("announcement_id"), Announcement.class_announcement,
                   Announcement.student_contacts, Announcement.family_seed)
            .join(announcements, announcements.c.announcement_id == Announcement.id)
            .subquery("targeting"))


def targeted_students(announcements, students=None):
    """T(a) for each announcement: (announcement_id, student_id, student_contacts, family_seed);
    ``students`` (a subquery of ``student_id``) limits the students considered."""
    a = _announcement_columns(announcements)
    grades = select(AnnouncementGradeLevel.grade_level).where(AnnouncementGradeLevel.announcement_id == a.c.announcement_id)
    regular = (
        select(a.c.announcement_id, Student.id.label("student_id"), a.c.student_contacts, a.c.family_seed)
        .select_from(a).join(Student, true())
        .where(a.c.class_announcement == false(), Student.status == ACTIVE,
               applies_to_school(a.c.announcement_id, a.c.class_announcement, Student.school_id),
               or_(~exists(grades), exists(grades.where(AnnouncementGradeLevel.grade_level == Student.grade_level))))
    )
    in_sections = (
        select(a.c.announcement_id, Student.id.label("student_id"), a.c.student_contacts, a.c.family_seed)
        .select_from(a)
        .join(AnnouncementSection, AnnouncementSection.announcement_id == a.c.announcement_id)
        .join(Enrollment, Enrollment.section_id == AnnouncementSection.section_id)
        .join(Student, Student.id == Enrollment.student_id)
        .where(a.c.class_announcement == true(), Student.status == ACTIVE)
    )
    if students is not None:
        regular = regular.join(students, students.c.student_id == Student.id)
        in_sections = in_sections.join(students, students.c.student_id == Student.id)
    return union(regular, in_sections).cte("targeted_students")


def _with_option(targeted, *options: SC, none_too: bool = False):
    chosen = targeted.c.student_contacts.in_([option.value for option in options])
    if none_too:
        chosen = or_(chosen, targeted.c.student_contacts.is_(None))
    return select(targeted.c.student_id, targeted.c.announcement_id, targeted.c.family_seed).where(chosen).subquery()


def reached_contacts(targeted):
    """(contact_id, announcement_id): the contacts the Student Contacts option picks (ANN-04) from
    T(a), by the recipient rules RCP-06, RCP-07 and RCP-09; no option counts as ALL."""
    carry = ("announcement_id",)
    every = student_contacts(_with_option(targeted, SC.ALL, none_too=True), custodial_only=False, carry=carry)
    custodial = student_contacts(_with_option(targeted, SC.PRIMARY), custodial_only=True, carry=carry)
    picked = picked_family_students(_UNRESTRICTED, _with_option(targeted, SC.ONCE_PER_FAMILY), carry=_CARRY,
                                    draw=lambda columns: seeded_draw(columns.family_seed))
    family = family_contacts(picked, carry=_CARRY)
    return union(*[select(part.c.contact_id, part.c.announcement_id) for part in (every, custodial, family)]
                 ).subquery("reached_contacts")


def audience_rows(announcements, *, students=None, user_id=None) -> Select:
    """Rows (announcement_id, recipient_kind, recipient_id, student_id) of everyone each announcement
    targets (see the module's note). Row meanings:

    - (a, STUDENT, s, s): student s is in T(a) and a Student profile is selected: the student record
      (its primary email, ANN-14) is reached.
    - (a, USER, u, s): active user u holding a selected profile, reached through student s: u is s's
      own account (s in T(a)), or linked to a contact of s that the option picks (ANN-04).
    - (a, USER, u, NULL): active staff user u holding a selected profile: at one of a's schools (or
      any, district-wide), or with TEACHERS_OF a teacher scheduled with a student of T(a).

    A user reached several ways has several rows; take DISTINCT recipient_id per kind for one copy
    each. ``students`` (subquery of student_id) and ``user_id`` narrow the rows to one viewer's."""
    targeted = targeted_students(announcements, students)
    a_id = targeted.c.announcement_id
    student_rows = (select(a_id, literal(RecipientKind.STUDENT.value).label("recipient_kind"),
                           targeted.c.student_id.label("recipient_id"), targeted.c.student_id)
                    .where(student_profile_selected(a_id)))
    own = (select(a_id, literal(RecipientKind.USER.value), User.id, targeted.c.student_id)
           .join(User, User.student_id == targeted.c.student_id)
           .where(User.status == ACTIVE, holds_selected_profile(a_id, User.id)))
    reached = reached_contacts(targeted)
    linked = aliased(User)
    families = (select(reached.c.announcement_id, literal(RecipientKind.USER.value), linked.id, Contact.student_id)
                .join(Contact, Contact.id == reached.c.contact_id)
                .join(linked, linked.id == Contact.user_id)
                .where(linked.status == ACTIVE, holds_selected_profile(reached.c.announcement_id, linked.id)))
    teaching = teachers_of(_with_option(targeted, SC.TEACHERS_OF), carry=("announcement_id",))
    teachers = (select(teaching.c.announcement_id, literal(RecipientKind.USER.value), User.id, null())
                .join(User, User.id == teaching.c.user_id)
                .where(User.status == ACTIVE, holds_selected_profile(teaching.c.announcement_id, User.id)))
    staff = _staff_rows(announcements)
    if user_id is not None:
        student_rows = student_rows.where(false())
        own, families = own.where(User.id == user_id), families.where(linked.id == user_id)
        teachers, staff = teachers.where(User.id == user_id), staff.where(User.id == user_id)
    return union_all(student_rows, own, families, teachers, staff)


def _staff_rows(announcements):
    """Staff at one of the announcement's schools (district-wide: every one), holding a selected
    profile; with TEACHERS_OF, teachers come through teachers_of instead."""
    a = _announcement_columns(announcements)
    schools = select(UserSchool.school_id).where(UserSchool.user_id == User.id)
    listed = select(AnnouncementSchool.school_id).where(AnnouncementSchool.announcement_id == a.c.announcement_id)
    at_school = or_(and_(a.c.class_announcement == false(), ~exists(listed)),
                    exists(schools.where(applies_to_school(a.c.announcement_id, a.c.class_announcement,
                                                           UserSchool.school_id))))
    not_narrowed = or_(a.c.student_contacts.is_(None), a.c.student_contacts != SC.TEACHERS_OF.value,
                       User.role != Role.TEACHER.value)
    return (select(a.c.announcement_id, literal(RecipientKind.USER.value), User.id, null())
            .select_from(a).join(User, true())
            .where(User.status == ACTIVE, User.role.in_([role.value for role in STAFF_ROLES]),
                   holds_selected_profile(a.c.announcement_id, User.id), at_school, not_narrowed))


def audience_select(announcement_id: int) -> Select:
    """Everyone one announcement targets: rows (recipient_kind, recipient_id, student_id) as
    audience_rows describes them (activation turns them into a message's recipients)."""
    one = select(literal(announcement_id).label("announcement_id")).subquery("one_announcement")
    rows = audience_rows(one).subquery("audience")
    return select(rows.c.recipient_kind, rows.c.recipient_id, rows.c.student_id)
