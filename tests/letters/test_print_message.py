"""printMessage (CMP-31, CMP-10): the print runs as a job in the worker (in process on SQLite, a
`homeroom worker` process with Redis), printJob(id) shows its progress, and the finished PDF comes
from a signed link; with Add Log Record every student printed gets one PRINTED letter-log entry. A
message or job the viewer may not see answers exactly like a missing one."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from sqlalchemy import select

from domain.access.permissions import Perm
from factories import first_school_id, add_user
from helpers import gid, gql, make_user
from letters_support import FOOTER, HEADER, JOB, PRINT, finished, make_message, make_students, pages_text
from models.db import session_scope
from models.directory import Role
from models.templates import LetterLog

def test_cmp_31_cmp_10_print_runs_as_a_job_and_logs_every_student(engine, client):
    """CMP-31: printMessage answers a queued job at once; the worker renders one letter per student
    and staff member; printJob shows the finished PDF's signed link, which serves it. CMP-10: with
    Add Log Record, one PRINTED entry per student (none for staff), under the academic record category."""
    login = "letters.print." + str(time.monotonic_ns())
    token = make_user(engine, Role.ADMIN, login=login)
    tag, students = make_students(engine, 5)
    colleague = add_user(engine, "TEACHER", school_ids=[first_school_id(engine)], profile="Teacher",
                         first_name="Dana", last_name=tag + "Lee", email=f"{tag.lower()}@staff.example.org")
    message_id = make_message(engine, login, students, staff_ids=[colleague], letterhead=(HEADER, FOOTER),
                              add_log_record=True, academic_record_category="Correspondence",
                              html_body="<p>Dear {{recipient.name}}</p>")
    answer = gql(client, PRINT, {"input": {"messageId": gid("Message", message_id), "namesOnEachPage": True,
                                           "language": "ORIGINAL"}}, token)["data"]["printMessage"]
    assert answer["__typename"] == "PrintJob" and answer["downloadUrl"] is None
    assert (answer["namesOnEachPage"], answer["language"]) == (True, "ORIGINAL")
    job = finished(client, token, answer["id"])
    assert (job["status"], job["lettersDone"], job["lettersTotal"], job["pageCount"]) == ("DONE", 6, 6, 6)
    assert job["messageId"] == gid("Message", message_id) and job["downloadExpiresAt"]
    url = urlsplit(job["downloadUrl"])
    response = client.get(url.path)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    pages = pages_text(response.content)
    assert [f"Dear Kid{n:03d} {tag}{n:03d}" in pages[n] for n in range(5)] == [True] * 5
    assert f"Dear Dana {tag}Lee" in pages[5]
    with session_scope(engine) as session:
        logged = session.execute(select(LetterLog.student_id, LetterLog.user_id, LetterLog.source,
                                        LetterLog.academic_record_category)
                                 .where(LetterLog.message_id == message_id)).all()
    assert sorted(logged) == sorted((s, None, "PRINTED", "Correspondence") for s in students)
    tampered = url.path.replace("/letters.pdf", "x/letters.pdf")
    assert client.get(tampered).status_code == 404


def test_cmp_31_a_foreign_message_or_job_answers_like_a_missing_one(engine, client):
    """CMP-31, PERM-06: printing another user's message answers like a missing id, and so does
    reading another user's print job."""
    owner_login = "letters.owner." + str(time.monotonic_ns())
    owner = make_user(engine, Role.TEACHER, perms=[Perm.COMMUNICATION, Perm.SEND_MESSAGES], login=owner_login)
    stranger = make_user(engine, Role.TEACHER, perms=[Perm.COMMUNICATION, Perm.SEND_MESSAGES])
    _tag, students = make_students(engine, 1)
    foreign = make_message(engine, "admin", students)
    prints = [gql(client, PRINT, {"input": {"messageId": message}}, stranger)
              for message in (gid("Message", foreign), gid("Message", 10**9))]
    assert prints[0] == prints[1]
    assert prints[0]["data"]["printMessage"]["errors"] == [
        {"field": "input.messageId", "code": "NOT_FOUND", "message": "No message you can see has that id."}]
    own = make_message(engine, owner_login, [], staff_ids=[_first_staff(engine)])
    job = gql(client, PRINT, {"input": {"messageId": gid("Message", own)}}, owner)["data"]["printMessage"]
    assert gql(client, JOB, {"id": job["id"]}, stranger) == gql(client, JOB, {"id": gid("PrintJob", 10**9)}, stranger)
    assert gql(client, JOB, {"id": job["id"]}, stranger)["data"]["printJob"] is None
    assert finished(client, owner, job["id"])["status"] == "DONE"


def _first_staff(engine) -> int:
    return add_user(engine, "TEACHER", school_ids=[first_school_id(engine)], profile="Teacher",
                    email=f"staff{time.monotonic_ns()}@staff.example.org")
