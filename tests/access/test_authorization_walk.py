"""Issue 17, "Proof: authorization walk" (PERM-01, PERM-06): every Query, Mutation and Subscription
field of the built schema, called by every role (district administrator, school administrator,
teacher, parent, student, a partner key per scope, anonymous: tests/access/walk_callers.py), is
allowed or denied exactly as its declaration says, read against the permission catalogue.

The walk is generated from the schema (tests/access/schema_walk.py), so a field added later is
covered without a new test, and a field without a declaration already fails
test_schema_authorization.test_perm_06_every_root_field_declares_communication.

"Denied" is a top-level UNAUTHENTICATED (anonymous) or FORBIDDEN error (everyone else) and no data;
"allowed" is no FORBIDDEN or UNAUTHENTICATED error at all: input errors (NOT_FOUND, BAD_USER_INPUT,
typed payload errors) are fine, since the walk's arguments are dummies. Every ID the walk passes is
the global id of MISSING_ID, a row no table holds, of the kind its argument takes (schema_walk.ID_KINDS:
a well-formed id that names nothing, not a malformed one), so an allowed mutation finds nothing to change; the
few fields without an ID that change district-wide state are restored after the walk
(``district_restored``). A denied call writes nothing: every table's rows are counted around them.
"""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import delete, select

import foreign_world
from domain.support.global_ids import Kind
from factories import first_school_id
from helpers import gid, gql
from models.db import session_scope
from models.directory import District
from models.reenrolment import ReenrolmentForm
from schema_walk import ID_KINDS, id_kind, id_paths, root_fields, row_counts
from walk_callers import ANONYMOUS, Caller, make_callers
from walk_sockets import Subscribe, errors_of, first_answers

#: A row no table holds (tests/access/foreign_world.py).
MISSING_ID = foreign_world.MISSING_ID
FIELDS = root_fields()
#: Arguments a field's minimal document needs to reach the rule its declaration states: without a
#: school, setPushByDefault sets the district's default, which also needs "Communication District
#: Settings" (tests/directory/test_set_push_by_default.py); with one, any school administrator may call.
OVERRIDES = {"setPushByDefault": {"schoolId": gid(Kind.SCHOOL, MISSING_ID)}}


@pytest.fixture(scope="module")
def callers(client, engine) -> list[Caller]:
    return make_callers(client, engine, first_school_id(engine))


@pytest.fixture(scope="module")
def district_restored(engine):
    """District-wide settings as they were: an allowed walker sets flagged words, the SMS help
    text and default preferences (the district row) and the re-enrolment forms."""
    with session_scope(engine) as session:
        district = session.execute(select(District)).scalars().one()
        saved = {column.name: getattr(district, column.name) for column in District.__table__.columns}
        forms = [form.model_dump() for form in session.execute(select(ReenrolmentForm)).scalars()]
    yield
    with session_scope(engine) as session:
        district = session.execute(select(District)).scalars().one()
        for name, value in saved.items():
            setattr(district, name, value)
        session.execute(delete(ReenrolmentForm))
        session.add_all(ReenrolmentForm(**form) for form in forms)


@dataclasses.dataclass
class Verdict:
    field: str
    caller: str
    wanted: str
    codes: list
    data: object

    def __str__(self) -> str:
        return f"{self.field} as {self.caller}: wanted {self.wanted}, got codes {self.codes} data {self.data}"


def codes_of(errors) -> list[str]:
    return sorted(str((error.get("extensions") or {}).get("code")) for error in errors or ())


def refusal_code(caller: Caller) -> str:
    return "UNAUTHENTICATED" if caller.name == ANONYMOUS else "FORBIDDEN"


def judge(field, caller: Caller, errors, data) -> Verdict | None:
    """None when the answer is the one the field's declaration gives ``caller``."""
    codes = codes_of(errors)
    name = f"{field.operation}.{field.name}"
    if caller.may_call(field):
        refused = {"FORBIDDEN", "UNAUTHENTICATED"} & set(codes)
        return Verdict(name, caller.name, "allowed", codes, data) if refused else None
    empty = data is None or all(value is None for value in (data or {}).values())
    wanted = refusal_code(caller)
    return None if codes == [wanted] and empty else Verdict(name, caller.name, f"denied {wanted}", codes, data)


