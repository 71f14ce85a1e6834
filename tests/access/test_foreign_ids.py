"""Issue 17, "Proof: authorization walk" (PERM-06; "a foreign id answers exactly like a missing
one"): for every root field with an ID argument or an ID field of an input, and every role allowed
to call the field, the answer to FOREIGN_ID (a row of every kind, belonging to another school and
another user: tests/access/foreign_world.py) equals the answer to MISSING_ID (no row anywhere)
byte for byte; subscriptions compare their first frame.

Each ID place is probed alone (FOREIGN_ID there, MISSING_ID wherever else an ID is required) and
all together, in two rounds: the world's message as its teacher's private draft, then as sent.
Every id is a global id (domain.support.global_ids) of the kind its place names
(schema_walk.id_kind): the row FOREIGN_ID or MISSING_ID of that kind. What is dropped before
comparing (``comparable``): the two ids themselves become one placeholder (an answer may echo the
id it was given; the echo says nothing about the row); timestamps, the message's random
``familySeed`` and the ids of other rows (numbered by first appearance) are masked, since they differ between any two calls that each create a row; ``extensions.requestId``
would be dropped (a masked error's request id differs per request). Nothing else is dropped.

What "foreign" means, per caller (``compared``): the deployment holds one district, so the world
is another school, none of the walking callers' (they are made at the first school, keys limited
to it). A field whose declaration requires a district-wide permission (one the district gives its
District Administrator profile and not its School Administrator profile: District Settings,
Caller ID Phone Numbers, Assign Messages, ...) manages rows of the whole district: no row of the
district is foreign to its callers, so such a (field, caller) pair is not compared. In the
sent round a caller holding District Settings (not a school-limited key) reads every sent message
of the district (domain.access.message_scope), so they are left out of that round; in the draft
round the message is invisible to everyone but its owner, district administrators included.

A control keeps the comparison honest: the world's own teacher gets a different answer for
FOREIGN_ID than for MISSING_ID on the queries that name their draft and thread, so ids are parsed
and the rows are reachable by their owner; and the same row number as an id of any other kind
answers like MISSING_ID (an id of another kind names nothing).
"""

from __future__ import annotations

import dataclasses
import json
import re
import time

import pytest
from sqlalchemy import insert

from domain.access.permissions import Perm
from domain.directory.standard_profiles import PROFILES
from domain.support.global_ids import Kind, decoded, global_id
from factories import first_school_id
from foreign_world import FOREIGN_ID, MISSING_ID, insert_world, remove_world, set_message_status
from models.db import session_scope
from models.directory import PermissionLevel, ProfileGrant
from schema_walk import RootField, id_kind, id_paths, ids_of, root_fields, value_at
from walk_callers import Caller, make_callers
from walk_sockets import Subscribe, first_answers

WITH_IDS = [field for field in root_fields() if id_paths(field.operation, field.name)]
FIELDS = [field for field in WITH_IDS if field.operation != "subscription"]
SUBSCRIPTIONS = [field for field in WITH_IDS if field.operation == "subscription"]
_GRANTS = {name: set(grants) for name, _role, grants in PROFILES}
#: Permissions a district gives its District Administrator profile and not its School Administrator one.
DISTRICT_WIDE = frozenset(_GRANTS["District Administrator"] - _GRANTS["School Administrator"])
#: The world's message, as another user's private draft and as another school's sent message.
MESSAGE_STATES = {"draft": "DRAFT", "sent": "COMPLETED"}


#: Fields on the schools a caller administers (domain.access.scope.administered_schools), which for
#: a holder of District Settings are every school of the district: nothing is foreign to them there.
ADMINISTERED_SCHOOLS = {"setPushByDefault"}
#: Fields on one template: "Templates Created by Others" shows every template of the district
#: (PERM-30), so another user's template is not foreign to its holders.
TEMPLATE_FIELDS = {"template", "updateTemplate", "deleteTemplate", "useTemplate"}
#: Kinds of row the district keeps for everyone (one district, no owner, no school): a letterhead,
#: a profile and a school year are foreign to no one, so an ID place naming one is not probed.
SHARED_KINDS = {Kind.LETTERHEAD, Kind.PROFILE, Kind.SCHOOL_YEAR}


