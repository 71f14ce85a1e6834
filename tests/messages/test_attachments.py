"""Attached files: upload, list, download, remove; carried by every email of the message."""

from __future__ import annotations

import datetime as dt
import io
import wave

from sqlalchemy import select

from domain.delivery.fan_out import queued_delivery_chunks
from domain.scheduling.due_sends import send_due_scheduled
from helpers import gid, gids, gql, make_user, pk_of, token_for
from models.db import session_scope
from models.directory import Role, User
from models.attachments import MessageAttachment
from shared_steps import PDF, draft, families, upload

FILES = """query($id: ID!) { message(id: $id) { attachments { id filename contentType size downloadPath } } }"""


def test_att_01_att_03_att_04_upload_list_download_and_remove(client, engine):
    """Covers ATT-01, ATT-03, ATT-04: ordinary file uploads (name, type, content) on a draft,
    listed on the message, downloaded byte for byte, removed one at a time or all at once."""
    token = token_for(engine, "admin")
    message_id = draft(client, token, families(engine, 1))
    first = upload(client, token, message_id)
    second = upload(client, token, message_id, name="../../menu.txt", data=b"Pizza Friday", content_type="")
    assert first.status_code == second.status_code == 201
    files = gql(client, FILES, {"id": message_id}, token)["data"]["message"]["attachments"]
    assert [(f["filename"], f["contentType"], f["size"]) for f in files] == [
        ("slip.pdf", "application/pdf", len(PDF)), ("menu.txt", "text/plain", 12)]
    with session_scope(engine) as session:
        stored = session.execute(select(MessageAttachment.id).where(
            MessageAttachment.message_id == pk_of(message_id)).order_by(MessageAttachment.id)).scalars().all()
    assert [first.json()["id"], second.json()["id"]] == [f["id"] for f in files] == gids("File", stored)
    assert [f["downloadPath"] for f in files] == [f"/messages/{message_id}/attachments/{gid('File', pk)}"
                                                  for pk in stored]
    got = client.get(files[0]["downloadPath"], headers={"Authorization": f"Bearer {token}"})
    assert got.status_code == 200 and got.content == PDF and "slip.pdf" in got.headers["content-disposition"]
    removed = client.delete(f"/messages/{message_id}/attachments/{files[1]['id']}",
                            headers={"Authorization": f"Bearer {token}"})
    assert removed.json() == {"removed": 1}
    assert len(gql(client, FILES, {"id": message_id}, token)["data"]["message"]["attachments"]) == 1
    upload(client, token, message_id, name="two.txt", data=b"2")
    cleared = client.delete(f"/messages/{message_id}/attachments", headers={"Authorization": f"Bearer {token}"})
    assert cleared.json() == {"removed": 2}
    assert gql(client, FILES, {"id": message_id}, token)["data"]["message"]["attachments"] == []


def test_attachment_rules(client, engine):
    """No token → 401; someone else's draft → 404; an empty or too-large file → field errors;
    a message already sent takes no more files."""
    token = token_for(engine, "admin")
    message_id = draft(client, token, families(engine, 1))
    assert upload(client, None, message_id).status_code == 401
    assert upload(client, make_user(engine, Role.ADMIN), message_id).status_code == 404
    empty = upload(client, token, message_id, data=b"")
    assert empty.status_code == 422 and empty.json()["errors"][0]["code"] == "REQUIRED"
    huge = upload(client, token, message_id, data=b"x" * (10 * 1024 * 1024 + 1))
    assert huge.status_code == 422 and huge.json()["errors"][0]["code"] == "TOO_LONG"
    sent = gql(client, """mutation($id: ID!) { sendDraft(id: $id) { __typename } }""", {"id": message_id}, token)
    assert sent["data"]["sendDraft"]["__typename"] == "SendMessageSuccess"
    assert upload(client, token, message_id).status_code == 404


def test_att_02_att_05_every_email_of_the_message_carries_the_files(client, engine, mailbox):  # noqa: F811
    """Covers ATT-02, ATT-05: the emails to each recipient, the Cc copies and the copy to the
    sender all carry the same attached file."""
    from channels.base import ChannelKind
    from channels.registry import ChannelRegistry
    from domain.delivery.dispatch import dispatch_deliveries
    from jobs.runtime import current

    token = token_for(engine, "admin")
    message_id = draft(client, token, families(engine, 2), cc=["office@school.example.org"], copySelf=True)
    assert upload(client, token, message_id).status_code == 201
    from domain.delivery.fan_out import fan_out
    from domain.messages.send import send_draft
    from resolve import viewer_for

    with session_scope(engine) as session:
        send_draft(session, viewer_for(session, "admin"), pk_of(message_id), None)  # sent, not handed to the worker
        fan_out(session, pk_of(message_id))
        chunks = queued_delivery_chunks(session, pk_of(message_id), 500)
        admin_email = session.execute(select(User.email).where(User.login == "admin")).scalar_one()
    registry = ChannelRegistry({ChannelKind.EMAIL: mailbox.plugin})
    for chunk in chunks:
        dispatch_deliveries(engine, registry, chunk, current().delivery)
    # two families and the copy to the sender, and each one's copy to the Cc address, sent apart
    assert len(mailbox.received) == 6
    assert any(admin_email in recipients for recipients, _ in mailbox.received)
    assert [recipients for recipients, _ in mailbox.received].count(["office@school.example.org"]) == 3
    for _recipients, message in mailbox.received:
        assert message["Cc"] == "office@school.example.org"
        [part] = list(message.iter_attachments())
        assert part.get_filename() == "slip.pdf" and part.get_content() == PDF


