"""Signed links and addresses (issue 13 point 16): each kind lives as long as it should, and only
the spelling that was signed is accepted. Links come from real emails and calls, and are followed
over HTTP and SMTP as their users would."""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import json
import smtplib
import time
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import select

from harness import OUTBOX_DIR
from domain.support import signed_ids
from domain.delivery.dispatch import dispatch_deliveries
from domain.delivery.fan_out import fan_out, queued_delivery_chunks
from domain.messages.send import create_message
from factories import add_contact, add_student, email, first_school_id, phone
from jobs.runtime import current
from models.db import session_scope
from models.messaging import Delivery
from resolve import request, viewer_for
from peers.smtp_sink import send_through
from inbound_mail import DOMAIN, mail

DAY = 24 * 3600


def later(monkeypatch, seconds: float) -> None:
    """Move the clock the links are checked against ``seconds`` ahead."""
    moved = time.time() + seconds
    monkeypatch.setattr(signed_ids, "now", lambda: moved, raising=False)


def emailed(engine, mailbox, **options):  # noqa: F811
    kid = add_student(engine, first_school_id(engine))
    add_contact(engine, kid, email=email("linked"))
    send_through(engine, mailbox, [kid], **options)
    [(_, sent)] = mailbox.received
    return sent


def unsubscribe_path(sent) -> str:
    return urlsplit(sent["List-Unsubscribe"].strip().strip("<>")).path


def test_an_unsubscribe_link_works_for_a_year_and_then_expires(client, engine, mailbox, monkeypatch):  # noqa: F811
    """Covers SYS-10 (issue 13 point 16): RFC 8058 one-click must keep working from mail kept in
    an inbox, so an unsubscribe link lives a year; after that it is refused and says so."""
    path = unsubscribe_path(emailed(engine, mailbox))
    later(monkeypatch, 364 * DAY)
    assert client.get(path).status_code == 200
    later(monkeypatch, 367 * DAY)
    expired = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert expired.status_code == 400 and "expired" in expired.text


@pytest.mark.parametrize("spelling", ["leading zero", "full-width digits", "trailing newline", "padding",
                                      "lower case", "extra field"])
def test_an_unsubscribe_link_is_accepted_only_as_signed(client, engine, mailbox, spelling):  # noqa: F811
    """Covers SYS-10 (issue 13 point 16): the same link spelled any other way is refused."""
    path = unsubscribe_path(emailed(engine, mailbox))
    prefix, _, token = path.rpartition("/")
    delivery, _, rest = token.partition(".")
    full_width = "".join(chr(ord(digit) + 0xFEE0) for digit in delivery)
    respelled = {"leading zero": f"0{token}",
                 "full-width digits": quote(f"{full_width}.{rest}"),
                 "trailing newline": f"{token}%0A",
                 "padding": f"{token}==",
                 "lower case": token.lower(),
                 "extra field": f"{delivery}.1.{rest}"}[spelling]
    assert respelled != token
    assert client.get(f"{prefix}/{respelled}").status_code == 400
    assert client.get(path).status_code == 200


def test_a_reply_address_is_accepted_for_half_a_year(engine, mailbox, inbound, monkeypatch):  # noqa: F811
    """Covers CMP-19 (issue 13 point 16): families may answer weeks later, so a reply address lives
    180 days; then the server refuses it at RCPT, saying it expired."""
    reply_to = emailed(engine, mailbox, allow_reply=True)["Reply-To"]
    later(monkeypatch, 179 * DAY)
    mail(inbound, reply_to, body="Sorry for the late answer.")
    later(monkeypatch, 182 * DAY)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        mail(inbound, reply_to, body="Very late.")
    [(code, text)] = refused.value.recipients.values()
    assert code == 550 and b"expired" in text


def test_a_calls_twiml_url_lives_hours_not_forever(client, engine, monkeypatch):
    """Covers VOI-04 (issue 13 point 16): the URL a voice provider fetches when the call is answered
    works for the hours a call may wait, and not after."""
    kid = add_student(engine, first_school_id(engine))
    add_contact(engine, kid, mobile_phone=phone())
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, "admin"), request(
            "PRIMARY_CONTACTS", [kid], channels=("VOICE",), call_text="School closes at noon."))
        fan_out(session, message.id)
        [chunk] = queued_delivery_chunks(session, message.id, 500)
        delivery_id = session.execute(select(Delivery.id).where(Delivery.message_id == message.id)).scalar_one()
    dispatch_deliveries(engine, current().registry, chunk, current().delivery)
    [content_url] = [line["content_url"] for line in map(json.loads, (OUTBOX_DIR / "voice.jsonl").read_text()
                                                         .splitlines()) if line["reference"] == str(delivery_id)]
    path = urlsplit(content_url).path
    later(monkeypatch, 3600)
    assert client.post(path).status_code == 200
    later(monkeypatch, 3 * 3600)
    assert client.post(path).status_code == 404