def district_wide(field: RootField, caller: Caller) -> bool:
    return bool(DISTRICT_WIDE & set(field.perms)) or (
        field.name in ADMINISTERED_SCHOOLS and caller.permissions.has(Perm.DISTRICT_SETTINGS)) or (
        field.name in TEMPLATE_FIELDS and caller.permissions.has(Perm.TEMPLATES_CREATED_BY_OTHERS))


def compared(field: RootField, caller: Caller, state: str) -> bool:
    """Whether the world is foreign to ``caller`` on ``field`` (the rules of the module's docstring)."""
    if not caller.may_call(field) or district_wide(field, caller):
        return False
    reads_every_sent_message = caller.permissions.has(Perm.DISTRICT_SETTINGS) and not caller.is_key
    return not (state == "sent" and reads_every_sent_message)


@pytest.fixture(scope="module")
def callers(client, engine) -> list[Caller]:
    return [caller for caller in make_callers(client, engine, first_school_id(engine)) if caller.token]


@pytest.fixture(scope="module")
def world(engine):
    """The foreign world, and a token for its teacher (the user FOREIGN_ID, with the grants of the
    standard Teacher profile on the world's own profile)."""
    insert_world(engine)
    with session_scope(engine) as session:
        teacher = next(grants for name, _role, grants in PROFILES if name == "Teacher")
        session.execute(insert(ProfileGrant), [
            {"profile_id": FOREIGN_ID, "permission": perm.value, "level": PermissionLevel.EDIT.value}
            for perm in teacher])
    from homeroom.auth import mint_token
    from homeroom.settings import get_settings

    yield mint_token(get_settings(), user_id=FOREIGN_ID, login="foreign-app_user-login")
    remove_world(engine)


@dataclasses.dataclass(frozen=True)
class Probe:
    field: RootField
    places: tuple[tuple[str, ...], ...]  # one ID place (argument, input fields), or all of them

    def document(self, pk: int, kind: Kind | None = None) -> tuple[str, dict]:
        """Row ``pk`` at the probed places (of the kind each place names, or an id of ``kind``),
        MISSING_ID wherever else an ID is required."""
        probed = ids_of(self.field.name, pk) if kind is None else global_id(kind, pk)
        missing = ids_of(self.field.name, MISSING_ID)
        arguments = value_at(self.field.operation, self.field.name, list(self.places), probed, missing)
        return self.field.document(arguments, id_value=missing, rich=True)

    def __str__(self) -> str:
        return " + ".join(".".join(place) for place in self.places)


def probes(field: RootField) -> list[Probe]:
    places = [place for place in id_paths(field.operation, field.name)
              if id_kind(field.name, place) not in SHARED_KINDS]
    return [Probe(field, (place,)) for place in places] + ([Probe(field, tuple(places))] if len(places) > 1 else [])


_ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)?")
#: The probe's ids: FOREIGN_ID and MISSING_ID as global ids of every kind.
_PROBE_IDS = re.compile("(?<![A-Za-z0-9_-])({})(?![A-Za-z0-9_-])".format(
    "|".join(sorted((global_id(kind, pk) for kind in Kind for pk in (FOREIGN_ID, MISSING_ID)), key=len, reverse=True))))


def comparable(content: bytes) -> str:
    """The body as compared: the probe's ids (FOREIGN_ID, MISSING_ID as global ids) replaced by
    ``<id>`` wherever they appear (an answer may echo the ids it was given); ``extensions.requestId``
    dropped; and what differs between two calls that both create a row: timestamps become
    ``<time>``, ``familySeed`` (random per message) ``<seed>``, and every other global id (``id``,
    ``…Id``, ``…Ids``) is numbered by first appearance, so the same rows answer the same and a
    new row answers like a new row. Everything else (structure, codes, messages, paths) stays."""
    numbered: dict[str, str] = {}

    def normal(value, key: str = ""):
        if isinstance(value, dict):
            return {k: normal(v, k) for k, v in value.items() if not (key == "extensions" and k == "requestId")}
        if isinstance(value, list):
            return [normal(item, key) for item in value]
        if key == "familySeed" and value is not None:
            return "<seed>"
        if not isinstance(value, str):
            return value
        value = _PROBE_IDS.sub("<id>", value)
        if _ISO_TIME.fullmatch(value):
            return "<time>"
        if (key == "id" or key.endswith(("Id", "Ids"))) and decoded(value) is not None:
            return numbered.setdefault(value, f"<row {len(numbered) + 1}>")
        return value

    return json.dumps(normal(json.loads(content)))


