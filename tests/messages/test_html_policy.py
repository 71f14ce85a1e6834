"""HTML bodies are stored, shown and emailed clean (issue 13 point 8): a parent's scripts never
reach a teacher, while a newsletter's layout does (EDT-04, SET-07, CMP-24)."""

from __future__ import annotations

import email
import re
from email import policy
from html.parser import HTMLParser

from sqlalchemy import select

from channels.base import ChannelKind
from channels.registry import ChannelRegistry
from harness import OUTBOX_DIR
from domain.delivery.dispatch import dispatch_deliveries
from domain.delivery.fan_out import queued_delivery_chunks
from domain.messages.send import send_draft
from domain.content.text import html_to_text
from factories import add_contact, add_section, add_student, add_user, email as new_email, first_school_id, unique
from helpers import gid, gql, pk_of, token_for, wait_for_message
from jobs.runtime import current
from models.db import session_scope
from models.directory import User
from models.messaging import Delivery, Message
from resolve import viewer_for
from peers.smtp_sink import plugin_for

HOSTILE = """
<p onclick="steal()">Read this</p><script>alert(document.cookie)</script>
<img src="https://evil.example/x.png" onerror="alert(1)">
<a href="javascript:alert(2)">click me</a> <a href="JaVaScRiPt:alert(3)">or me</a>
<iframe src="https://evil.example/frame"></iframe>
<object data="https://evil.example/x.swf"></object>
<svg onload="alert(4)"><circle r="1"/></svg>
<div style="background:url(javascript:alert(5));color:#222222">Styled text</div>
<form action="https://evil.example/login"><input name="password"></form>
"""
#: Anything of HOSTILE that could run, in any case, wherever it ends up.
ACTIVE = re.compile(r"<script|alert\(|onerror|onload|onclick|javascript:|<iframe|<object|<svg|<form|steal",
                    re.IGNORECASE)

NEWSLETTER = """<table width="600" cellpadding="0" cellspacing="0" border="0" align="center" bgcolor="#ffffff" \
style="border-collapse: collapse; max-width: 600px;">
<tr><td align="center" valign="top" style="padding: 20px 10px; background-color: #003366; font-family: Arial, \
Helvetica, sans-serif;"><h1 style="color: #ffffff; font-size: 28px; margin: 0;">Lincoln Newsletter</h1></td></tr>
<tr><td style="padding: 16px;">
<a href="https://lincoln.example.org/events" target="_blank"><img src="https://lincoln.example.org/banner.png" \
width="560" height="120" alt="Spring events" style="display: block; border: 0;"></a>
<h2 style="color: #003366;">Dear {{recipient.name}},</h2>
<p style="font-size: 16px; line-height: 24px; color: #333333;">Spring concert on <b>Friday</b>, \
<font color="#cc0000" face="Georgia">7 pm</font>. <i>Bring a friend.</i></p>
<ul><li>Tickets at the <a href="mailto:office@lincoln.example.org">office</a></li>
<li>Questions: <a href="tel:+13125550100">call us</a></li></ul>
<ol start="3"><li>Third item</li></ol>
<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot" width="1" height="1"><img src="cid:logo@lincoln" alt="logo">
</td></tr></table>"""

SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename
  ... on SendMessageSuccess { message { id htmlBody } } ... on SendMessageErrors { errors { field code } } } }"""
SAVE_DRAFT = """mutation($input: SendMessageInput!) { saveDraft(input: $input) { __typename
  ... on SaveDraftSuccess { message { id htmlBody } } ... on SaveDraftErrors { errors { field code } } } }"""
MESSAGE = "query($id: ID!) { message(id: $id) { htmlBody } }"
REPORT = """query($search: String) { communicationReport(filter: {search: $search}, first: 5) {
  edges { node { message { id htmlBody } } } } }"""


class _Elements(HTMLParser):
    """The elements of a fragment in order, with their attributes (styles compared without spaces)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, tuple]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":  # the HTML parser adds it to a table; it changes no layout
            return
        kept = {name: (re.sub(r"\s+", "", value or "").rstrip(";") if name == "style" else value)
                for name, value in attrs if name != "rel"}
        self.found.append((tag, tuple(sorted(kept.items()))))

    handle_startendtag = handle_starttag


def elements(markup: str) -> list[tuple[str, tuple]]:
    parser = _Elements()
    parser.feed(markup)
    parser.close()
    return parser.found


