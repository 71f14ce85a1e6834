"""The district directory: preferences, schools, people, contacts, sections and groups."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel


class Role(str, enum.Enum):
    ADMIN = "ADMIN"
    TEACHER = "TEACHER"
    PARENT = "PARENT"
    STUDENT = "STUDENT"


class PermissionLevel(str, enum.Enum):
    VIEW = "VIEW"
    EDIT = "EDIT"


class AccountStatus(str, enum.Enum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    DELETED = "DELETED"


STAFF_ROLES = (Role.ADMIN, Role.TEACHER)


class TranslationLanguageSource(str, enum.Enum):
    """Which language a recipient's copy is translated into (TRN-01): setting 1, the parent's or
    student's display-language preference (their account's language); setting 2, the student's
    primary-language field (the student record's language)."""

    DISPLAY_LANGUAGE = "DISPLAY_LANGUAGE"
    STUDENT_PRIMARY_LANGUAGE = "STUDENT_PRIMARY_LANGUAGE"


class District(SQLModel, table=True):
    """The district and its system preferences (SYS-*)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    time_zone: str = Field(default="America/New_York", max_length=64)
    # SYS-01: the call window; calls, SMS and push wait outside it.
    call_window_start: dt.time = Field(default=dt.time(8, 0))
    call_window_end: dt.time = Field(default=dt.time(20, 0))
    sms_character_limit: int = Field(default=130)  # SYS-03
    # The answer to an inbound SMS "HELP"; None: a sentence naming the district and STOP.
    sms_help_text: str | None = Field(default=None, max_length=300)
    tts_minutes: int = Field(default=1)  # SYS-11
    always_confirm_recipient_count: bool = Field(default=False)  # SYS-04
    default_recipient_type: str | None = Field(default=None, sa_type=String(40))  # RCP-02
    # SYS-05: the default school preferences' "push with every message by default".
    push_by_default: bool = Field(default=False)
    # SET-09: the default user preferences, {setting: {"value": bool, "enforced": bool}}
    # (domain/directory/user_settings.py); an enforced one overrides every user's own choice.
    user_preference_defaults: dict = Field(default_factory=dict, sa_type=JSON)
    # INB-11/INB-12: a message containing one of these words is flagged and hidden automatically.
    flagged_words: list[str] = Field(default_factory=list, sa_type=JSON)
    hide_schedules_from_teachers: bool = Field(default=False)  # RCP-23
    hide_schedules_from_family: bool = Field(default=False)  # RCP-24
    # SET-02: printed letters carry "Last, First Middle User_ID" in each page's header.
    pdf_names_on_each_page: bool = Field(default=False)
    # EDT-01/EDT-02: "Use Original Text Editor". True: the original editor (migration 0038 turned it
    # on where templates existed); None: the new editor, the preference gone for good. False is
    # never stored: turning it off switches to the new editor and removes it (domain.editor.switch).
    use_original_text_editor: bool | None = Field(default=None)
    # TRN-01: the district translation setting, and the names (schools, programmes) never translated.
    translation_language_source: TranslationLanguageSource = Field(
        default=TranslationLanguageSource.DISPLAY_LANGUAGE, sa_type=String(32))
    translation_glossary: list[str] = Field(default_factory=list, sa_type=JSON)
    addon_callout: bool = Field(default=False)
    addon_translations: bool = Field(default=False)
    addon_docmgmt: bool = Field(default=False)
    addon_ai: bool = Field(default=False)


class School(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    district_id: int = Field(foreign_key="district.id", index=True)
    name: str = Field(max_length=200)
    sort_order: int = Field(default=0)
    exclude_from_communication: bool = Field(default=False)  # SYS-06
    # SYS-05: this school's "push with every message by default"; None follows the district's.
    push_by_default: bool | None = Field(default=None)
    sourced_id: str | None = Field(default=None, max_length=100, unique=True)


class SchoolYear(SQLModel, table=True):
    __tablename__ = "school_year"

    id: int | None = Field(default=None, primary_key=True)
    district_id: int = Field(foreign_key="district.id", index=True)
    name: str = Field(max_length=40)
    start_date: dt.date
    end_date: dt.date
    is_current: bool = Field(default=False)
    sourced_id: str | None = Field(default=None, max_length=100, unique=True)  # OneRoster


class MarkingPeriod(SQLModel, table=True):
    """A marking (grading) period of a school year: what marking-period insert fields name (CMP-33).
    OneRoster ``gradingPeriod`` and ``term`` sessions under a school year import as these."""

    __tablename__ = "marking_period"

    id: int | None = Field(default=None, primary_key=True)
    school_year_id: int = Field(foreign_key="school_year.id", index=True)
    name: str = Field(max_length=40)
    start_date: dt.date
    end_date: dt.date
    sourced_id: str | None = Field(default=None, max_length=100, unique=True)  # OneRoster


class Profile(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    role: Role = Field(sa_type=String(16))


class ProfileGrant(SQLModel, table=True):
    """One permission granted by a profile at View or Edit (Edit implies View)."""

    __tablename__ = "profile_grant"

    profile_id: int = Field(foreign_key="profile.id", primary_key=True)
    permission: str = Field(primary_key=True, max_length=60)
    level: PermissionLevel = Field(sa_type=String(8))


class User(SQLModel, table=True):
    """A staff, parent or student account."""

    __tablename__ = "app_user"
    # SET-05: resolution asks whether anyone turned email notifications off before checking each row.
    __table_args__ = (Index("ix_user_email_off", "id", postgresql_where=text("email_notifications_off"),
                            sqlite_where=text("email_notifications_off")),)

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=120, unique=True)
    role: Role = Field(sa_type=String(16), index=True)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    language: str = Field(default="en", max_length=16)
    status: AccountStatus = Field(default=AccountStatus.ACTIVE, sa_type=String(16))
    hidden_from_search: bool = Field(default=False)  # SET-01
    # SET-07: used only when a message sets Include Signature (CMP-24).
    email_signature: str | None = Field(default=None, sa_type=Text)
    sms_signature: str | None = Field(default=None, max_length=300)
    # SET-03..SET-06 (domain/directory/user_settings.py); None follows the district's default (SET-09).
    push_all_messages: bool | None = Field(default=None)  # SET-04
    email_notifications_off: bool | None = Field(default=None)  # SET-05
    allow_reply_by_default: bool | None = Field(default=None)  # SET-06
    table_view: bool | None = Field(default=None)  # SET-03
    # Indexed: the recipient resolution reads a student's own account by it for every student
    # (the inbox, push and the display language of TRN-01).
    student_id: int | None = Field(default=None, foreign_key="student.id", index=True)
    sourced_id: str | None = Field(default=None, max_length=100, unique=True)
    # SET-08: messages received from start to end (inclusive, district time zone) are answered once.
    out_of_office_start: dt.date | None = None
    out_of_office_end: dt.date | None = None
    out_of_office_message: str | None = Field(default=None, sa_type=Text)


class UserProfile(SQLModel, table=True):
    __tablename__ = "user_profile"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    profile_id: int = Field(foreign_key="profile.id", primary_key=True, index=True)


class UserSchool(SQLModel, table=True):
    __tablename__ = "user_school"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    school_id: int = Field(foreign_key="school.id", primary_key=True, index=True)


class Student(SQLModel, table=True):
    __table_args__ = (Index("ix_student_name", "last_name", "first_name"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    grade_level: str = Field(max_length=8)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    primary_email: str | None = Field(default=None, max_length=254)
    personal_email: str | None = Field(default=None, max_length=254)
    primary_phone: str | None = Field(default=None, max_length=32)
    # SMS-02: the address card's phone takes SMS (like a contact's SMS flag); off plans NO_SMS.
    sms_enabled: bool = Field(default=True)
    language: str = Field(default="en", max_length=16)
    status: AccountStatus = Field(default=AccountStatus.ACTIVE, sa_type=String(16))
    sourced_id: str | None = Field(default=None, max_length=100, unique=True)


class StudentLink(SQLModel, table=True):
    """Linked Students (siblings). A link counts both ways however it was stored (RCP-08); the seed
    and OneRoster store both directions."""

    __tablename__ = "student_link"

    student_id: int = Field(foreign_key="student.id", primary_key=True)
    linked_student_id: int = Field(foreign_key="student.id", primary_key=True, index=True)


class Contact(SQLModel, table=True):
    """A person on a student's Addresses & Contacts card."""

    # One card entry per OneRoster agent: re-importing a bundle updates it, never duplicates it.
    __table_args__ = (UniqueConstraint("student_id", "sourced_id", name="uq_contact_student_sourced_id"),)

    id: int | None = Field(default=None, primary_key=True)
    student_id: int = Field(foreign_key="student.id", index=True)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    relationship: str = Field(default="Guardian", max_length=40)
    custodial: bool = Field(default=False)  # RCP-06
    sort_order: int = Field(default=1)  # RCP-09
    email: str | None = Field(default=None, max_length=254)
    home_phone: str | None = Field(default=None, max_length=32)
    mobile_phone: str | None = Field(default=None, max_length=32)
    # SYS-09 contact flags, SYS-10 email opt-out.
    callout: bool = Field(default=True)
    blocked: bool = Field(default=False)
    sms: bool = Field(default=True)
    unsubscribe: bool = Field(default=False)
    email_opt_out: bool = Field(default=False)
    user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    language: str = Field(default="en", max_length=16)
    status: AccountStatus = Field(default=AccountStatus.ACTIVE, sa_type=String(16))
    sourced_id: str | None = Field(default=None, max_length=100)  # the agent's OneRoster sourcedId


class Section(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    school_year_id: int | None = Field(default=None, foreign_key="school_year.id")
    name: str = Field(max_length=120)
    course_code: str = Field(default="", max_length=40)
    sourced_id: str | None = Field(default=None, max_length=100, unique=True)


class SectionTeacher(SQLModel, table=True):
    __tablename__ = "section_teacher"

    section_id: int = Field(foreign_key="section.id", primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", primary_key=True, index=True)


class Enrollment(SQLModel, table=True):
    section_id: int = Field(foreign_key="section.id", primary_key=True)
    student_id: int = Field(foreign_key="student.id", primary_key=True, index=True)


class StudentGroup(SQLModel, table=True):
    __tablename__ = "student_group"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)


class StudentGroupMember(SQLModel, table=True):
    __tablename__ = "student_group_member"

    group_id: int = Field(foreign_key="student_group.id", primary_key=True)
    student_id: int = Field(foreign_key="student.id", primary_key=True, index=True)


class StudentGroupAssignee(SQLModel, table=True):
    """A group is usable by a user it is assigned to, or by holders of a profile (RCP-19)."""

    __tablename__ = "student_group_assignee"
    __table_args__ = (UniqueConstraint("group_id", "user_id", "profile_id"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="student_group.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    profile_id: int | None = Field(default=None, foreign_key="profile.id")


class UserGroup(SQLModel, table=True):
    __tablename__ = "user_group"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)


class UserGroupMember(SQLModel, table=True):
    __tablename__ = "user_group_member"

    group_id: int = Field(foreign_key="user_group.id", primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", primary_key=True, index=True)


class UserGroupAssignee(SQLModel, table=True):
    """A user group is usable by a user it is assigned to, or by holders of a profile (RCP-21)."""

    __tablename__ = "user_group_assignee"
    __table_args__ = (UniqueConstraint("group_id", "user_id", "profile_id"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="user_group.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    profile_id: int | None = Field(default=None, foreign_key="profile.id")
