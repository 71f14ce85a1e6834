"""The selection (the students and staff a message picks) and one SELECT per source and channel,
built from the rules in domain.recipients.statement; domain.recipients.resolution unions them into
the one resolution statement.
"""

from __future__ import annotations


from sqlalchemy import (
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
    String,
    true,
    union,
)
from sqlalchemy.orm import aliased

from domain.access.scope import messaging_targetable
from domain.translations.recipient_language import contact_language, original_language, student_language, user_language
from models.directory import (
    AccountStatus,
    Contact,
    Enrollment,
    SchoolYear,
    Section,
    SectionTeacher,
    Student,
    StudentGroupMember,
    User,
    UserGroupMember,
)
from models.messaging import (
    Channel,
    DeliveryStatus as DS,
    ImportedRecipient,
    MessageStaff,
    MessageStudent,
    MessageStudentGroup,
    MessageUserGroup,
    RecipientKind,
)
from domain.recipients.statement import (
    ACTIVE,
    MESSAGE_ID,
    Shape,
    _NO_STUDENT,
    _blank_to_null,
    _email_off,
    _email_off_reason,
    _full_name,
    _in_app_account,
    _only_reachable_push,
    _opted_out,
    _push_address,
    in_app_address,
    receives_in_app,
    _row,
    _status,
    _user_excluded,
    _uses_app,
    student_excluded,
)


# --- the selection ----------------------------------------------------------------------------------

def selected_students(message_id=MESSAGE_ID):
    """Students picked directly plus members of the picked student groups (RCP-19), once each."""
    direct = select(MessageStudent.student_id.label("student_id")).where(MessageStudent.message_id == message_id)
    grouped = (select(StudentGroupMember.student_id.label("student_id"))
               .join(MessageStudentGroup, MessageStudentGroup.group_id == StudentGroupMember.group_id)
               .where(MessageStudentGroup.message_id == message_id))
    return union(direct, grouped).subquery("selected_students")


def selected_staff(message_id=MESSAGE_ID):
    """Staff picked directly plus targetable members of the picked user groups (RCP-20, RCP-21)."""
    direct = select(MessageStaff.user_id.label("user_id")).where(MessageStaff.message_id == message_id)
    grouped = (select(UserGroupMember.user_id.label("user_id"))
               .join(MessageUserGroup, MessageUserGroup.group_id == UserGroupMember.group_id)
               .join(User, User.id == UserGroupMember.user_id)
               .where(MessageUserGroup.message_id == message_id, messaging_targetable(User)))
    return union(direct, grouped).subquery("selected_staff")


def teachers_of(selected, *, carry: tuple[str, ...] = ()):
    """RCP-12: teachers currently scheduled with any selected student (current-year sections);
    ``carry`` names further columns of ``selected`` kept on each row (an announcement's id)."""
    return (
        select(SectionTeacher.user_id.label("user_id"), *[selected.c[name] for name in carry])
        .join(Enrollment, Enrollment.section_id == SectionTeacher.section_id)
        .join(selected, selected.c.student_id == Enrollment.student_id)
        .join(Section, Section.id == SectionTeacher.section_id)
        .outerjoin(SchoolYear, SchoolYear.id == Section.school_year_id)
        .where(or_(Section.school_year_id.is_(None), SchoolYear.is_current == true()))
        .distinct()
        .subquery("teachers_of")
    )


# --- one SELECT per (source, channel) -------------------------------------------------------------

