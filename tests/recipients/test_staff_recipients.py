"""Staff and family senders: who may be addressed (RCP-20…RCP-24)."""

from __future__ import annotations

from sqlalchemy import insert, select

from factories import add_contact, add_school, add_section, add_student, add_user, email, first_school_id
from helpers import every_node, gid, gql, make_user, pk_of, row_counts, set_district, token_for
from models.db import session_scope
from models.directory import Profile, Role, School, User, UserGroup, UserGroupAssignee, UserGroupMember
from resolve import resolve

SEND = """
mutation Send($input: SendMessageInput!) {
  sendMessage(input: $input) {
    __typename
    ... on SendMessageSuccess { recipientCount }
    ... on SendMessageErrors { errors { field code } }
  }
}
"""


def send_to_staff(client, token, staff_ids, **fields):
    """staff_ids: user rows, or ids as sent (strings)."""
    variables = {"input": {"htmlBody": "<p>Hi</p>", "channels": ["EMAIL"],
                           "staffIds": [i if isinstance(i, str) else gid("User", i) for i in staff_ids], **fields}}
    return gql(client, SEND, variables, token)


def login_of(engine, user_id):
    with session_scope(engine) as session:
        return session.get(User, user_id).login


def test_rcp_20_only_targetable_active_staff_at_shared_schools(client, engine):
    """Covers RCP-20, PERM-13, PERM-46: staff need "Include Profile in Messaging Search", must be
    active, at a school the sender can access, and not hidden from search (SET-01)."""
    school = first_school_id(engine)
    targetable = add_user(engine, "TEACHER", school_ids=[school], profile="Teacher", email=email())
    no_grant = add_user(engine, "TEACHER", school_ids=[school], profile="Teacher (read only)", email=email())
    hidden = add_user(engine, "TEACHER", school_ids=[school], profile="Teacher", email=email(),
                      hidden_from_search=True)
    inactive = add_user(engine, "TEACHER", school_ids=[school], profile="Teacher", email=email(), status="INACTIVE")
    nowhere = add_user(engine, "TEACHER", school_ids=[], profile="Teacher", email=email())
    token = token_for(engine, "admin")
    ok = send_to_staff(client, token, [targetable])["data"]["sendMessage"]
    assert ok["__typename"] == "SendMessageSuccess"
    before = row_counts(engine)
    refused = send_to_staff(client, token, [no_grant, hidden, inactive, nowhere, 999_999_999, str(targetable),
                                            gid("Contact", targetable)])["data"]["sendMessage"]
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [  # a bare number, another kind's id too
        (f"input.staffIds.{i}", "NOT_FOUND") for i in range(7)]
    assert row_counts(engine) == before
    staff = every_node(client, """query($after: String) { staff(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor } edges { node { id } } } }""", "staff", token=token)
    listed = {pk_of(node["id"]) for node in staff}
    assert all(node["id"] == gid("User", pk_of(node["id"])) for node in staff)
    assert targetable in listed and not listed & {no_grant, hidden, inactive, nowhere}


def test_rcp_21_user_groups_must_be_assigned_and_target_their_members(client, engine):
    """Covers RCP-21 (and PERM-59: the members' in-app rows)."""
    school = first_school_id(engine)
    members = [add_user(engine, "TEACHER", school_ids=[school], profile="Teacher", email=email()) for _ in range(2)]
    with session_scope(engine) as session:
        mine, theirs = UserGroup(name="Grade team"), UserGroup(name="Someone else's")
        session.add_all([mine, theirs])
        session.flush()
        session.execute(insert(UserGroupMember), [{"group_id": g.id, "user_id": m} for g in (mine, theirs)
                                                  for m in members])
        admin_profile = session.execute(select(Profile.id).where(Profile.name == "District Administrator")).scalar_one()
        session.execute(insert(UserGroupAssignee), [{"group_id": mine.id, "profile_id": admin_profile}])
        mine_id, theirs_id = mine.id, theirs.id
    rows, summary = resolve(engine, "admin", None, (), user_group_ids=(mine_id,))
    assert sorted(r["recipient_id"] for r in rows if r["channel"] == "EMAIL") == sorted(members)
    # Each member's in-app inbox too, once (their profile grants Communication, PERM-59).
    assert sorted((r["recipient_id"], r["address"], r["status"]) for r in rows if r["channel"] == "INAPP") == [
        (m, f"user:{m}", "DELIVERED") for m in sorted(members)]
    assert summary.selected_staff == 2
    token = token_for(engine, "admin")
    body = gql(client, SEND, {"input": {"htmlBody": "<p>x</p>", "channels": ["EMAIL"],
                                        "userGroupIds": [gid("UserGroup", theirs_id), str(mine_id),
                                                         gid("StudentGroup", mine_id)]}}, token)
    assert body["data"]["sendMessage"]["errors"] == [  # someone else's group; a bare number, another kind's id
        {"field": f"input.userGroupIds.{i}", "code": "NOT_FOUND"} for i in range(3)]


def _family(engine):
    """A parent with one child, the child's current teacher, and an unrelated teacher."""
    school = first_school_id(engine)
    parent = add_user(engine, "PARENT", profile="Parent", email=email())
    kid = add_student(engine, school)
    add_contact(engine, kid, user_id=parent, email=email())
    teacher = add_user(engine, "TEACHER", school_ids=[school], profile="Teacher", email=email())
    stranger = add_user(engine, "TEACHER", school_ids=[school], profile="Teacher", email=email())
    add_section(engine, school, teacher_ids=[teacher], student_ids=[kid])
    return parent, teacher, stranger


