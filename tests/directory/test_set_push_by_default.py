"""setPushByDefault (SYS-05): the district's default needs a value, REQUIRED as a field error
(issue 14 point 5); a school id that names no school, malformed or missing, is NOT_FOUND."""

from __future__ import annotations

from sqlalchemy import select

from factories import first_school_id
from helpers import gid, gql, token_for
from models.db import session_scope
from models.directory import District

PUSH_DEFAULT = """mutation($v: Boolean, $s: ID) { setPushByDefault(value: $v, schoolId: $s) { __typename
  ... on PushByDefault { value } ... on SetPushByDefaultErrors { errors { path field code message } } } }"""


def district_push(engine) -> bool:
    with session_scope(engine) as session:
        return session.execute(select(District.push_by_default)).scalar_one()


def test_sys_05_the_districts_default_needs_a_value(client, engine):
    """Covers SYS-05: value null without a school is REQUIRED on value; the default is unchanged."""
    before = district_push(engine)
    body = gql(client, PUSH_DEFAULT, {"v": None, "s": None}, token_for(engine, "admin"))
    assert "errors" not in body, body
    [error] = body["data"]["setPushByDefault"]["errors"]
    assert (error["path"], error["code"]) == (["value"], "REQUIRED"), body
    assert district_push(engine) == before


def test_sys_05_a_malformed_school_id_answers_like_a_missing_one(client, engine):
    """Covers SYS-05 (issue 14 point 5, one id parser): "abc", an id past the integer range, an
    id of no school, a school's bare number and another kind's id all answer the same NOT_FOUND on
    schoolId."""
    admin = token_for(engine, "admin")
    school = first_school_id(engine)
    answers = [gql(client, PUSH_DEFAULT, {"v": True, "s": bad}, admin)
               for bad in ("abc", str(2**64), gid("School", 987654), str(school), gid("Student", school))]
    assert all("errors" not in answer for answer in answers), answers
    assert all(answer == answers[0] for answer in answers), answers
    [error] = answers[0]["data"]["setPushByDefault"]["errors"]
    assert (error["field"], error["code"]) == ("schoolId", "NOT_FOUND")