def _student_rows(shape: Shape, selected, channel: Channel, *, personal_first: bool):
    """RCP-03/RCP-04/RCP-05: primary email (or personal first), each falling back to the other."""
    primary, personal = _blank_to_null(Student.primary_email), _blank_to_null(Student.personal_email)
    if channel is Channel.EMAIL:
        address = func.coalesce(personal, primary) if personal_first else func.coalesce(primary, personal)
    elif channel in (Channel.SMS, Channel.VOICE):
        address = _blank_to_null(Student.primary_phone)
    elif channel is Channel.INAPP:
        # The student's own account (the oldest active one) whose inbox receives messages (PERM-59).
        account = (select(func.min(User.id)).where(User.student_id == Student.id, User.status == ACTIVE,
                                                   receives_in_app(User))
                   .correlate(Student).scalar_subquery())
        address = in_app_address(account)
    else:
        # Push goes to the student's own account that uses the app; with several, the oldest.
        account = (select(func.min(User.id)).where(User.student_id == Student.id, User.status == ACTIVE,
                                                   _uses_app(shape, User))
                   .correlate(Student).scalar_subquery())
        address = case((account.is_not(None), literal("user:") + cast(account, String)), else_=null())
    # SET-05: a student whose own account turned email notifications off.
    email_off = _email_off_reason(shape, channel, lambda: exists(select(User.id).where(
        User.student_id == Student.id, User.status == ACTIVE, _email_off(shape, User)).correlate(Student)))
    status = _status(
        shape, channel,
        (Student.status != ACTIVE, DS.INACTIVE),
        (student_excluded(shape, Student.school_id), DS.EXCLUDED_SCHOOL),
        (address.is_(None), DS.NO_CONTACT_INFO),
        # SMS-02: SMS only to a primary phone the address card marks as taking SMS.
        (Student.sms_enabled == false() if channel is Channel.SMS else None, DS.NO_SMS),
        (_opted_out(shape, channel, address), DS.OPTED_OUT),
        (email_off, DS.OPTED_OUT),
    )
    return _only_reachable_push(
        select(*_row(channel, RecipientKind.STUDENT, Student.id, Student.id, _full_name(Student), address,
                     student_language(shape.language_source, Student), status))
        .select_from(selected)
        .join(Student, Student.id == selected.c.student_id), channel, address)


def _contact_flag_reasons(channel: Channel, emergency: bool):
    """SYS-09/SYS-10: no Callout → no calls/SMS even in an emergency; Blocked → no non-emergency
    calls/SMS; no SMS flag → no SMS (NO_SMS); Unsubscribe → no email (UNSUBSCRIBED). Each is a
    flag on the card an administrator can change, so each has its own status. The "Opt Out of Email
    Notifications" toggle is the family's own opt-out (an unsubscribe link sets it, with the
    address's opt-out), so it reads as an address that opted out itself (OPTED_OUT, issue 13
    point 22)."""
    if channel is Channel.EMAIL:
        return [(Contact.unsubscribe == true(), DS.UNSUBSCRIBED), (Contact.email_opt_out == true(), DS.OPTED_OUT)]
    if channel in (Channel.SMS, Channel.VOICE):
        reasons = [(Contact.callout == false(), DS.NO_CALLOUT)]
        if not emergency:
            reasons.append((Contact.blocked == true(), DS.BLOCKED))
        if channel is Channel.SMS:
            reasons.append((Contact.sms == false(), DS.NO_SMS))
        return reasons
    return []


def _contact_address(shape: Shape, channel: Channel, linked, *, custodial_source: bool):
    """The contact's address on a channel. The linked user's details stand in as a whole for a
    card with neither an email nor a phone (RCP-15); for PRIMARY_CONTACTS the user's email also
    stands in for a custodial contact's missing email (RCP-16). Nothing else is filled in."""
    email, mobile, home = (_blank_to_null(Contact.email), _blank_to_null(Contact.mobile_phone),
                           _blank_to_null(Contact.home_phone))
    bare_card = and_(email.is_(None), mobile.is_(None), home.is_(None))

    def fallback(detail, when):
        return case((when, _blank_to_null(detail)), else_=null())

    if channel is Channel.EMAIL:
        linked_email = _blank_to_null(linked.email) if custodial_source else fallback(linked.email, bare_card)
        return func.coalesce(email, linked_email)
    if channel is Channel.SMS:
        return func.coalesce(mobile, fallback(linked.phone, bare_card))
    if channel is Channel.VOICE:
        return func.coalesce(mobile, home, fallback(linked.phone, bare_card))
    if channel is Channel.INAPP:  # RCP-10: the linked user's inbox, whatever the card holds
        return _in_app_account(linked)
    return _push_address(shape, linked)