def test_a_recurring_scheduled_message_copies_its_files_into_each_occurrence(client, engine):
    """Covers SCH-15 (files): an occurrence carries the scheduled message's attachments."""
    token = token_for(engine, "admin")
    message_id = draft(client, token, families(engine, 1))
    upload(client, token, message_id)
    start = dt.date.today() + dt.timedelta(days=2)
    scheduled = gql(client, """mutation($id: ID!, $s: ScheduleInput!) { scheduleDraft(id: $id, schedule: $s) {
        ... on ScheduleMessageSuccess { schedule { nextSendAt } } } }""",
                    {"id": message_id, "s": {"startDate": start.isoformat(), "sendTime": "09:00:00",
                                             "recurrence": "WEEKLY"}}, token)["data"]["scheduleDraft"]
    with session_scope(engine) as session:
        [occurrence] = send_due_scheduled(session, dt.datetime.fromisoformat(scheduled["schedule"]["nextSendAt"])).sent
    with session_scope(engine) as session:
        copied = session.execute(select(MessageAttachment.filename, MessageAttachment.sha256).where(
            MessageAttachment.message_id == occurrence)).all()
        original = session.execute(select(MessageAttachment.filename, MessageAttachment.sha256).where(
            MessageAttachment.message_id == pk_of(message_id))).all()
    assert copied == original and len(copied) == 1


def test_issue_17_path_ids_of_another_kind_or_bare_numbers_are_404_like_missing_ones(client, engine):
    """Issue 17 point 1: the attachment and call-recording routes take the message's and the file's
    global ids; a bare row number, an id of another kind naming the same row, garbage, or a
    well-formed id of a missing row all answer alike (404; removing a file the draft does not have
    removes nothing) and change nothing. The answers name rows by global id."""
    token = token_for(engine, "admin")
    auth = {"Authorization": f"Bearer {token}"}
    kids = families(engine, 1)
    message_id = draft(client, token, kids)
    uploaded = upload(client, token, message_id)
    assert uploaded.status_code == 201
    file_id = uploaded.json()["id"]
    message_pk, file_pk = pk_of(message_id), pk_of(file_id)
    assert (message_id, file_id) == (gid("Message", message_pk), gid("File", file_pk))
    not_messages = [str(message_pk), gid("Student", kids[0]), gid("File", message_pk), gid("Message", 999999),
                    "garbage"]
    not_files = [str(file_pk), gid("Message", file_pk), gid("Student", file_pk), gid("File", 999999), "garbage"]
    wav = io.BytesIO()
    with wave.open(wav, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\0\0" * 8000)
    for bad in not_messages:
        assert client.get(f"/messages/{bad}/attachments/{file_id}", headers=auth).status_code == 404, bad
        assert client.delete(f"/messages/{bad}/attachments/{file_id}", headers=auth).status_code == 404, bad
        assert client.delete(f"/messages/{bad}/attachments", headers=auth).status_code == 404, bad
        assert upload(client, token, bad).status_code == 404, bad
        assert client.put(f"/messages/{bad}/call-recording", files={"file": ("a.wav", wav.getvalue(), "audio/wav")},
                          headers=auth).status_code == 404, bad
        assert client.delete(f"/messages/{bad}/call-recording", headers=auth).status_code == 404, bad
    for bad in not_files:  # removing a file the draft does not have removes nothing
        assert client.get(f"/messages/{message_id}/attachments/{bad}", headers=auth).status_code == 404, bad
        removed = client.delete(f"/messages/{message_id}/attachments/{bad}", headers=auth)
        assert (removed.status_code, removed.json()) == (200, {"removed": 0}), bad
    stranger = make_user(engine, Role.ADMIN)
    for bad in not_files:  # and on someone else's draft it is 404 like any id
        assert client.delete(f"/messages/{message_id}/attachments/{bad}",
                             headers={"Authorization": f"Bearer {stranger}"}).status_code == 404, bad
    files = gql(client, FILES, {"id": message_id}, token)["data"]["message"]["attachments"]
    assert [f["id"] for f in files] == [file_id]
    assert client.get(files[0]["downloadPath"], headers=auth).content == PDF
    recorded = client.put(f"/messages/{message_id}/call-recording", files={"file": ("a.wav", wav.getvalue(),
                                                                                     "audio/wav")}, headers=auth)
    assert recorded.status_code == 201 and recorded.json() == {"messageId": message_id, "seconds": 1.0}
    assert client.delete(f"/messages/{message_id}/call-recording", headers=auth).json() == {"removed": 1}
    assert client.delete(f"/messages/{message_id}/attachments/{file_id}", headers=auth).json() == {"removed": 1}
