"""Linked images (EDT-06): an image wrapped in a link keeps the link in the email (the outbox's .eml
and a real SMTP server) and in the recipient's in-app thread, sent directly or from a template."""

from __future__ import annotations

import email
from email import policy

from sqlalchemy import select

from channels.base import ChannelKind
from channels.registry import ChannelRegistry
from domain.delivery.dispatch import dispatch_deliveries
from domain.delivery.fan_out import queued_delivery_chunks
from domain.messages.send import send_draft
from editor_steps import create_template, images_with_links
from harness import OUTBOX_DIR
from helpers import gid, gql, make_user, pk_of, wait_for_message
from jobs.runtime import current
from models.db import session_scope
from models.directory import Role, User
from models.messaging import Delivery
from peers.smtp_sink import plugin_for
from resolve import viewer_for

EVENTS, BANNER = "https://lincoln.example.org/events?term=spring&amp;page=2", "https://lincoln.example.org/banner.png"
LOGO = "https://lincoln.example.org/logo.png"
#: One image with a link, one without: the link stays on the first only.
BODY = (f'<p>Spring events:</p><p><a href="{EVENTS}" target="_blank"><img src="{BANNER}" alt="Spring events" '
        f'width="560"></a></p><p><img src="{LOGO}" alt="Lincoln"></p>')
LINKED = [(EVENTS.replace("&amp;", "&"), BANNER), (None, LOGO)]  # as a browser reads the href

SEND = """mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { __typename
  ... on SendMessageSuccess { message { id htmlBody } } ... on SendMessageErrors { errors { field code } } } }"""
SAVE_DRAFT = """mutation Save($input: SendMessageInput!) { saveDraft(input: $input) { __typename
  ... on SaveDraftSuccess { draft { id } } ... on SaveDraftErrors { errors { field code } } } }"""
USE = """mutation Use($id: ID!, $draftId: ID) { useTemplate(templateId: $id, draftId: $draftId) { __typename
  ... on TemplateUsed { draft { id htmlBody } } ... on UseTemplateErrors { errors { field code } } } }"""
INBOX = "query Inbox { inbox(first: 5) { edges { node { id correspondent { id } } } } }"
THREAD = "query Thread($id: ID!) { thread(id: $id) { messages { edges { node { id htmlBody } } } } }"


def staff_member(engine, role: Role) -> tuple[int, str, str]:
    """(id, login, token) of a fresh staff user with an email address and every permission of the role."""
    from factories import unique

    login = unique(f"{role.value.lower()}.edt06.")
    token = make_user(engine, role, login=login)
    with session_scope(engine) as session:
        return session.execute(select(User.id).where(User.login == login)).scalar_one(), login, token


def in_app_body(client, token: str, sender_id: int, message_id: str) -> str:
    """The body the recipient reads in their in-app thread with the sender."""
    [thread] = [edge["node"]["id"] for edge in gql(client, INBOX, {}, token)["data"]["inbox"]["edges"]
                if edge["node"]["correspondent"]["id"] == gid("User", sender_id)]
    messages = gql(client, THREAD, {"id": thread}, token)["data"]["thread"]["messages"]["edges"]
    [body] = [edge["node"]["htmlBody"] for edge in messages if edge["node"]["id"] == message_id]
    return body


def email_delivery(engine, message_id: str) -> Delivery:
    with session_scope(engine) as session:
        return session.execute(select(Delivery).where(Delivery.message_id == pk_of(message_id),
                                                      Delivery.channel == "EMAIL")).scalars().one()


def test_edt_06_a_linked_image_is_emailed_and_shown_in_app_with_its_link(client, engine):
    """Covers EDT-06: sendMessage with an image inside a link: the stored body, the email the worker
    writes (outbox .eml, HTML part) and the recipient's in-app thread each have the image inside its
    link, query string and all; the unlinked image stays unlinked."""
    admin_id, _, admin = staff_member(engine, Role.ADMIN)
    teacher_id, _, teacher = staff_member(engine, Role.TEACHER)
    sent = gql(client, SEND, {"input": {"subject": "Spring events", "htmlBody": BODY, "channels": ["EMAIL"],
                                        "staffIds": [gid("User", teacher_id)]}}, admin)["data"]["sendMessage"]
    assert sent["__typename"] == "SendMessageSuccess", sent
    message_id = sent["message"]["id"]
    assert images_with_links(sent["message"]["htmlBody"]) == LINKED
    assert wait_for_message(client, admin, message_id)["status"] == "COMPLETED"
    delivery = email_delivery(engine, message_id)
    assert delivery.status == "SENT"
    written = email.message_from_bytes((OUTBOX_DIR / "email" / f"{delivery.id}.eml").read_bytes(),
                                       policy=policy.default)
    html = written.get_body(("html",)).get_content()
    assert images_with_links(html) == LINKED
    assert images_with_links(in_app_body(client, teacher, admin_id, message_id)) == LINKED



def test_edt_06_a_template_with_a_linked_image_used_and_sent_keeps_the_link(client, engine, smtp_server):
    """Covers EDT-06, CMP-35: a template whose body has a linked image (saved as new-editor HTML,
    EDT-03), used on a draft to a teacher and sent through the smtp plugin: the email the SMTP server
    receives and the teacher's in-app thread have the image inside its link."""
    controller, recorder = smtp_server
    admin_id, admin_login, admin = staff_member(engine, Role.ADMIN)
    teacher_id, _, teacher = staff_member(engine, Role.TEACHER)
    template = create_template(client, admin, BODY, subject="Spring events")
    assert images_with_links(template["htmlBody"]) == LINKED
    saved = gql(client, SAVE_DRAFT, {"input": {"subject": "Spring events", "htmlBody": "<p>…</p>",
                                               "channels": ["EMAIL"], "staffIds": [gid("User", teacher_id)]}},
                admin)["data"]["saveDraft"]
    assert saved["__typename"] == "SaveDraftSuccess", saved
    used = gql(client, USE, {"id": template["id"], "draftId": saved["draft"]["id"]}, admin)["data"]["useTemplate"]
    assert used["__typename"] == "TemplateUsed", used
    assert images_with_links(used["draft"]["htmlBody"]) == LINKED
    with session_scope(engine) as session:
        message, _ = send_draft(session, viewer_for(session, admin_login), pk_of(used["draft"]["id"]), None)
        message_id = gid("Message", message.id)
        [chunk] = queued_delivery_chunks(session, message.id, 500)
    registry = ChannelRegistry({ChannelKind.EMAIL: plugin_for(controller)})
    assert dispatch_deliveries(engine, registry, chunk, current().delivery).sent == 1
    [received] = recorder.messages
    assert received["To"].addresses[0].addr_spec == email_delivery(engine, message_id).address
    assert images_with_links(received.get_body(("html",)).get_content()) == LINKED
    assert images_with_links(in_app_body(client, teacher, admin_id, message_id)) == LINKED
