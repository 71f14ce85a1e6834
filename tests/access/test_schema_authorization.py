"""PERM-01, PERM-02, PERM-04 and PERM-06 as properties of the whole schema (issue 16 point 3): the
built schema is walked, so a field, argument or gated input added later is covered without a new
test. Each root field is called with a document the walker builds (dummy values for its required
arguments) by an unauthenticated caller, a user without Communication and a partner key without the
field's scope; gated input fields are set by a user without their permission; and the permission
catalogue is checked for any-profile grants (PERM-01) and role-specific lists (PERM-04).

Parts covered elsewhere and not repeated: one field per gate in tests/messages/test_send_message.py
(PERM-02 end to end with real recipients), the SDL wording (tests/shell/test_schema.py), the seeded
profiles (tests/demo/test_seed.py).
"""

from __future__ import annotations

import functools

import pytest
from hypothesis import given, settings, strategies as st
from starlette.websockets import WebSocketDisconnect

from domain.access.permissions import CATALOGUE, Addon, EffectivePermissions, Grant, Perm
from domain.access.scopes import Scope
from helpers import gql, make_user, token_for
from models.directory import PermissionLevel, Role
from schema_walk import Gate, gates, input_at, paths_to, root_fields, row_counts

#: Root fields that do not require "Communication" (PERM-06), and why. Nothing else may be added
#: here without a reason a district would accept.
WITHOUT_COMMUNICATION = {
    # Who the caller is and what they hold: a client must be able to tell a signed-in user that
    # their profiles lack Communication (rather than fail every call unexplained). It reads only
    # the caller's own account.
    "viewer": "the caller's own account and permissions",
}
FIELDS = root_fields()
NOT_SUBSCRIPTIONS = [f for f in FIELDS if f.operation != "subscription"]
SUBSCRIPTIONS = [f for f in FIELDS if f.operation == "subscription"]


def _ids(fields) -> list[str]:
    return [f"{f.operation}.{f.name}" for f in fields]


def _codes(body: dict) -> set[str]:
    return {error.get("extensions", {}).get("code") for error in body.get("errors") or ()}


def _no_data(body: dict) -> bool:
    return body.get("data") is None or all(value is None for value in body["data"].values())


@pytest.mark.parametrize("field", FIELDS, ids=_ids(FIELDS))
def test_perm_06_every_root_field_declares_communication(field):
    """Covers PERM-06 (issue 16 point 3): every Query, Mutation and Subscription field has a
    permission class, and it requires "Communication" unless listed with its reason above."""
    assert field.has_permission_class, f"{field.name} has no permission class: it checks nothing a key or user lacks"
    if field.name in WITHOUT_COMMUNICATION:
        assert Perm.COMMUNICATION not in field.perms, f"{field.name} is listed as an exception but requires it"
    else:
        assert Perm.COMMUNICATION in field.perms, f"{field.name} does not require Communication (PERM-06)"


@pytest.fixture(scope="module")
def without_communication(engine) -> str:
    """An administrator holding every admin permission except Communication."""
    return make_user(engine, Role.ADMIN, without=[Perm.COMMUNICATION])


@pytest.fixture(scope="module")
def partner_keys(client, engine):
    """key(scopes) -> a secret of a key made by the district administrator with exactly ``scopes``."""
    from partner_key_steps import create_key

    @functools.cache
    def key(scopes: frozenset) -> str:
        return create_key(client, engine, scopes=sorted(scope.name for scope in scopes) or ["DIRECTORY_READ"])["secret"]

    return key


def _key_without(partner_keys, field) -> str:
    """A key holding every scope but the field's (for a field that names none: every scope)."""
    return partner_keys(frozenset(Scope) - set(field.scopes))


