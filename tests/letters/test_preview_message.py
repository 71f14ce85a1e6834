"""previewMessage (CMP-30): one recipient's letter as HTML (letterhead, insert fields filled in and
HTML-escaped, SET-02's line), writing nothing; a message the viewer may not see answers exactly
like a missing one."""

from __future__ import annotations

from sqlalchemy import func, select

from domain.access.permissions import Perm
from factories import add_student, first_school_id
from helpers import gid, gql, make_user
from letters_support import FOOTER, HEADER, PREVIEW, make_message
from models.db import metadata, session_scope
from models.directory import Role

BODY = "<p>Dear {{recipient.name}}, {{student.full_name}} is in grade {{student.grade_level}}.</p>"


def every_row_count(engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
                for table in metadata.sorted_tables}


def test_cmp_30_preview_renders_one_recipients_letter_and_writes_nothing(engine, client):
    """CMP-30: the named student's letter, under the letterhead, with their fields filled in and
    escaped, and SET-02's line when asked; the first letter when no recipient is named. Row counts
    of every table are the same before and after."""
    login = "letters.preview." + Role.ADMIN.value.lower()
    token = make_user(engine, Role.ADMIN, login=login)
    school = first_school_id(engine)
    ana = add_student(engine, school, first_name="Ana", last_name="Aaberg", grade_level="4")
    ben = add_student(engine, school, first_name="Ben <b>", last_name="Okafor", grade_level="7")
    message_id = make_message(engine, login, [ana, ben], html_body=BODY, letterhead=(HEADER, FOOTER),
                              add_log_record=True)
    before = every_row_count(engine)
    named = gql(client, PREVIEW, {"messageId": gid("Message", message_id), "recipientId": gid("Student", ben),
                                  "names": True}, token)["data"]["previewMessage"]
    first = gql(client, PREVIEW, {"messageId": gid("Message", message_id)}, token)["data"]["previewMessage"]
    assert every_row_count(engine) == before
    assert named["recipientId"] == gid("Student", ben) and named["recipientName"] == "Ben <b> Okafor"
    html = named["html"]
    assert "Lakeside Unified School District" in html and "100 Lake Road, Springfield" in html
    assert "Dear Ben &lt;b&gt; Okafor, Ben &lt;b&gt; Okafor is in grade 7." in html and "<b>" not in html
    assert f"Okafor, Ben &lt;b&gt; {ben}" in html  # SET-02: Last, First ID
    assert first["recipientId"] == gid("Student", ana) and "Dear Ana Aaberg" in first["html"]
    assert "person-line" not in first["html"].split("</style>")[1]  # the district's setting is off


def test_cmp_30_a_foreign_message_or_recipient_answers_like_a_missing_one(engine, client):
    """CMP-30, PERM-06: another user's message and a student it has no letter for answer exactly
    like ids that name nothing."""
    token = make_user(engine, Role.TEACHER, perms=[Perm.COMMUNICATION, Perm.SEND_MESSAGES])
    school = first_school_id(engine)
    student = add_student(engine, school)
    foreign = make_message(engine, "admin", [student], html_body=BODY)
    missing = gid("Message", 10**9)
    answers = [gql(client, PREVIEW, {"messageId": message}, token) for message in (gid("Message", foreign), missing)]
    assert answers[0] == answers[1]
    assert answers[0]["data"]["previewMessage"]["errors"][0]["code"] == "NOT_FOUND"
    admin = make_user(engine, Role.ADMIN)
    own = gql(client, PREVIEW, {"messageId": gid("Message", foreign), "recipientId": gid("Student", 10**9)}, admin)
    other = gql(client, PREVIEW, {"messageId": gid("Message", foreign), "recipientId": gid("User", 10**9)}, admin)
    assert own["data"]["previewMessage"]["errors"] == other["data"]["previewMessage"]["errors"]
    assert own["data"]["previewMessage"]["errors"][0]["field"] == "recipientId"