def test_a_re_enrolment_form_link_expires(client, engine, runtime):
    """Covers JOB-06 (issue 13 point 16): a form link older than its lifetime is refused as expired
    (before anything is read); a current one for no open form is merely unavailable."""
    keys = runtime.links.keys
    past = time.time() - signed_ids.REENROLMENT.lifetime.total_seconds() - DAY - 1
    expired = client.get(f"/forms/reenrolment/{signed_ids.signed_id(signed_ids.REENROLMENT, 987654, keys, at=past)}")
    assert expired.status_code == 404 and "expired" in expired.text
    current = client.get(f"/forms/reenrolment/{signed_ids.signed_id(signed_ids.REENROLMENT, 987654, keys)}")
    assert current.status_code == 404 and "no longer available" in current.text


def test_every_link_kind_has_a_lifetime_fit_for_it():
    """Issue 13 point 16: long-lived links for mail people keep, minutes-to-hours for what a
    provider fetches during a call; each is accepted until its lifetime is over and refused after,
    and a token of one kind is worthless as another."""
    keys = signed_ids.SigningKeys(b"k" * 40)
    lifetimes = {purpose.name: purpose.lifetime for purpose in signed_ids.PURPOSES}
    assert lifetimes["unsubscribe"] >= dt.timedelta(days=365) and lifetimes["reply"] >= dt.timedelta(days=90)
    assert dt.timedelta(days=5) <= lifetimes["bounce"] <= dt.timedelta(days=30)
    assert all(lifetimes[name] <= dt.timedelta(hours=6) for name in ("voice", "speech-audio", "call-recording"))
    now = time.time()
    for purpose in signed_ids.PURPOSES:
        lifetime = purpose.lifetime.total_seconds()
        fresh = signed_ids.signed_id(purpose, 42, keys, at=now - lifetime + 1)
        stale = signed_ids.signed_id(purpose, 42, keys, at=now - lifetime - purpose.granularity.total_seconds() - 1)
        assert signed_ids.read_signed_id(purpose, fresh, keys) == 42
        with pytest.raises(signed_ids.ExpiredSignedId):
            signed_ids.read_signed_id(purpose, stale, keys)
        for other in signed_ids.PURPOSES:
            if other is not purpose:
                assert signed_ids.verified_id(other, fresh, keys) is None


def test_links_in_mail_sent_before_the_upgrade_keep_working_for_their_lifetime(client, engine, mailbox, inbound,  # noqa: F811
                                                                                 monkeypatch):
    """Covers SYS-10, CMP-19 (issue 13 point 16, the upgrade): unsubscribe links and reply addresses
    of the scheme before expiries (``<delivery>.<mac>``, keyed by the raw secret) sit in families'
    inboxes. They are still read, in their exact spelling, while their delivery is younger than the
    kind's lifetime, so one-click unsubscribe and late answers survive the upgrade; then they expire
    like new ones. Nothing else accepts them."""
    from homeroom.settings import get_settings
    from inbound_mail import replies

    sent = emailed(engine, mailbox, allow_reply=True)
    delivery_id = int(str(sent["Reply-To"]).removeprefix("reply+").split(".")[0])  # the new address names it
    secret = get_settings().jwt_secret.get_secret_value().encode()

    def legacy(purpose: str) -> str:  # as the code before kids and expiries made them
        mac = base64.urlsafe_b64encode(hmac.digest(secret, f"{purpose}:{delivery_id}".encode(), "sha256")[:16])
        return f"{delivery_id}.{mac.rstrip(b'=').decode()}"

    old_unsubscribe = legacy("unsubscribe")
    old_reply_to = f"reply+{legacy('reply')}@{DOMAIN}"

    assert client.get(f"/unsubscribe/0{old_unsubscribe}").status_code == 400  # exact spelling only
    assert client.get(f"/unsubscribe/{legacy('reply')}").status_code == 400  # a token of one kind is worthless as another
    assert client.get(f"/forms/reenrolment/{old_unsubscribe}").status_code == 404
    before = len(replies(engine))
    later(monkeypatch, 179 * DAY)
    mail(inbound, old_reply_to, body="Answering an email from before the upgrade.")
    assert [text for _, _, text in replies(engine)[before:]] == ["Answering an email from before the upgrade."]
    assert client.get(f"/unsubscribe/{old_unsubscribe}").status_code == 200
    later(monkeypatch, 182 * DAY)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        mail(inbound, old_reply_to, body="Too late.")
    assert [code for code, _ in refused.value.recipients.values()] == [550]
    later(monkeypatch, 364 * DAY)
    assert client.post(f"/unsubscribe/{old_unsubscribe}", data={"List-Unsubscribe": "One-Click"}).status_code == 200
    later(monkeypatch, 367 * DAY)
    expired = client.post(f"/unsubscribe/{old_unsubscribe}", data={"List-Unsubscribe": "One-Click"})
    assert expired.status_code == 400 and "expired" in expired.text