def test_perm_06_no_root_field_answers_callers_it_must_refuse(client, engine, without_communication, partner_keys):
    """Covers PERM-06 and issue 16 point 3 over every query and mutation: unauthenticated →
    UNAUTHENTICATED; a user whose profiles lack Communication → FORBIDDEN (the exceptions above
    answer); a partner key without the field's scope → FORBIDDEN; no row of any table is written."""
    for field in NOT_SUBSCRIPTIONS:  # the keys first, so making them is not counted as a write
        _key_without(partner_keys, field)
    before = row_counts(engine)
    wrong = []
    for field in NOT_SUBSCRIPTIONS:
        query, variables = field.document()
        answers = {
            "unauthenticated": gql(client, query, variables),
            "no communication": gql(client, query, variables, without_communication),
            "key without scope": gql(client, query, variables, _key_without(partner_keys, field)),
        }
        wanted = {"unauthenticated": "UNAUTHENTICATED", "key without scope": "FORBIDDEN",
                  "no communication": None if field.name in WITHOUT_COMMUNICATION else "FORBIDDEN"}
        for caller, body in answers.items():
            if wanted[caller] is None:
                ok = not body.get("errors")
            else:
                ok = _codes(body) == {wanted[caller]} and _no_data(body)
            if not ok:
                wrong.append((field.name, caller, sorted(map(str, _codes(body))), body.get("data")))
    assert not wrong, "\n".join(map(str, wrong))
    assert row_counts(engine) == before