def test_every_id_place_of_the_schema_has_a_kind():
    """Issue 17 point 1: the walk sends each ID argument (and ID field of an input) a global id of
    the kind that place takes; every place of the schema has its kind in schema_walk.ID_KINDS, and
    no entry of the table is left over from a place the schema no longer has."""
    missing, used = [], set()
    for field in FIELDS:
        for path in id_paths(field.operation, field.name):
            try:
                id_kind(field.name, path)
            except KeyError as error:
                missing.append(str(error))
            used |= {(field.name, path[-1]), path[-1]}
    assert not missing, "\n".join(missing)
    assert set(ID_KINDS) <= used, f"entries of ID_KINDS for no ID place: {set(ID_KINDS) - used}"


def test_issue_17_every_query_and_mutation_answers_each_role_as_declared(client, engine, callers,
                                                                          district_restored):
    """Issue 17 "Proof: authorization walk", PERM-01 and PERM-06: every query and mutation × every
    role; the denied calls run first and every table's rows are unchanged by them."""
    calls = [(field, caller) for field in FIELDS if field.operation != "subscription" for caller in callers]
    denied = [(field, caller) for field, caller in calls if not caller.may_call(field)]
    allowed = [(field, caller) for field, caller in calls if caller.may_call(field)]
    assert denied and allowed
    wrong = []
    before = row_counts(engine)
    for field, caller in denied:
        body = gql(client, *field.document(OVERRIDES.get(field.name), row=MISSING_ID), token=caller.token)
        wrong.append(judge(field, caller, body.get("errors"), body.get("data")))
    assert row_counts(engine) == before, "a denied call wrote"
    for field, caller in allowed:
        body = gql(client, *field.document(OVERRIDES.get(field.name), row=MISSING_ID), token=caller.token)
        wrong.append(judge(field, caller, body.get("errors"), body.get("data")))
    wrong = [str(verdict) for verdict in wrong if verdict]
    assert not wrong, f"{len(wrong)} of {len(calls)} answers differ from the declarations:\n" + "\n".join(wrong)


def test_issue_17_every_subscription_answers_each_role_as_declared(client, engine, callers):
    """Issue 17 "Proof: authorization walk", PERM-06 for subscriptions: every subscription × every
    role over graphql-transport-ws. Anonymous is closed 4403 at connection_init; a denied caller
    gets an error frame with FORBIDDEN; an allowed caller gets no FORBIDDEN or UNAUTHENTICATED
    (a NOT_FOUND for the walk's missing ids, a first event, or silence: tests/access/walk_sockets.py).
    The denied phase writes nothing (an allowed partner key's read is audited, issue 16 point 8)."""
    pairs = [(field, caller) for field in FIELDS if field.operation == "subscription" for caller in callers]
    before = row_counts(engine)
    wrong = _subscribe_all(client, [(f, c) for f, c in pairs if not c.may_call(f)])
    assert row_counts(engine) == before, "a denied subscription wrote"
    wrong += _subscribe_all(client, [(f, c) for f, c in pairs if c.may_call(f)])
    assert not wrong, "\n".join(wrong)


def _subscribe_all(client, pairs) -> list[str]:
    """Subscribe every (field, caller) at once; what differs from the declarations."""
    answers = first_answers(client, [Subscribe(caller.token, *field.document(row=MISSING_ID))
                                     for field, caller in pairs])
    wrong = []
    for (field, caller), answer in zip(pairs, answers, strict=True):
        if caller.token is None:
            if answer != 4403:
                wrong.append(f"subscription.{field.name} as {caller.name}: {answer} instead of a 4403 close")
            continue
        wrong.append(judge(field, caller, errors_of(answer), None))
    return [str(verdict) for verdict in wrong if verdict]
