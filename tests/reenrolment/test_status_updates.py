"""JOB-06, JOB-07: the Communication Status Updates job (add-on callout), end to end: a call to an
unreachable number, the re-enrolment form emailed through the queue to a real SMTP server, the
person completing it over HTTP, and the completed form emailed to the responsible users."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from channels.base import ChannelKind
from channels.discard import DiscardChannel
from channels.registry import ChannelRegistry
from domain.delivery.dispatch import dispatch_deliveries
from domain.delivery.fan_out import fan_out, queued_delivery_chunks
from domain.messages.send import create_message
from domain.support.signed_ids import signing_keys
from domain.reenrolment.status_updates import run_status_updates
from factories import add_contact, add_student, add_user, email, first_school_id, phone
from helpers import gql, set_district, token_for
from homeroom.settings import get_settings
from jobs.runtime import current
from models.db import session_scope
from jobs.queue_clock import queue_tick
from models.messaging import Message
from models.reenrolment import FailedCall, ReenrolmentForm, ReenrolmentRequest
from resolve import request, viewer_for

SET_FORM = """mutation($audience: ReenrolmentAudience!, $title: String!, $instructions: String!) {
  setReenrolmentForm(audience: $audience, title: $title, instructions: $instructions) {
    ... on ReenrolmentForm { audience title } ... on SetReenrolmentFormErrors { errors { field code message } } } }"""
REMOVE_FORM = "mutation($audience: ReenrolmentAudience!) { removeReenrolmentForm(audience: $audience) }"
SECRET_LINK = re.compile(r'href="[^"]*(/forms/reenrolment/[^"]+)"')


@pytest.fixture
def forms(client, engine):
    """Both forms configured through the API, and removed again afterwards."""
    token = token_for(engine, "admin")
    for audience, title in (("STUDENT", "Student contact update"), ("PARENT", "Parent contact update")):
        result = gql(client, SET_FORM, {"audience": audience, "title": title,
                                        "instructions": "Please tell us how to reach you."}, token)
        assert result["data"]["setReenrolmentForm"] == {"audience": audience, "title": title}
    yield token
    for audience in ("STUDENT", "PARENT"):
        gql(client, REMOVE_FORM, {"audience": audience}, token)


def call(engine, kids, recipient_type: str, unreachable: list[str]) -> int:
    """A voice message to the kids' people through a voice provider that cannot reach ``unreachable``."""
    voice = DiscardChannel(DiscardChannel.Config(unreachable=unreachable))
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, "admin"),
                                 request(recipient_type, kids, channels=("VOICE",), subject="Snow day"))
        fan_out(session, message.id)
        chunks = queued_delivery_chunks(session, message.id, 500)
    for chunk in chunks:
        dispatch_deliveries(engine, ChannelRegistry({ChannelKind.VOICE: voice}), chunk, current().delivery)
    return message.id


def status_updates_run(engine, mailbox) -> list[int]:  # noqa: F811
    """One run of the job as a queue run does it, then the messages it wrote, fanned out and sent
    through the smtp plugin to the test's mail server."""
    settings = get_settings()
    with session_scope(engine) as session:
        done = run_status_updates(session, settings.public_base_url, signing_keys(settings))
    with session_scope(engine) as session:
        chunks = []
        for message_id in done.messages:
            fan_out(session, message_id)
            chunks += queued_delivery_chunks(session, message_id, 500)
    for chunk in chunks:
        dispatch_deliveries(engine, ChannelRegistry({ChannelKind.EMAIL: mailbox.plugin}), chunk, current().delivery)
    return done.messages