def _subscribe(client, token: str | None, field) -> dict | int:
    """The first frame a subscription gets, or the close code of a socket refused at connection_init."""
    query, variables = field.document()
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"} if token else {}})
        try:
            ack = ws.receive_json()
        except WebSocketDisconnect as closed:
            return closed.code
        assert ack["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}})
        return ws.receive_json()


def _subscription_codes(frame: dict) -> set[str]:
    errors = frame["payload"] if frame["type"] == "error" else frame["payload"].get("errors") or ()
    return {error.get("extensions", {}).get("code") for error in errors}


@pytest.mark.parametrize("field", SUBSCRIPTIONS, ids=_ids(SUBSCRIPTIONS))
def test_perm_06_every_subscription_refuses_callers_it_must(client, engine, field, without_communication,
                                                             partner_keys):
    """Covers PERM-06 and issue 16 point 3 for each subscription: a socket without a valid token
    is closed 4403 before any ack (UNAUTHENTICATED for a socket); a user without Communication and
    a key without the field's scope get FORBIDDEN at subscribe; nothing is written."""
    key = _key_without(partner_keys, field)
    before = row_counts(engine)
    assert _subscribe(client, None, field) == 4403
    assert _subscribe(client, "not-a-token", field) == 4403
    assert _subscription_codes(_subscribe(client, without_communication, field)) == {"FORBIDDEN"}
    assert _subscription_codes(_subscribe(client, key, field)) == {"FORBIDDEN"}
    assert row_counts(engine) == before


GATES = list(gates())


@pytest.fixture(scope="module")
def lacking(engine):
    """lacking(perms) -> an administrator holding every admin permission except ``perms``."""
    return functools.cache(lambda perms: make_user(engine, Role.ADMIN, without=list(perms)))


@pytest.mark.parametrize("gate", GATES, ids=[f"{g.input_type}.{g.field}={g.value}" for g in GATES])
def test_perm_02_every_gated_input_refuses_a_caller_without_its_permission(client, engine, gate: Gate, lacking):
    """Covers PERM-02 over every gated input field and value of the schema (graph.permissions
    gated, gated_by_value): wherever the input is accepted, setting it without the permission is
    FORBIDDEN naming that permission, and nothing is written."""
    token = lacking(gate.perms)
    before = row_counts(engine)
    places = list(paths_to(gate.input_type))
    assert places, f"{gate.input_type} is accepted nowhere"
    wrong, checked = [], 0
    for operation, field_name, path in places:
        field = next(f for f in FIELDS if f.name == field_name and f.operation == operation)
        if set(field.perms) & set(gate.perms):  # the field itself needs it: covered by PERM-06's walk
            continue
        checked += 1
        query, variables = field.document(input_at(operation, field_name, path, gate))
        body = gql(client, query, variables, token)
        labels = {error.get("extensions", {}).get("permission") for error in body.get("errors") or ()}
        if _codes(body) != {"FORBIDDEN"} or labels != {CATALOGUE[gate.perms[0]].label}:
            wrong.append((field_name, path, body))
    assert not wrong, "\n".join(map(str, wrong))
    assert checked, f"no field accepts {gate.input_type}.{gate.field} without needing its permission anyway"
    assert row_counts(engine) == before


ROLES = list(Role)
LEVELS = list(PermissionLevel)


@settings(max_examples=300, deadline=None)
@given(perm=st.sampled_from(list(Perm)), data=st.data())
def test_perm_01_any_one_profile_that_grants_a_permission_suffices(perm, data):
    """Covers PERM-01 as a property over the catalogue: for a role the permission exists for, a
    user whose one profile grants it at the needed level holds it, whatever their other profile
    grants; with neither profile granting it they do not."""
    spec = CATALOGUE[perm]
    role = data.draw(st.sampled_from(sorted(spec.levels, key=lambda r: r.value)))
    others = data.draw(st.lists(st.tuples(st.sampled_from([p for p in Perm if p is not perm]),
                                          st.sampled_from(LEVELS)), max_size=8))
    other_profile = [Grant(role, other.value, level) for other, level in others]
    granting = [Grant(role, perm.value, data.draw(st.sampled_from(
        [PermissionLevel.EDIT] if spec.levels[role] is PermissionLevel.EDIT else LEVELS)))]
    addons = list(Addon)
    first_second = data.draw(st.booleans())
    profiles = other_profile + granting if first_second else granting + other_profile
    assert EffectivePermissions(profiles, addons).has(perm)
    assert not EffectivePermissions(other_profile, addons).has(perm)


def test_perm_01_two_profiles_of_one_user_through_the_api(client, engine, db):
    """Covers PERM-01 end to end for every admin permission: a user with a profile granting
    nothing but Communication and a second granting one permission holds that permission."""
    from sqlalchemy import insert, select

    from models.directory import Profile, ProfileGrant, User, UserProfile

    token = make_user(engine, Role.ADMIN, perms=[Perm.COMMUNICATION])
    login = gql(client, "{ viewer { login } }", token=token)["data"]["viewer"]["login"]
    user_id = db.execute(select(User.id).where(User.login == login)).scalar_one()
    admin_perms = [perm for perm, spec in CATALOGUE.items() if Role.ADMIN in spec.levels]
    for perm in admin_perms:
        profile = Profile(name=f"only {perm.value} {login}", role=Role.ADMIN)
        db.add(profile)
        db.flush()
        db.execute(insert(ProfileGrant), [{"profile_id": profile.id, "permission": perm.value,
                                           "level": PermissionLevel.EDIT.value}])
        db.execute(insert(UserProfile), [{"user_id": user_id, "profile_id": profile.id}])
    db.commit()
    viewer = gql(client, "{ viewer { addons permissions { key } } }", token=token)["data"]["viewer"]
    assert {p["key"] for p in viewer["permissions"]} == _catalogued(Role.ADMIN, viewer["addons"])


def _catalogued(role: Role, addons: list[str]) -> set[str]:
    """The permissions the catalogue lists for ``role`` whose add-on (if any) the district enabled (PERM-03)."""
    return {perm.value for perm, spec in CATALOGUE.items()
            if role in spec.levels and (spec.addon is None or spec.addon.value in addons)}


@pytest.mark.parametrize("role", [Role.TEACHER, Role.PARENT, Role.STUDENT])
def test_perm_04_a_role_never_holds_a_permission_documented_for_others(client, engine, role):
    """Covers PERM-04 over the whole catalogue: a profile of ``role`` granting every permission
    (Edit) gives its user exactly those the catalogue lists for the role, never an admin-only one,
    as the viewer reports and as authorization applies (partnerKeys needs District Settings)."""
    token = make_user(engine, role, perms=list(Perm))
    viewer = gql(client, "{ viewer { addons permissions { key } } }", token=token)["data"]["viewer"]
    assert {p["key"] for p in viewer["permissions"]} == _catalogued(role, viewer["addons"])
    assert _codes(gql(client, "{ partnerKeys { id } }", token=token)) == {"FORBIDDEN"}


def test_perm_04_the_seeded_administrator_holds_what_the_walk_needs(client, engine):
    """The walks above rely on the district administrator holding every admin permission."""
    viewer = gql(client, "{ viewer { addons permissions { key } } }", token=token_for(engine, "admin"))["data"]["viewer"]
    assert {p["key"] for p in viewer["permissions"]} == _catalogued(Role.ADMIN, viewer["addons"])