def answer(client, probe: Probe, pk: int, token: str, kind: Kind | None = None) -> str:
    query, variables = probe.document(pk, kind)
    response = client.post("/graphql", json={"query": query, "variables": variables},
                           headers={"Authorization": f"Bearer {token}"})
    return f"{response.status_code} {comparable(response.content)}"


@pytest.mark.parametrize("state", MESSAGE_STATES)
def test_issue_17_a_foreign_id_answers_byte_for_byte_like_a_missing_one(client, engine, callers, world, state):
    """Issue 17 "Proof: authorization walk" and PERM-06: every (field, allowed caller, ID place) of
    the schema, FOREIGN_ID against MISSING_ID, with the world's message a draft and then sent; a
    mismatch is reported as field, caller, place and the two bodies."""
    set_message_status(engine, MESSAGE_STATES[state])
    started, count, mismatches = time.monotonic(), 0, []
    for field in FIELDS:
        for caller in callers:
            if not compared(field, caller, state):
                continue
            for probe in probes(field):
                foreign, missing = answer(client, probe, FOREIGN_ID, caller.token), answer(client, probe, MISSING_ID,
                                                                                           caller.token)
                count += 1
                if foreign != missing:
                    mismatches.append(f"{field.operation}.{field.name} as {caller.name}, {probe}:\n"
                                      f"  foreign: {foreign}\n  missing: {missing}")
    print(f"compared {count} answers in {time.monotonic() - started:.1f}s")
    assert count > 100
    assert not mismatches, f"{len(mismatches)} of {count}:\n" + "\n".join(mismatches)


@pytest.mark.parametrize("state", MESSAGE_STATES)
def test_issue_17_a_subscription_answers_a_foreign_id_like_a_missing_one(client, engine, callers, world, state):
    """Issue 17 "Proof: authorization walk" and PERM-06 for subscriptions with ID arguments: the
    first frame (or the silence of a subscription waiting for events) for FOREIGN_ID equals the
    one for MISSING_ID, for every allowed caller and ID place, the world's message a draft and sent."""
    set_message_status(engine, MESSAGE_STATES[state])
    cases = [(probe, caller) for field in SUBSCRIPTIONS for caller in callers if compared(field, caller, state)
             for probe in probes(field)]
    assert cases
    requests = [Subscribe(caller.token, *probe.document(id_value)) for probe, caller in cases
                for id_value in (FOREIGN_ID, MISSING_ID)]
    answers = iter(first_answers(client, requests))
    mismatches = []
    for probe, caller in cases:
        foreign, missing = (comparable(json.dumps(next(answers)).encode()) for _ in range(2))
        if foreign != missing:
            mismatches.append(f"subscription.{probe.field.name} as {caller.name}, {probe}:\n"
                              f"  foreign: {foreign}\n  missing: {missing}")
    assert not mismatches, "\n".join(mismatches)


def test_issue_17_the_foreign_rows_are_reachable_by_their_owner(client, engine, world):
    """The control: the world's teacher, reading their own rows by FOREIGN_ID, gets answers that
    differ from MISSING_ID's on the queries that name their draft and their thread (so the
    comparison above compares parsed ids of existing rows, not two malformed-id errors). The same
    row number as an id of any other kind (a Student id given as the draft's id) answers exactly
    like MISSING_ID: the kind is part of the id."""
    set_message_status(engine, MESSAGE_STATES["draft"])
    owner = Caller("the world's teacher", world, None, None)
    differing, other_kinds = set(), []
    for field in FIELDS:
        if field.operation != "query" or not ({Perm.COMMUNICATION} >= set(field.perms)):
            continue
        for probe in probes(field):
            missing = answer(client, probe, MISSING_ID, owner.token)
            if answer(client, probe, FOREIGN_ID, owner.token) == missing:
                continue
            differing.add(field.name)
            kinds = {id_kind(field.name, place) for place in probe.places}
            other_kinds += [f"{field.name}({probe}) as a {kind.value} id: {found}" for kind in Kind if kind not in kinds
                            if (found := answer(client, probe, FOREIGN_ID, owner.token, kind)) != missing]
    assert {"draft", "thread"} <= differing, differing
    assert not other_kinds, "\n".join(other_kinds)