def assert_clean_newsletter(markup: str, *, filled_in: bool = False) -> None:
    """None of HOSTILE is left; every element and attribute of NEWSLETTER is, and its text too."""
    assert not ACTIVE.search(markup), ACTIVE.search(markup)
    newsletter = elements(NEWSLETTER)
    assert elements(markup)[:len(newsletter)] == newsletter
    assert markup.count('rel="noopener noreferrer"') == markup.count("<a ")  # every link
    if not filled_in:
        assert html_to_text(NEWSLETTER) in html_to_text(markup)
        assert "{{recipient.name}}" in markup  # insert fields stay as written (CMP-25)


def _family(engine):
    """A parent, their child, and the child's teacher (who has an email address)."""
    school = first_school_id(engine)
    parent = add_user(engine, "PARENT", profile="Parent", email=new_email("parent"))
    kid = add_student(engine, school)
    add_contact(engine, kid, user_id=parent, email=new_email("contact"))
    teacher = add_user(engine, "TEACHER", school_ids=[school], profile="Teacher", email=new_email("teacher"))
    add_section(engine, school, teacher_ids=[teacher], student_ids=[kid])
    with session_scope(engine) as session:
        parent_login, teacher_user = session.get(User, parent).login, session.get(User, teacher)
        return parent_login, teacher, teacher_user.email, f"{teacher_user.first_name} {teacher_user.last_name}"


def test_issue_13_8_a_parents_hostile_html_is_stored_shown_and_emailed_clean(client, engine):
    """Covers EDT-04, RCP-22, RPT-01 (issue 13 point 8): a parent sends a teacher a newsletter laced with
    <script>, onerror=, javascript: links, <iframe>, <object>, <svg onload> and CSS url(javascript:).
    What is stored, what message(id) and the communication report return, and the email written for
    the teacher carry none of it; the newsletter's tables, inline styles, images and links survive."""
    parent_login, teacher, teacher_email, teacher_name = _family(engine)
    parent = token_for(engine, parent_login)
    subject = unique("Newsletter ")
    body = gql(client, SEND, {"input": {"subject": subject, "htmlBody": NEWSLETTER + HOSTILE, "channels": ["EMAIL"],
                                        "staffIds": [gid("User", teacher)]}}, parent)
    sent = body["data"]["sendMessage"]
    assert sent["__typename"] == "SendMessageSuccess", body
    message_id = sent["message"]["id"]
    assert_clean_newsletter(sent["message"]["htmlBody"])
    with session_scope(engine) as session:
        stored = session.get(Message, pk_of(message_id))
        assert_clean_newsletter(stored.html_body)
        assert not ACTIVE.search(stored.text_body) and "Styled text" in stored.text_body
    assert gql(client, MESSAGE, {"id": message_id}, parent)["data"]["message"]["htmlBody"] == stored.html_body
    report = gql(client, REPORT, {"search": subject}, token_for(engine, "admin"))["data"]["communicationReport"]
    [row] = [edge["node"]["message"] for edge in report["edges"]]
    assert row == {"id": message_id, "htmlBody": stored.html_body}

    assert wait_for_message(client, parent, message_id)["status"] == "COMPLETED"
    with session_scope(engine) as session:
        delivery = session.execute(select(Delivery).where(Delivery.message_id == pk_of(message_id),
                                                          Delivery.channel == "EMAIL")).scalars().one()
    assert (delivery.address, delivery.status) == (teacher_email, "SENT")
    written = email.message_from_bytes((OUTBOX_DIR / "email" / f"{delivery.id}.eml").read_bytes(),
                                       policy=policy.default)
    html = written.get_body(("html",)).get_content()
    assert_clean_newsletter(html, filled_in=True)
    assert f"Dear {teacher_name}," in html  # the insert field, filled in for the teacher
    assert not ACTIVE.search(written.get_body(("plain",)).get_content())