def test_job_06_an_unreachable_number_gets_the_form_and_the_answer_reaches_the_office(
        client, engine, forms, mailbox):  # noqa: F811
    """Covers JOB-06, JOB-02: a parent whose number is unreachable is emailed the parents' form
    (a reachable parent is not); a second failed call to the same number sends no second form;
    the completed form (bad input refused first, nothing written) is emailed to the school's
    administrators and to the sender, once."""
    school = first_school_id(engine)
    principal = add_user(engine, "ADMIN", school_ids=[school], email=email("principal"))
    kid = add_student(engine, school)
    dead, alive = phone(), phone()
    parent_email = email("parent")
    parent = add_contact(engine, kid, email=parent_email, mobile_phone=dead)
    add_contact(engine, kid, email=email("other"), mobile_phone=alive, sort_order=2)
    call(engine, [kid], "ALL_CONTACTS", unreachable=[dead])
    call(engine, [kid], "ALL_CONTACTS", unreachable=[dead])  # the same number fails again

    status_updates_run(engine, mailbox)
    [(recipients, notice)] = mailbox.received
    assert recipients == [parent_email] and notice["Subject"] == "Parent contact update"
    body = notice.get_body(preferencelist=("html",)).get_content()
    assert dead in body and "Please tell us how to reach you." in body
    link = SECRET_LINK.search(body).group(1)
    with session_scope(engine) as session:
        [pending] = session.execute(select(ReenrolmentRequest).where(
            ReenrolmentRequest.recipient_id == parent)).scalars().all()
        assert pending.status == "PUBLISHED" and pending.audience == "PARENT"
        assert session.execute(select(FailedCall)).first() is None  # both failures consumed

    assert client.get(link).status_code == 200
    refused = client.post(link, data={"phone": "12", "email": "not-an-address"})
    assert refused.status_code == 400
    assert 'data-field="phone" data-code="BAD_PHONE"' in refused.text and 'data-code="BAD_EMAIL"' in refused.text
    new_phone = phone()
    accepted = client.post(link, data={"phone": new_phone, "email": "new.parent@families.example.org"})
    assert accepted.status_code == 200
    assert client.post(link, data={"phone": new_phone}).status_code == 404  # one answer per form

    mailbox.received.clear()
    status_updates_run(engine, mailbox)
    admin_email = _email_of(engine, "admin")
    principal_email = _user_email(engine, principal)
    reached = sorted(address for recipients, _ in mailbox.received for address in recipients)
    assert principal_email in reached and (admin_email is None or admin_email in reached)
    report = mailbox.received[0][1]
    text = report.get_body(preferencelist=("html",)).get_content()
    for expected in (dead, new_phone, "new.parent@families.example.org", "Snow day"):
        assert expected in text
    mailbox.received.clear()
    assert status_updates_run(engine, mailbox) == [] and mailbox.received == []  # reported once


def test_job_06_a_form_whose_link_expired_no_longer_blocks_a_new_one(client, engine, forms, mailbox):  # noqa: F811
    """Covers JOB-06 (issue 13 point 16): the form link lives 60 days; a form published longer ago
    and never answered no longer counts as open, so the next failed call to that number sends a
    new form with a link that works; one published recently still blocks a second."""
    import datetime as dt

    from domain.support.signed_ids import REENROLMENT
    from models.db import utcnow

    kid = add_student(engine, first_school_id(engine))
    dead = phone()
    add_contact(engine, kid, email=email("parent"), mobile_phone=dead)
    call(engine, [kid], "ALL_CONTACTS", unreachable=[dead])
    status_updates_run(engine, mailbox)
    call(engine, [kid], "ALL_CONTACTS", unreachable=[dead])
    status_updates_run(engine, mailbox)
    assert len(mailbox.received) == 1  # the first form is still open
    with session_scope(engine) as session:
        [first] = session.execute(select(ReenrolmentRequest).where(ReenrolmentRequest.failed_number == dead)).scalars()
        first.created_at = utcnow() - REENROLMENT.lifetime - dt.timedelta(days=1)
    call(engine, [kid], "ALL_CONTACTS", unreachable=[dead])
    status_updates_run(engine, mailbox)
    assert len(mailbox.received) == 2
    body = mailbox.received[1][1].get_body(preferencelist=("html",)).get_content()
    page = client.get(SECRET_LINK.search(body).group(1))
    assert page.status_code == 200 and dead in page.text


