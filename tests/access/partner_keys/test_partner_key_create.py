"""createPartnerKey and partnerKeys (issue 16 point 3): the secret is shown once and stored as a
prefix and an HMAC; district administrators only; every bad input answers in the payload and
writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from domain.access.permissions import Perm
from helpers import gid, gql, make_user, token_for
from models.db import session_scope
from models.directory import Role
from models.partner_keys import PartnerKeySecret
from partner_key_steps import CREATE, LIST, create_key, key_rows, school_of


def test_issue_16_point_3_the_secret_is_shown_once_and_stored_as_prefix_and_hmac(client, engine):
    """Issue 16 point 3: the payload carries the secret (hrk_<prefix>_<secret>) once; the database
    holds the prefix and an HMAC-SHA256 of it, never the secret; the list shows the prefix, scopes,
    schools and creator, and no secret."""
    school = school_of(engine, "principal.1")
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).replace(microsecond=0)
    created = create_key(client, engine, name="  Dashboard  ", scopes=["MESSAGES_READ", "DIRECTORY_READ"],
                         school_ids=[school], expiresAt=expires.isoformat())
    secret, key = created["secret"], created["key"]
    assert secret.startswith(f"hrk_{key['prefix']}_") and len(secret) == 4 + 12 + 1 + 43
    assert key["name"] == "Dashboard" and key["createdBy"]["login"] == "admin"
    assert sorted(key["scopes"]) == ["DIRECTORY_READ", "MESSAGES_READ"]
    assert key["schools"] == [{"id": gid("School", school)}]
    assert dt.datetime.fromisoformat(key["expiresAt"]) == expires
    assert key["revokedAt"] is None and key["lastUsedAt"] is None
    with session_scope(engine) as session:
        stored = session.execute(select(PartnerKeySecret).where(PartnerKeySecret.prefix == key["prefix"])).scalar_one()
    raw = secret[len(f"hrk_{key['prefix']}_"):]
    assert len(stored.digest) == 64 and raw not in stored.digest
    listed = gql(client, LIST, token=token_for(engine, "admin"))
    assert key in listed["data"]["partnerKeys"] and raw not in str(listed)


def test_issue_16_point_3_a_key_without_schools_reaches_every_school_of_its_creator(client, engine):
    created = create_key(client, engine, name="Every school")
    assert created["key"]["schools"] is None


def test_issue_16_point_3_only_district_administrators_manage_keys(client, engine):
    """Issue 16 point 3: a principal (no "Communication District Settings") is FORBIDDEN from
    creating or listing keys, and nothing is written."""
    before = key_rows(engine)
    principal = token_for(engine, "principal.1")
    body = gql(client, CREATE, {"input": {"name": "mine", "scopes": ["DIRECTORY_READ"]}}, principal)
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert gql(client, LIST, token=principal)["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    teacher = make_user(engine, Role.TEACHER, perms=[Perm.COMMUNICATION, Perm.DISTRICT_SETTINGS])  # PERM-04
    assert gql(client, LIST, token=teacher)["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert key_rows(engine) == before


def _past() -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).isoformat()


@pytest.mark.parametrize(("case", "fields", "path", "code"), [
    ("blank name", {"name": "   "}, ["input", "name"], "REQUIRED"),
    ("long name", {"name": "x" * 121}, ["input", "name"], "TOO_LONG"),
    ("two lines", {"name": "SIS\nsync"}, ["input", "name"], "INVALID_CHARACTERS"),
    ("no scopes", {"scopes": []}, ["input", "scopes"], "REQUIRED"),
    ("empty schools", {"schoolIds": []}, ["input", "schoolIds"], "REQUIRED"),
    ("missing school", {"schoolIds": [gid("School", 987654321)]}, ["input", "schoolIds", "0"], "NOT_FOUND"),
    ("not an id", {"schoolIds": ["abc"]}, ["input", "schoolIds", "0"], "NOT_FOUND"),
    ("a row number", {"schoolIds": ["1"]}, ["input", "schoolIds", "0"], "NOT_FOUND"),
    ("another kind's id", {"schoolIds": [gid("Student", 1)]}, ["input", "schoolIds", "0"], "NOT_FOUND"),
    ("expired", {"expiresAt": None}, ["input", "expiresAt"], "EXPIRY_IN_THE_PAST"),
])
def test_issue_16_point_3_bad_input_answers_in_the_payload_and_writes_nothing(client, engine, case, fields, path,
                                                                               code):
    """Issue 16 point 3: each refusal is a field error with its code; nothing is written."""
    if case == "expired":
        fields = {"expiresAt": _past()}
    before = key_rows(engine)
    body = gql(client, CREATE, {"input": {"name": "SIS", "scopes": ["DIRECTORY_READ"], **fields}},
               token_for(engine, "admin"))
    result = body["data"]["createPartnerKey"]
    assert result["__typename"] == "CreatePartnerKeyErrors", body
    assert [(e["path"], e["code"]) for e in result["errors"]] == [(path, code)]
    assert key_rows(engine) == before


def test_issue_16_point_3_a_school_the_creator_cannot_reach_answers_like_a_missing_one(client, engine):
    """A foreign id answers exactly like a missing one: an administrator of school 1 only, given
    district settings, cannot limit a key to school 3; the error is the one a missing id gets, and
    the one school 3's row number as an id of another kind gets."""
    school1, school3 = school_of(engine, "principal.1"), school_of(engine, "principal.3")
    creator = make_user(engine, Role.ADMIN, school_ids=[school1])
    answers = []
    for school in (gid("School", school3), gid("School", 987654321), gid("Student", school3)):
        body = gql(client, CREATE, {"input": {"name": "SIS", "scopes": ["DIRECTORY_READ"], "schoolIds": [school]}},
                   creator)
        answers.append(body["data"]["createPartnerKey"])
    assert answers[0] == answers[1] == answers[2] and answers[0]["__typename"] == "CreatePartnerKeyErrors"
    duplicate = gql(client, CREATE, {"input": {"name": "SIS", "scopes": ["DIRECTORY_READ"],
                                               "schoolIds": [gid("School", school1), gid("School", school1)]}}, creator)
    assert [(e["path"], e["code"]) for e in duplicate["data"]["createPartnerKey"]["errors"]] == [
        (["input", "schoolIds", "1"], "DUPLICATE")]


def test_issue_16_point_3_the_key_list_costs_the_same_statements_for_more_keys(client, engine):
    """No N+1: partnerKeys reads keys, creators, schools and prefixes in a fixed number of
    statements, however many keys there are."""
    from helpers import count_statements

    admin = token_for(engine, "admin")
    school = school_of(engine, "principal.1")
    create_key(client, engine, school_ids=[school])
    counts = []
    for _ in range(2):
        with count_statements(engine) as statements:
            listed = gql(client, LIST, token=admin)["data"]["partnerKeys"]
        counts.append((len(listed), len(statements)))
        for _ in range(3):
            create_key(client, engine, school_ids=[school])
    (few, few_statements), (more, more_statements) = counts
    assert more == few + 3 and more_statements == few_statements