def test_issue_13_8_a_draft_emailed_through_smtp_reaches_the_sink_clean(client, engine, smtp_server):
    """Covers EDT-04, CMP-28 (issue 13 point 8): a parent's draft saved over HTTP with the same body,
    sent later through the smtp plugin: the email the SMTP server receives has no script, handler,
    frame or script link, and keeps the newsletter's layout."""
    controller, recorder = smtp_server
    parent_login, teacher, teacher_email, teacher_name = _family(engine)
    body = gql(client, SAVE_DRAFT, {"input": {"htmlBody": NEWSLETTER + HOSTILE, "channels": ["EMAIL"],
                                              "staffIds": [gid("User", teacher)]}}, token_for(engine, parent_login))
    draft = body["data"]["saveDraft"]
    assert draft["__typename"] == "SaveDraftSuccess", body
    assert_clean_newsletter(draft["message"]["htmlBody"])
    with session_scope(engine) as session:
        message, _ = send_draft(session, viewer_for(session, parent_login), pk_of(draft["message"]["id"]), None)
        [chunk] = queued_delivery_chunks(session, message.id, 500)
    registry = ChannelRegistry({ChannelKind.EMAIL: plugin_for(controller)})
    assert dispatch_deliveries(engine, registry, chunk, current().delivery).sent == 1
    [received] = recorder.messages
    assert received["To"].addresses[0].addr_spec == teacher_email
    html = received.get_body(("html",)).get_content()
    assert_clean_newsletter(html, filled_in=True)
    assert f"Dear {teacher_name}," in html


SIGNATURES = """mutation($html: String) { updateMySignatures(emailSignature: $html, smsSignature: "Ms. Ruiz") {
  ... on Signatures { emailSignature smsSignature } } }"""


def test_set_07_an_email_signature_is_stored_clean_and_emailed_clean(client, engine):
    """Covers SET-07, CMP-24 (issue 13 point 8): the rich-text signature is HTML that goes into every
    signed email, so it is cleaned when saved; its styling and link stay."""
    teacher = add_user(engine, "TEACHER", school_ids=[first_school_id(engine)], profile="Teacher",
                       email=new_email("teacher"))
    with session_scope(engine) as session:
        login = session.get(User, teacher).login
    token = token_for(engine, login)
    signature = ('<p style="color: #003366;"><b>Ms. Ruiz</b> | <a href="https://lincoln.example.org">Lincoln</a>'
                 '</p><img src="x" onerror="alert(1)"><script>alert(2)</script><a href="javascript:alert(3)">x</a>')
    saved = gql(client, SIGNATURES, {"html": signature}, token)["data"]["updateMySignatures"]
    assert not ACTIVE.search(saved["emailSignature"])
    assert elements(saved["emailSignature"])[:3] == elements(signature)[:3]  # the styled line and its link
    with session_scope(engine) as session:
        assert session.get(User, teacher).email_signature == saved["emailSignature"]
    assert saved["smsSignature"] == "Ms. Ruiz"


def test_migration_0024_cleans_html_stored_before_the_policy(tmp_path):
    """Covers EDT-04 (issue 13 point 8, rows stored before the fix): upgrading cleans the message
    bodies and email signatures already stored, so the API never returns a script stored earlier;
    the styling email needs stays, and clean rows are left as they were."""
    from sqlalchemy import text as sql

    from homeroom.migrate import upgrade
    from models.db import make_engine

    url = f"sqlite:///{tmp_path / 'stored-html.db'}"
    upgrade(url, "0023")
    engine = make_engine(url)
    hostile = ('<table style="width:100%"><tr><td style="color:#336699">Field trip</td></tr></table>'
               '<img src="x" onerror="alert(1)"><a href="javascript:alert(2)">slip</a><script>steal()</script>')
    clean = "<p>Already <b>clean</b>.</p>"
    with engine.begin() as connection:
        connection.execute(sql("INSERT INTO app_user (id, login, role, first_name, last_name, language, status, "
                               "hidden_from_search, email_signature) VALUES (1, 'admin', 'ADMIN', 'A', 'B', 'en', "
                               "'ACTIVE', false, :signature)"), {"signature": '<p onclick="x()">Ms. B</p>'})
        for message_id, body in ((1, hostile), (2, clean)):
            connection.execute(sql(
                "INSERT INTO message (id, sender_id, subject, html_body, text_body, channels, priority, emergency, "
                "send_as_district, status, created_at) VALUES (:id, 1, 'Trip', :body, 'Trip', '[\"EMAIL\"]', false, "
                "false, false, 'SENT', CURRENT_TIMESTAMP)"), {"id": message_id, "body": body})

    upgrade(url)
    with engine.connect() as connection:
        bodies = dict(connection.execute(sql("SELECT id, html_body FROM message")).all())
        signature = connection.execute(sql("SELECT email_signature FROM app_user")).scalar_one()
    engine.dispose()
    assert bodies[2] == clean
    for marker in ("onerror", "javascript:", "<script", "steal()"):
        assert marker not in bodies[1]
    assert 'style="width:100%"' in bodies[1] and 'style="color:#336699"' in bodies[1] and "<img" in bodies[1]
    assert signature == "<p>Ms. B</p>"
