"""The Communication Status Updates job (JOB-06, JOB-07; add-on callout), run by every queue run.

A call that fails because its number is unreachable (a voice plugin's ``PermanentFailure`` with
code ``UNREACHABLE``) is noted in ``failed_call`` where its outcome is recorded. The job then:

1. publishes the district's re-enrolment form for that audience (students' form to a student,
   parents' form to a student's contact) to the person, by email through the queue like every
   other email (JOB-02), with a personal link to the form; an audience whose form is not
   configured gets nothing (JOB-07), and a person with a form still open for the same number is
   not sent a second one;
2. once a form is completed, publishes it (the failed call, the new phone and email) to the
   responsible users: the administrators of the student's school and the staff member whose
   message could not get through.

Both are messages sent as the district, so they appear in nobody's conversations (CMP-13), and
both are written in the queue run's transaction, so a crashed run publishes nothing twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session

from channels.email.format import one_line
from domain.directory.contact_details import BadContactDetail, normalised_email, normalised_phone
from domain.support.errors import FieldProblem
from domain.content.html_policy import sanitized_html
from domain.support.signed_ids import REENROLMENT, BadSignedId, ExpiredSignedId, SigningKeys, read_signed_id, signed_id
from domain.content.text import html_to_text
from models.db import utcnow
from models.directory import Contact, District, Role, Student, User, UserSchool
from models.messaging import (
    Channel,
    Delivery,
    ImportedRecipient,
    Message,
    MessageStaff,
    MessageStatus,
    RecipientKind,
)
from models.reenrolment import (
    FailedCall,
    FormAudience,
    ReenrolmentForm,
    ReenrolmentRequest,
    RequestStatus,
)

AUDIENCE_OF = {RecipientKind.STUDENT.value: FormAudience.STUDENT, RecipientKind.CONTACT.value: FormAudience.PARENT}


@dataclasses.dataclass
class StatusUpdates:
    published: list[int] = dataclasses.field(default_factory=list)  # request ids
    reported: list[int] = dataclasses.field(default_factory=list)
    messages: list[int] = dataclasses.field(default_factory=list)  # to fan out


def note_failed_calls(session: Session, delivery_ids: list[int]) -> None:
    """Called where call outcomes are recorded: these calls failed as unreachable."""
    if delivery_ids:
        now = utcnow()
        session.execute(insert(FailedCall), [{"delivery_id": i, "recorded_at": now} for i in delivery_ids])


def run_status_updates(session: Session, base_url: str, keys: SigningKeys) -> StatusUpdates:
    done = StatusUpdates()
    pending = session.execute(
        select(Delivery.id, Delivery.recipient_kind, Delivery.recipient_id, Delivery.student_id,
               Delivery.recipient_name, Delivery.address, Message.sender_id)
        .join(FailedCall, FailedCall.delivery_id == Delivery.id)
        .join(Message, Message.id == Delivery.message_id)
        .order_by(Delivery.id)).all()
    callout = session.execute(select(District.addon_callout).limit(1)).scalar_one()
    if pending:
        session.execute(delete(FailedCall).where(FailedCall.delivery_id.in_([row.id for row in pending])))
        if callout:
            _publish(session, pending, base_url, keys, done)
    if callout:
        _report(session, done)
    return done


def _publish(session: Session, pending, base_url: str, keys: SigningKeys, done: StatusUpdates) -> None:
    forms = {form.audience: form for form in session.execute(select(ReenrolmentForm)).scalars()}
    # A form whose link has expired is no longer open: the next failed call sends a new one.
    still_open = set(session.execute(
        select(ReenrolmentRequest.recipient_kind, ReenrolmentRequest.recipient_id, ReenrolmentRequest.failed_number)
        .where(ReenrolmentRequest.status == RequestStatus.PUBLISHED.value,
               ReenrolmentRequest.created_at > utcnow() - REENROLMENT.lifetime)).all())
    requests = []
    for row in pending:
        audience = AUDIENCE_OF.get(row.recipient_kind)
        key = (row.recipient_kind, row.recipient_id, row.address)
        if audience is None or audience not in forms or key in still_open:  # JOB-07
            continue
        still_open.add(key)
        requests.append((ReenrolmentRequest(
            audience=audience, failed_delivery_id=row.id, recipient_kind=row.recipient_kind,
            recipient_id=row.recipient_id, student_id=row.student_id, recipient_name=row.recipient_name,
            failed_number=row.address), row.sender_id))
    if not requests:
        return
    session.add_all([request for request, _ in requests])
    session.flush()
    emails = _emails_of(session, [request for request, _ in requests])
    notices = []
    for request, sender_id in requests:
        email = emails.get((request.recipient_kind, request.recipient_id))
        done.published.append(request.id)
        if not email:
            continue  # no address to send the form to; it stays published for the office to follow up
        form = forms[FormAudience(request.audience)]
        link = f"{base_url.rstrip('/')}/forms/reenrolment/{form_token(request.id, keys)}"
        body = (f"<p>{html.escape(form.instructions)}</p><p>We could not reach you at "
                f"{html.escape(request.failed_number)}.</p><p><a href=\"{link}\">{html.escape(form.title)}</a></p>")
        notice = _district_message(sender_id, form.title, body)
        notices.append((request, notice, email))
    session.add_all([notice for _, notice, _ in notices])
    session.flush()
    if notices:
        session.execute(insert(ImportedRecipient), [
            {"message_id": notice.id, "name": request.recipient_name, "email": email, "source_row": 0,
             "created_at": utcnow()} for request, notice, email in notices])
        for request, notice, _ in notices:
            request.notice_message_id = notice.id
        done.messages += [notice.id for _, notice, _ in notices]


def _emails_of(session: Session, requests: list[ReenrolmentRequest]) -> dict[tuple[str, int], str]:
    students = [r.recipient_id for r in requests if r.recipient_kind == RecipientKind.STUDENT.value]
    contacts = [r.recipient_id for r in requests if r.recipient_kind == RecipientKind.CONTACT.value]
    found = {}
    for student_id, primary, personal in session.execute(
            select(Student.id, Student.primary_email, Student.personal_email).where(Student.id.in_(students))):
        if primary or personal:
            found[RecipientKind.STUDENT.value, student_id] = primary or personal
    for contact_id, email in session.execute(
            select(Contact.id, Contact.email).where(Contact.id.in_(contacts), Contact.email.is_not(None))):
        found[RecipientKind.CONTACT.value, contact_id] = email
    return found


def _district_message(sender_id: int, subject: str, html_body: str) -> Message:
    html_body = sanitized_html(html_body)  # the one policy for stored HTML (issue 13 point 8)
    return Message(sender_id=sender_id, subject=one_line(subject)[:200], html_body=html_body,
                   text_body=html_to_text(html_body),
                   channels=[Channel.EMAIL.value], send_as_district=True, allow_reply=False,
                   status=MessageStatus.QUEUED)


def _report(session: Session, done: StatusUpdates) -> None:
    """JOB-06: each completed form goes to the administrators of the student's school and to the
    sender of the message whose call failed."""
    completed = session.execute(
        select(ReenrolmentRequest, Delivery.updated_at, Message.subject, Message.sender_id, Student.school_id)
        .join(Delivery, Delivery.id == ReenrolmentRequest.failed_delivery_id)
        .join(Message, Message.id == Delivery.message_id)
        .outerjoin(Student, Student.id == ReenrolmentRequest.student_id)
        .where(ReenrolmentRequest.status == RequestStatus.COMPLETED.value)
        .order_by(ReenrolmentRequest.id)).all()
    if not completed:
        return
    schools = {row.school_id for row in completed if row.school_id is not None}
    admins: dict[int, set[int]] = {}
    for user_id, school_id in session.execute(
            select(UserSchool.user_id, UserSchool.school_id).join(User, User.id == UserSchool.user_id)
            .where(UserSchool.school_id.in_(schools), User.role == Role.ADMIN.value)):
        admins.setdefault(school_id, set()).add(user_id)
    reports = []
    for request, failed_at, subject, sender_id, school_id in completed:
        body = "".join(f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>" for label, value in (
            ("Recipient", request.recipient_name), ("Form", request.audience.title()),
            ("Unreachable number", request.failed_number),
            ("Call failed", failed_at.strftime("%Y-%m-%d %H:%M UTC")), ("Message", subject),
            ("New phone", request.new_phone or "—"), ("New email", request.new_email or "—"),
            ("Completed", request.completed_at.strftime("%Y-%m-%d %H:%M UTC"))))
        report = _district_message(sender_id, f"Updated contact information: {request.recipient_name}",
                                   f"<p>A re-enrolment form was completed.</p><table>{body}</table>")
        reports.append((request, report, admins.get(school_id, set()) | {sender_id}))
    session.add_all([report for _, report, _ in reports])
    session.flush()
    session.execute(insert(MessageStaff), [{"message_id": report.id, "user_id": user_id}
                                           for _, report, users in reports for user_id in sorted(users)])
    for request, report, _ in reports:
        request.status, request.report_message_id = RequestStatus.REPORTED, report.id
        done.reported.append(request.id)
    done.messages += [report.id for _, report, _ in reports]


# --- the form link and its completion ---------------------------------------------------------------

class BadFormLink(Exception):
    pass


def form_token(request_id: int, keys: SigningKeys) -> str:
    return signed_id(REENROLMENT, request_id, keys)


def open_request(session: Session, token: str, keys: SigningKeys) -> tuple[ReenrolmentRequest, ReenrolmentForm]:
    """The request a form link names, if the link is genuine and current and the form still open."""
    try:
        request_id = read_signed_id(REENROLMENT, token, keys)
    except ExpiredSignedId:
        raise BadFormLink("This form link has expired.") from None
    except BadSignedId:
        raise BadFormLink("This form link is not valid.") from None
    request = session.get(ReenrolmentRequest, request_id)
    form = session.get(ReenrolmentForm, request.audience) if request else None
    if request is None or form is None:
        raise BadFormLink("This form is no longer available.")
    if request.status != RequestStatus.PUBLISHED:
        raise BadFormLink("This form was already completed. Thank you.")
    return request, form


def complete_form(session: Session, request: ReenrolmentRequest, phone: str, email: str,
                  now: dt.datetime | None = None) -> list[FieldProblem]:
    """Record the new contact details of an open request (``open_request``); returns the problems
    (and writes nothing) if any."""
    problems: list[FieldProblem] = []
    phone, email = phone.strip(), email.strip()
    if not phone and not email:
        problems.append(FieldProblem(("phone",), "REQUIRED", "Give a phone number or an email address."))
    if phone:
        try:
            phone = normalised_phone(phone)
        except BadContactDetail as bad:
            problems.append(FieldProblem(("phone",), "BAD_PHONE", str(bad)))
    if email:
        try:
            email = normalised_email(email)
        except BadContactDetail as bad:
            problems.append(FieldProblem(("email",), "BAD_EMAIL", str(bad)))
    if problems:
        return problems
    session.execute(update(ReenrolmentRequest).where(
        ReenrolmentRequest.id == request.id, ReenrolmentRequest.status == RequestStatus.PUBLISHED.value).values(
        status=RequestStatus.COMPLETED.value, new_phone=phone or None, new_email=email or None,
        completed_at=now or utcnow()))
    return []
