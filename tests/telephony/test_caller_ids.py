"""Caller ID phone numbers (CID-*) and the number a message's calls show (VOI-02, VOI-03)."""

from __future__ import annotations

import json

from sqlalchemy import select, update

from harness import OUTBOX_DIR
from factories import add_contact, add_school, add_student, phone
from helpers import gid, gql, make_user, pk_of, row_counts, token_for, wait_for_message
from models.caller_ids import CallerId as CallerIdRow
from models.db import session_scope
from models.directory import Role
from models.messaging import Delivery, Message

FIELDS = "id title phone public schoolIds studentAttendance schoolDefault districtDefault"
CREATE = """mutation($input: CallerIdInput!) { createCallerId(input: $input) { __typename
  ... on CallerIdSaved { callerId { %s } } ... on CreateCallerIdErrors { errors { field code message } } } }""" % FIELDS  # noqa: UP031
AVAILABLE = "{ availableCallerIds { defaultId numbers { id } } }"
SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename
  ... on SendMessageSuccess { message { id } } ... on SendMessageErrors { errors { field code message } } } }"""


def create(client, token, **fields):
    data = gql(client, CREATE, {"input": {"title": "Number", "phone": phone(), **fields}}, token)
    return data["data"]["createCallerId"] if "data" in data and data["data"] else data


def test_cid_01_cid_04_numbers_are_managed_with_the_permission_and_checked(client, engine):
    """Covers CID-01, CID-04: administrators with the caller-ID permission add, change and delete
    numbers; a bad phone, a school default without schools and a second Student Attendance number
    are field errors that write nothing; without the permission it is FORBIDDEN."""
    admin = token_for(engine, "admin")
    teacher = make_user(engine, Role.TEACHER)
    denied = gql(client, CREATE, {"input": {"title": "x", "phone": phone()}}, teacher)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    school = add_school(engine)
    made = create(client, admin, title="Front office (internal)", phone="(312) 555-0142", public=True,
                  schoolIds=[gid("School", school)])
    number = made["callerId"]
    assert (number["phone"], number["public"], number["schoolIds"]) == ("+13125550142", True, [gid("School", school)])
    bad = create(client, admin, phone="12", schoolDefault=True)
    assert {(e["field"], e["code"]) for e in bad["errors"]} == {("input.phone", "INVALID"),
                                                               ("input.schoolIds", "REQUIRED")}
    with session_scope(engine) as session:
        session.execute(update(CallerIdRow).values(student_attendance=False))
    first = create(client, admin, title="Attendance line", studentAttendance=True)
    assert first["__typename"] == "CallerIdSaved"
    second = create(client, admin, title="Another attendance line", studentAttendance=True)
    assert second["errors"] == [{"field": "input.studentAttendance", "code": "CONFLICT", "message":
                                 "Another number is already the Student Attendance number (CID-04)."}]
    changed = gql(client, """mutation($id: ID!, $input: CallerIdInput!) { updateCallerId(id: $id, input: $input) {
        ... on CallerIdSaved { callerId { title public } } } }""", {"id": number["id"], "input": {
        "title": "Front office", "phone": "+13125550142"}}, admin)["data"]["updateCallerId"]
    assert changed["callerId"] == {"title": "Front office", "public": False}
    delete = "mutation($id: ID!) { deleteCallerId(id: $id) { __typename ... on DeleteCallerIdErrors { errors { code } } } }"
    assert gql(client, delete, {"id": number["id"]}, admin)["data"]["deleteCallerId"] == {
        "__typename": "CallerIdDeleted"}
    assert gql(client, delete, {"id": number["id"]}, admin)["data"]["deleteCallerId"] == {  # issue 17 point 2
        "__typename": "DeleteCallerIdErrors", "errors": [{"code": "NOT_FOUND"}]}
    with session_scope(engine) as session:
        assert session.get(CallerIdRow, pk_of(number["id"])) is None
        session.execute(update(CallerIdRow).values(student_attendance=False))


def test_perm_40_an_administrator_without_the_caller_id_permission_cannot_list_or_change_numbers(client, engine):
    """Covers PERM-40: an administrator whose profile lacks "Caller ID Phone Numbers" gets FORBIDDEN
    from listing, adding, editing, deleting and importing caller IDs, and nothing is written."""
    from domain.access.permissions import Perm

    admin = token_for(engine, "admin")
    number = create(client, admin, title="Library line")["callerId"]
    without = make_user(engine, Role.ADMIN, without=[Perm.CALLER_ID_PHONE_NUMBERS])
    with session_scope(engine) as session:
        before = sorted(session.execute(select(CallerIdRow.id, CallerIdRow.title, CallerIdRow.phone)).all())
    attempts = [
        ("callerIds", "{ callerIds { id } }", {}),
        ("createCallerId", CREATE, {"input": {"title": "x", "phone": phone()}}),
        ("updateCallerId", """mutation($id: ID!, $input: CallerIdInput!) { updateCallerId(id: $id, input: $input) {
            __typename } }""", {"id": number["id"], "input": {"title": "Renamed", "phone": phone()}}),
        ("deleteCallerId", "mutation($id: ID!) { deleteCallerId(id: $id) { __typename } }", {"id": number["id"]}),
        ("importCallerIds", """mutation($csv: String!) { importCallerIds(csv: $csv, columns: {title: 0, phone: 1})
            { __typename } }""", {"csv": f"Title,Phone\nGym,{phone()}\n"}),
    ]
    for field, document, variables in attempts:
        answer = gql(client, document, variables, without)
        assert [(e["path"], e["extensions"]["code"]) for e in answer["errors"]] == [([field], "FORBIDDEN")], field
    with session_scope(engine) as session:
        assert sorted(session.execute(select(CallerIdRow.id, CallerIdRow.title, CallerIdRow.phone)).all()) == before
    assert gql(client, "{ availableCallerIds { defaultId } }", {}, without)["data"]  # placing calls is PHONE_CALLS


def test_cid_08_csv_import_reports_every_bad_row_and_imports_nothing_then(client, engine):
    """Covers CID-08: flags are 1, 0 or blank; any other value, an unknown school or a bad number is
    reported by row and column and nothing is imported; a clean file imports every row."""
    admin = token_for(engine, "admin")
    school = add_school(engine)
    with session_scope(engine) as session:
        from models.directory import School

        name = session.get(School, school).name
        before = len(session.execute(select(CallerIdRow.id)).all())
    mutation = """mutation($csv: String!) { importCallerIds(csv: $csv, columns: {title: 0, phone: 1, schools: 2,
        public: 3, schoolDefault: 4, districtDefault: 5}) { __typename ... on CallerIdsImported { callerIds { title
        phone public schoolDefault schoolIds } } ... on ImportCallerIdsErrors { errors { field code } } } }"""
    bad = ("Title,Phone,Schools,Public,School default,District default\n"
           f"Gym,+13125550161,{name},1,0,\n"
           "Bus desk,+13125550162,Nowhere School,2,0,0\n"
           "Nurse,not a phone,,0,,\n"
           f"Library,+13125550164,{school},0,,\n"  # a raw number is no school id (issue 17 point 1)
           f"Office,+13125550165,{gid('Student', school)},0,,\n")  # nor is an id of another kind
    errors = gql(client, mutation, {"csv": bad}, admin)["data"]["importCallerIds"]["errors"]
    assert {(e["field"], e["code"]) for e in errors} == {("row.3.public", "INVALID"), ("row.3.schools", "NOT_FOUND"),
                                                         ("row.4.phone", "INVALID"), ("row.5.schools", "NOT_FOUND"),
                                                         ("row.6.schools", "NOT_FOUND")}
    with session_scope(engine) as session:
        assert len(session.execute(select(CallerIdRow.id)).all()) == before
    good = ("Title,Phone,Schools,Public,School default,District default\n"
            f"Gym,+13125550161,{name},1,0,\n"
            f"Main office,+13125550163,{name};{gid('School', school)},0,1,0\n")
    imported = gql(client, mutation, {"csv": good}, admin)["data"]["importCallerIds"]["callerIds"]
    assert [(n["title"], n["public"], n["schoolDefault"], n["schoolIds"]) for n in imported] == [
        ("Gym", True, False, [gid("School", school)]), ("Main office", False, True, [gid("School", school)])]


def test_cid_02_cid_03_cid_05_cid_06_voi_03_who_may_use_which_number(client, engine):
    """Covers CID-02, CID-03, CID-05, CID-06, VOI-03: a user may use public numbers of their schools
    or of all schools, their schools' defaults and the effective district default (the newest
    flagged one); their default is their school's default, else the district's."""
    admin = token_for(engine, "admin")
    north, south = add_school(engine), add_school(engine)
    ids = {}
    for key, fields in {
        "public_everywhere": {"public": True},
        "public_north": {"public": True, "schoolIds": [gid("School", north)]},
        "private_north": {"schoolIds": [gid("School", north)]},
        "default_south": {"schoolDefault": True, "schoolIds": [gid("School", south)]},
        "old_district": {"districtDefault": True},
        "new_district": {"districtDefault": True},
    }.items():
        ids[key] = create(client, admin, title=key, **fields)["callerId"]["id"]

    def available(school_ids):
        token = make_user(engine, Role.TEACHER, school_ids=school_ids)
        data = gql(client, AVAILABLE, token=token)["data"]["availableCallerIds"]
        return {number["id"] for number in data["numbers"]}, data["defaultId"]

    try:
        at_north, north_default = available([north])
        assert {ids["public_everywhere"], ids["public_north"], ids["new_district"]} <= at_north
        assert not {ids["private_north"], ids["default_south"], ids["old_district"]} & at_north
        assert north_default == ids["new_district"]
        at_south, south_default = available([south])
        assert {ids["default_south"], ids["public_everywhere"]} <= at_south and ids["public_north"] not in at_south
        assert south_default == ids["default_south"]
        nowhere, nowhere_default = available([])
        assert ids["public_north"] not in nowhere and nowhere_default == ids["new_district"]
    finally:
        with session_scope(engine) as session:
            session.execute(update(CallerIdRow).where(CallerIdRow.id.in_([pk_of(i) for i in ids.values()])).values(
                district_default=False, public=False, school_default=False))


def test_voi_02_voi_03_cid_07_calls_need_a_district_default_and_show_the_picked_number(client, engine):
    """Covers VOI-02, VOI-03, CID-07: with no District Default number a call is refused (nothing is
    written); with one, a message's calls show the sender's default number unless they pick another
    available one; a number that is not theirs, or a caller ID without a call, is refused."""
    admin = token_for(engine, "admin")
    school = add_school(engine)
    sender = make_user(engine, Role.ADMIN, school_ids=[school])
    kid = add_student(engine, school, primary_phone=phone())
    add_contact(engine, kid, custodial=True, mobile_phone=phone())
    base = {"subject": "Snow day", "htmlBody": "<p>No school</p>", "recipientType": "PRIMARY_CONTACTS",
            "studentIds": [gid("Student", kid)], "channels": ["VOICE"]}
    with session_scope(engine) as session:
        flagged = list(session.execute(select(CallerIdRow.id).where(CallerIdRow.district_default)).scalars())
        session.execute(update(CallerIdRow).values(district_default=False))
    try:
        before = row_counts(engine)
        refused = gql(client, SEND, {"input": base}, sender)["data"]["sendMessage"]
        assert [(e["field"], e["code"]) for e in refused["errors"]] == [("input.channels", "NO_CALLER_ID")]
        assert row_counts(engine) == before
        assert gql(client, AVAILABLE, token=sender)["data"]["availableCallerIds"] == {"defaultId": None, "numbers": []}
    finally:
        with session_scope(engine) as session:
            session.execute(update(CallerIdRow).where(CallerIdRow.id.in_(flagged)).values(district_default=True))
    picked = create(client, admin, title="Snow line", phone="+13125550177", public=True)["callerId"]
    private = create(client, admin, title="Private", schoolIds=[gid("School", school)])["callerId"]
    default_id = gql(client, AVAILABLE, token=sender)["data"]["availableCallerIds"]["defaultId"]
    sent = {}
    for label, extra in (("default", {}), ("picked", {"callerIdId": picked["id"]})):
        result = gql(client, SEND, {"input": {**base, **extra}}, sender)["data"]["sendMessage"]
        assert result["__typename"] == "SendMessageSuccess", result
        sent[label] = pk_of(result["message"]["id"])
        assert wait_for_message(client, sender, gid("Message", sent[label]))["status"] == "COMPLETED"
    with session_scope(engine) as session:
        stored = {label: session.get(Message, i).caller_id_id for label, i in sent.items()}
        picked_calls = set(str(i) for i in session.execute(select(Delivery.id).where(
            Delivery.message_id == sent["picked"], Delivery.status == "SENT")).scalars())
    assert stored == {"default": pk_of(default_id), "picked": pk_of(picked["id"])}
    lines = [json.loads(line) for line in (OUTBOX_DIR / "voice.jsonl").read_text().splitlines()]
    assert picked_calls and {line["caller_id"] for line in lines if line["reference"] in picked_calls} == {
        "+13125550177"}
    not_mine = gql(client, SEND, {"input": {**base, "callerIdId": private["id"]}}, sender)["data"]["sendMessage"]
    assert [(e["field"], e["code"]) for e in not_mine["errors"]] == [("input.callerIdId", "NOT_FOUND")]
    other_kind = gql(client, SEND, {"input": {**base, "callerIdId": gid("School", pk_of(picked["id"]))}},
                     sender)["data"]["sendMessage"]  # the picked number's row, named as a school
    assert [(e["field"], e["code"]) for e in other_kind["errors"]] == [("input.callerIdId", "NOT_FOUND")]
    sms_only = gql(client, SEND, {"input": {**base, "channels": ["SMS"], "callerIdId": picked["id"]}},
                   sender)["data"]["sendMessage"]
    assert [(e["field"], e["code"]) for e in sms_only["errors"]] == [("input.callerIdId", "INVALID")]
    with session_scope(engine) as session:
        session.execute(update(CallerIdRow).where(CallerIdRow.id == pk_of(picked["id"])).values(public=False))


IMPORT = """mutation($csv: String!, $columns: CallerIdColumnsInput!) { importCallerIds(csv: $csv, columns: $columns) {
  __typename ... on CallerIdsImported { callerIds { title } } ... on ImportCallerIdsErrors { errors { field code message } } } }"""


def test_issue_13_11_import_columns_out_of_range_are_field_errors_on_the_column(client, engine):
    """Covers CID-08 (issue 13 point 11): a negative column, or one past the file's widest row, is a
    field error naming the column argument (columns.<name>), not an internal error; nothing is
    imported. A malformed file is a field error on csv."""
    admin = token_for(engine, "admin")
    text = f"Title,Phone,Public\nGym,{phone()},1\nNurse,{phone()}\n"
    with session_scope(engine) as session:
        before = sorted(session.execute(select(CallerIdRow.id)).scalars())
    cases = [({"title": -5, "phone": 1}, [("columns.title", "INVALID")]),
             ({"title": 0, "phone": 1, "public": -3}, [("columns.public", "INVALID")]),
             ({"title": 0, "phone": 1, "schools": 3, "districtDefault": 9},
              [("columns.schools", "INVALID"), ("columns.districtDefault", "INVALID")])]
    for columns, expected in cases:
        body = gql(client, IMPORT, {"csv": text, "columns": columns}, admin)
        assert "errors" not in body, body
        errors = body["data"]["importCallerIds"]["errors"]
        assert [(e["field"], e["code"]) for e in errors] == expected, columns
        assert all("column" in e["message"].lower() for e in errors)
    malformed = gql(client, IMPORT, {"csv": 'Title,Phone\n"' + "x" * 200_000 + '",1\n',
                                     "columns": {"title": 0, "phone": 1}}, admin)["data"]["importCallerIds"]
    assert [(e["field"], e["code"]) for e in malformed["errors"]] == [("csv", "INVALID")]
    with session_scope(engine) as session:
        assert sorted(session.execute(select(CallerIdRow.id)).scalars()) == before
    imported = gql(client, IMPORT, {"csv": text, "columns": {"title": 0, "phone": 1, "public": 2}}, admin)
    assert [n["title"] for n in imported["data"]["importCallerIds"]["callerIds"]] == ["Gym", "Nurse"]


def test_issue_13_10_a_caller_id_title_is_one_line(client, engine):
    """Covers CID-01 (issue 13 point 10): a title with a line break or another control character is
    INVALID_CHARACTERS on input.title, created, changed or imported; nothing is written."""
    admin = token_for(engine, "admin")
    with session_scope(engine) as session:
        before = sorted(session.execute(select(CallerIdRow.id, CallerIdRow.title)).all())
    made = create(client, admin, title="Front office\r\nX-Header: injected")
    assert [(e["field"], e["code"]) for e in made["errors"]] == [("input.title", "INVALID_CHARACTERS")]
    imported = gql(client, IMPORT, {"csv": f'Title,Phone\n"Gym\nline",{phone()}\n',
                                    "columns": {"title": 0, "phone": 1}}, admin)["data"]["importCallerIds"]
    assert [(e["field"], e["code"]) for e in imported["errors"]] == [("row.2.title", "INVALID_CHARACTERS")]
    with session_scope(engine) as session:
        assert sorted(session.execute(select(CallerIdRow.id, CallerIdRow.title)).all()) == before
