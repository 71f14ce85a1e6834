"""JOB-03: queue runs fetch replies from the central reply mailbox, a real IMAP server (pymap)."""

from __future__ import annotations

import contextlib
import dataclasses
import imaplib
import shutil
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from factories import add_contact, add_student, email, first_school_id
from domain.inbound.reply_mailbox import MailboxAddress, MailboxError, addressed_to, fetch_replies
from jobs.runtime import current
from models.db import session_scope
from models.conversations import ThreadReply
from peers.smtp_sink import send_through
from peers.smtp_sink import free_port

USER, PASSWORD = "reply@district.example.org", "mailbox-secret-42"


@contextlib.contextmanager
def reply_mailbox_at(mailbox_url: str):
    """Queue runs read HOMEROOM_REPLY_MAILBOX_URL from the installed runtime's settings: install one
    that names the mailbox, and put the test's own back afterwards."""
    import jobs.runtime

    before = current()
    settings = before.settings.model_copy(update={"reply_mailbox_url": SecretStr(mailbox_url)})
    jobs.runtime.install(dataclasses.replace(before, settings=settings))
    try:
        yield
    finally:
        jobs.runtime.install(before)


@pytest.fixture
def imap_server():
    """pymap's in-memory IMAP4rev1 server on a free port, with one mailbox user."""
    port = free_port()
    pymap = shutil.which("pymap", path=str(Path(sys.executable).parent)) or "pymap"
    process = subprocess.Popen([pymap, "--host", "127.0.0.1", "--port", str(port), "--no-tls", "dict",
                                "--demo-user", USER, "--demo-password", PASSWORD],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert process.poll() is None, process.stderr.read().decode()
            time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(timeout=10)


def deliver(port: int, to: str, body: str, message_id: str, **headers) -> None:
    """What the district's mail server does with an answer: append it to the reply mailbox."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "parent@families.example.org", to, "Re: Field trip"
    message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    with imaplib.IMAP4("127.0.0.1", port) as client:
        client.login(USER, PASSWORD)
        client.append("INBOX", "", imaplib.Time2Internaldate(time.time()), message.as_bytes())


def append_raw(port: int, raw: bytes) -> None:
    with imaplib.IMAP4("127.0.0.1", port) as client:
        client.login(USER, PASSWORD)
        client.append("INBOX", "", imaplib.Time2Internaldate(time.time()), raw)


def waiting(port: int) -> dict[str, int]:
    with imaplib.IMAP4("127.0.0.1", port) as client:
        client.login(USER, PASSWORD)
        client.select("INBOX")
        counts = {}
        for key in ("ALL", "UNSEEN"):
            _, found = client.search(None, key)
            counts[key] = len((found[0] or b"").split())
        return counts


def url(port: int, password: str = PASSWORD) -> str:
    return f"imap://{USER.replace('@', '%40')}:{password}@127.0.0.1:{port}/INBOX"


def test_job_03_a_queue_run_files_replies_from_the_central_mailbox(engine, mailbox, imap_server,  # noqa: F811
                                                                   monkeypatch, caplog):
    """Covers JOB-03, CMP-19: answers delivered to the central reply mailbox are fetched by the
    next queue run and filed in the sender's conversation with that recipient; the filed ones leave
    the mailbox, a replay and an auto-reply are not filed, mail that names no reply address is
    marked read and left for a person, and a second run files nothing more."""
    from jobs.queue_clock import queue_tick

    kid = add_student(engine, first_school_id(engine))
    contact = add_contact(engine, kid, email=email())
    message_id = send_through(engine, mailbox, [kid], allow_reply=True)
    [(_, sent)] = mailbox.received
    reply_to = sent["Reply-To"]
    deliver(imap_server, reply_to, "Yes, she can come.\n\nOn Mon, Dec 1 Lincoln High wrote:\n> Field trip",
            "<mailbox-answer-1@families.example.org>")
    deliver(imap_server, reply_to, "Yes, she can come.", "<mailbox-answer-1@families.example.org>")  # replay
    deliver(imap_server, reply_to, "Out of office.", "<ooo-1@families.example.org>", Auto_Submitted="auto-replied")
    deliver(imap_server, USER, "Who do I ask about the bus?", "<direct-1@families.example.org>")
    assert waiting(imap_server) == {"ALL": 4, "UNSEEN": 4}

    with reply_mailbox_at(url(imap_server)):
        queue_tick()
        assert waiting(imap_server) == {"ALL": 1, "UNSEEN": 0}  # only the direct mail, read
        queue_tick()
    with session_scope(engine) as session:
        filed = session.execute(select(ThreadReply.message_id, ThreadReply.correspondent_kind,
                                       ThreadReply.correspondent_id, ThreadReply.body_text).where(
            ThreadReply.message_id == message_id)).all()
    assert filed == [(message_id, "CONTACT", contact, "Yes, she can come.")]
    assert PASSWORD not in caplog.text


def test_a_mailbox_that_refuses_the_login_is_reported_without_the_password(engine, imap_server):
    """A wrong password is a clear error that names the mailbox but never the credentials."""
    with pytest.raises(MailboxError) as refused:
        fetch_replies(engine, url(imap_server, password="wrong-password-7"), current().links.keys)
    assert "refused the login" in str(refused.value)
    assert "wrong-password-7" not in str(refused.value) and USER not in str(refused.value)
    with pytest.raises(MailboxError, match="imaps:// or imap://"):
        MailboxAddress.parse("pop3://user:pw@mail.example.org")


def test_the_reply_address_is_found_in_the_delivery_headers():
    """A server may rewrite To; Delivered-To / X-Original-To keep the address the reply was sent to."""
    message = EmailMessage()
    message["To"] = "Lincoln High <reply@district.example.org>"
    message["Delivered-To"] = "reply+12.abc@district.example.org"
    message.set_content("hi")
    assert addressed_to(message.as_bytes()) == ["reply+12.abc@district.example.org", "reply@district.example.org"]


def test_bounces_in_the_mailbox_are_trusted_only_through_their_signed_return_path(
        engine, mailbox, imap_server, monkeypatch):  # noqa: F811
    """Covers JOB-03, SYS-10 (issue 13 point 2): a delivery status notification read from the
    mailbox counts only when the address it was delivered to is the email's signed return path;
    one addressed to bounces@ naming the delivery in X-Homeroom-Delivery is left for a person and
    opts nobody out."""
    from jobs.queue_clock import queue_tick
    from inbound_mail import bounce_state, dsn, emailed

    delivery_id, address, return_path, sent = emailed(engine, mailbox)
    forged_to = "bounces@district.example.org"
    header = f"X-Homeroom-Delivery: {sent['X-Homeroom-Delivery']}\r\n"
    append_raw(imap_server, f"Delivered-To: {forged_to}\r\n".encode()
               + dsn(address, to=forged_to, original_headers=header))
    with reply_mailbox_at(url(imap_server)):
        queue_tick()
        assert waiting(imap_server) == {"ALL": 1, "UNSEEN": 0}  # read, left for a person
        assert bounce_state(engine, delivery_id, address) == ("SENT", None, False)
        append_raw(imap_server, f"Delivered-To: {return_path}\r\n".encode() + dsn(address, to=return_path))
        queue_tick()
    assert waiting(imap_server) == {"ALL": 1, "UNSEEN": 0}  # the genuine bounce was filed and removed
    assert bounce_state(engine, delivery_id, address) == ("FAILED", "5.1.1", True)