def test_rcp_22_family_users_reach_their_students_teachers_only(client, engine):
    """Covers RCP-22, PERM-60: a parent with Send Messages (View) writes to their child's teacher;
    another teacher is not found; no count confirmation for family users."""
    parent, teacher, stranger = _family(engine)
    token = token_for(engine, login_of(engine, parent))
    ok = send_to_staff(client, token, [teacher])["data"]["sendMessage"]
    assert ok == {"__typename": "SendMessageSuccess", "recipientCount": 1}
    refused = send_to_staff(client, token, [stranger])["data"]["sendMessage"]
    assert refused["errors"] == [{"field": "input.staffIds.0", "code": "NOT_FOUND"}]
    staff = gql(client, "{ staff { edges { node { id } } } }", token=token)["data"]["staff"]["edges"]
    assert [edge["node"]["id"] for edge in staff] == [gid("User", teacher)]


def test_rcp_24_hidden_schedules_give_family_users_no_teachers(client, engine):
    """Covers RCP-24."""
    parent, teacher, _ = _family(engine)
    previous = set_district(engine, hide_schedules_from_family=True)
    try:
        token = token_for(engine, login_of(engine, parent))
        staff = gql(client, "{ staff { totalCount } }", token=token)["data"]["staff"]
        assert staff["totalCount"] == 0
        refused = send_to_staff(client, token, [teacher])["data"]["sendMessage"]
        assert refused["errors"] == [{"field": "input.staffIds.0", "code": "NOT_FOUND"}]
    finally:
        set_district(engine, **previous)


def test_rcp_23_hidden_schedules_leave_teachers_no_students(client, engine):
    """Covers RCP-23."""
    token = token_for(engine, "teacher.1")
    query = "{ students { totalCount } }"
    assert gql(client, query, token=token)["data"]["students"]["totalCount"] > 0
    previous = set_district(engine, hide_schedules_from_teachers=True)
    try:
        assert gql(client, query, token=token)["data"]["students"]["totalCount"] == 0
    finally:
        set_district(engine, **previous)


def test_rcp_25_sender_at_an_excluded_school_reaches_only_their_school(engine):
    """Covers RCP-25: a teacher-of recipient outside the excluded sender's school is EXCLUDED_SCHOOL."""
    from factories import add_school

    excluded = add_school(engine, excluded=True)
    other = first_school_id(engine)
    sender = add_user(engine, "ADMIN", school_ids=[excluded], profile="District Administrator")
    kid = add_student(engine, excluded)
    own_teacher = add_user(engine, "TEACHER", school_ids=[excluded], email=email())
    far_teacher = add_user(engine, "TEACHER", school_ids=[other], email=email())
    add_section(engine, excluded, teacher_ids=[own_teacher, far_teacher], student_ids=[kid])
    rows, _ = resolve(engine, login_of(engine, sender), "TEACHERS_OF", [kid])
    assert {r["recipient_id"]: r["status"] for r in rows} == {own_teacher: "QUEUED", far_teacher: "EXCLUDED_SCHOOL"}


def test_sys_06_and_sys_07_excluded_school_users_cannot_send_sms_or_calls(client, engine):
    """Covers SYS-06 (a school takes part in communication unless flagged) and SYS-07: a user of
    a school excluded from communication is not offered SMS or calls, and a send with them is
    rejected with a field error on the channel, writing nothing; email still works."""
    with session_scope(engine) as session:  # a school stored without the flag takes part
        school_id = session.execute(insert(School).values(district_id=1, name="New school")
                                    .returning(School.id)).scalar_one()
        assert session.get(School, school_id).exclude_from_communication is False
    excluded = add_school(engine, excluded=True)
    kid = add_student(engine, excluded, primary_email=email())
    everywhere = make_user(engine, Role.ADMIN, school_ids=[first_school_id(engine), excluded])
    channels = gql(client, "{ viewer { compose { channels } } }", token=everywhere)["data"]["viewer"]["compose"]
    assert channels["channels"] == ["EMAIL", "PUSH"]
    send = """mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename
        ... on SendMessageErrors { errors { field code message } } } }"""
    before = row_counts(engine)
    result = gql(client, send, {"input": {"htmlBody": "<p>Hi</p>", "channels": ["EMAIL", "SMS"],
                                          "recipientType": "STUDENTS", "studentIds": [gid("Student", kid)]}}, everywhere)
    assert result["data"]["sendMessage"]["errors"] == [{
        "field": "input.channels.1", "code": "EXCLUDED_SCHOOL",
        "message": "Users of a school excluded from communication cannot send SMS (SYS-07)."}]
    assert row_counts(engine) == before
    ok = gql(client, send, {"input": {"htmlBody": "<p>Hi</p>", "channels": ["EMAIL"],
                                      "recipientType": "STUDENTS", "studentIds": [gid("Student", kid)]}}, everywhere)
    assert ok["data"]["sendMessage"]["__typename"] == "SendMessageSuccess"
    elsewhere = make_user(engine, Role.ADMIN, school_ids=[first_school_id(engine)])
    assert "SMS" in gql(client, "{ viewer { compose { channels } } }", token=elsewhere)["data"]["viewer"]["compose"][
        "channels"]