def _contact_rows(shape: Shape, contacts, channel: Channel, *, custodial_source: bool = False):
    """Rows for the contacts whose ids ``contacts`` yields; ``custodial_source``: they are the
    custodial contacts of PRIMARY_CONTACTS (RCP-16). Only an active linked user fills in details
    or takes push (MRG-03)."""
    linked = aliased(User)
    address = _contact_address(shape, channel, linked, custodial_source=custodial_source)
    # SET-05: the contact's own account turned email notifications off.
    email_off = _email_off_reason(shape, channel, lambda: and_(linked.id.is_not(None), _email_off(shape, linked)))
    status = _status(
        shape, channel,
        (or_(Contact.status != ACTIVE, Student.status != ACTIVE), DS.INACTIVE),
        (student_excluded(shape, Student.school_id), DS.EXCLUDED_SCHOOL),
        (address.is_(None), DS.NO_CONTACT_INFO),
        *_contact_flag_reasons(channel, shape.emergency),
        (_opted_out(shape, channel, address), DS.OPTED_OUT),
        (email_off, DS.OPTED_OUT),
    )
    return _only_reachable_push(
        select(*_row(channel, RecipientKind.CONTACT, Contact.id, Student.id, _full_name(Contact), address,
                     contact_language(shape.language_source, Contact, linked, Student), status))
        .select_from(contacts)
        .join(Contact, Contact.id == contacts.c.contact_id)
        .join(Student, Student.id == Contact.student_id)
        .outerjoin(linked, and_(linked.id == Contact.user_id, linked.status == ACTIVE)), channel, address)


def student_contacts(selected, *, custodial_only: bool, carry: tuple[str, ...] = ()):
    """RCP-06 custodial contacts, or RCP-07 every contact, of the selected students (not deleted);
    ``carry`` names further columns of ``selected`` kept on each row (an announcement's id)."""
    query = (select(Contact.id.label("contact_id"), *[selected.c[name] for name in carry])
             .join(selected, selected.c.student_id == Contact.student_id)
             .where(Contact.status != AccountStatus.DELETED.value))
    if custodial_only:
        query = query.where(Contact.custodial == true())
    return query.subquery("student_contacts")


def _user_rows(shape: Shape, users, channel: Channel, *, original: bool = False):
    """Rows for the users ``users`` yields (staff, and parents or students reached as users), in
    the language the district setting gives them (TRN-01); ``original``: the sender's own copy,
    never translated (TRN-06)."""
    if channel is Channel.EMAIL:
        address = _blank_to_null(User.email)
    elif channel in (Channel.SMS, Channel.VOICE):
        address = _blank_to_null(User.phone)
    elif channel is Channel.INAPP:
        address = _in_app_account(User)
    else:
        address = _push_address(shape, User)
    status = _status(
        shape, channel,
        (User.status != ACTIVE, DS.INACTIVE),
        (_user_excluded(shape, User.id), DS.EXCLUDED_SCHOOL),
        (address.is_(None), DS.NO_CONTACT_INFO),
        (_opted_out(shape, channel, address), DS.OPTED_OUT),
        (_email_off_reason(shape, channel, lambda: _email_off(shape, User)), DS.OPTED_OUT),
    )
    return _only_reachable_push(
        select(*_row(channel, RecipientKind.USER, User.id, _NO_STUDENT, _full_name(User), address,
                     original_language() if original else user_language(shape.language_source, User),
                     status))
        .select_from(users)
        .join(User, User.id == users.c.user_id), channel, address)


def _imported_rows(shape: Shape, channel: Channel):
    """IMP-07: imported recipients are reached only through the file's email or phone; no app.
    They have no language of their own and read the original (TRN-01)."""
    if channel is Channel.EMAIL:
        address = _blank_to_null(ImportedRecipient.email)
    elif channel in (Channel.SMS, Channel.VOICE):
        address = _blank_to_null(ImportedRecipient.phone)
    else:
        address = null()
    status = _status(
        shape, channel,
        (address.is_(None), DS.NO_CONTACT_INFO),
        (_opted_out(shape, channel, address), DS.OPTED_OUT),
    )
    return (
        select(*_row(channel, RecipientKind.IMPORTED, ImportedRecipient.id, _NO_STUDENT, ImportedRecipient.name,
                     address, original_language(), status))
        .where(ImportedRecipient.message_id == MESSAGE_ID)
    )