def test_job_06_job_07_each_audience_gets_its_own_form_or_nothing(client, engine, forms):
    """Covers JOB-06, JOB-07: a student whose own number is unreachable gets the students' form;
    with the parents' form removed, an unreachable parent gets nothing, and the failure is not
    kept for later."""
    school = first_school_id(engine)
    kid = add_student(engine, school, primary_phone=phone(), primary_email=email("kid"))
    with session_scope(engine) as session:
        from models.directory import Student

        kid_phone = session.get(Student, kid).primary_phone
    call(engine, [kid], "STUDENTS", unreachable=[kid_phone])
    assert gql(client, REMOVE_FORM, {"audience": "PARENT"}, forms)["data"]["removeReenrolmentForm"] is True
    other = add_student(engine, school)
    dead = phone()
    add_contact(engine, other, email=email("parent"), mobile_phone=dead)
    call(engine, [other], "ALL_CONTACTS", unreachable=[dead])

    queue_tick()  # the queue run runs the job and hands its messages to the normal lane
    with session_scope(engine) as session:
        published = session.execute(
            select(ReenrolmentRequest.audience, Message.subject, Message.send_as_district)
            .join(Message, Message.id == ReenrolmentRequest.notice_message_id)
            .where(ReenrolmentRequest.student_id.in_([kid, other]))).all()
        assert published == [("STUDENT", "Student contact update", True)]
        assert session.execute(select(FailedCall)).first() is None


def test_job_07_without_the_callout_add_on_nothing_is_published(client, engine, forms, mailbox):  # noqa: F811
    """Covers JOB-07: the job belongs to the callout add-on; without it no form goes out."""
    set_district(engine, addon_callout=False)
    try:
        kid = add_student(engine, first_school_id(engine))
        dead = phone()
        add_contact(engine, kid, email=email("parent"), mobile_phone=dead)
        call(engine, [kid], "ALL_CONTACTS", unreachable=[dead])
        assert status_updates_run(engine, mailbox) == []
    finally:
        set_district(engine, addon_callout=True)
    assert mailbox.received == []


def test_only_callout_administrators_choose_the_forms(client, engine):
    """Setting a form is Call Out System setup: a teacher is refused and nothing is written."""
    from helpers import make_user
    from models.directory import Role

    teacher_token = make_user(engine, Role.TEACHER)
    result = gql(client, SET_FORM, {"audience": "PARENT", "title": "x", "instructions": "y"}, teacher_token)
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    with session_scope(engine) as session:
        assert session.get(ReenrolmentForm, "PARENT") is None


def _email_of(engine, login: str) -> str | None:
    from models.directory import User

    with session_scope(engine) as session:
        return session.execute(select(User.email).where(User.login == login)).scalar_one()


def _user_email(engine, user_id: int) -> str:
    from models.directory import User

    with session_scope(engine) as session:
        return session.get(User, user_id).email


def test_issue_13_10_a_form_title_is_one_line(client, engine):
    """Covers JOB-06 (issue 13 point 10): a form's title becomes the Subject of the email that carries
    it, so a title with a line break is refused on the title (a field error since issue 14 point 5)
    and nothing changes."""
    token = token_for(engine, "admin")
    with session_scope(engine) as session:
        before = session.execute(select(ReenrolmentForm.audience, ReenrolmentForm.title)).all()
    result = gql(client, SET_FORM, {"audience": "PARENT", "title": "Update\r\nBcc: everyone@evil.example",
                                    "instructions": "Please tell us how to reach you."}, token)
    assert "errors" not in result, result
    [error] = result["data"]["setReenrolmentForm"]["errors"]
    assert (error["field"], error["code"]) == ("title", "INVALID_CHARACTERS"), result
    with session_scope(engine) as session:
        assert session.execute(select(ReenrolmentForm.audience, ReenrolmentForm.title)).all() == before
