"""Registering webhook endpoints through the API (issue 16 point 5): district administrators only,
the secret shown once, bad input answered field by field with nothing written, and in production
no http, loopback, private, link-local or unspecified URL."""

from __future__ import annotations

import base64
import ipaddress

import pytest
from sqlalchemy import func, select

from domain.access.permissions import Perm
from domain.webhooks.config import UrlPolicy
from domain.webhooks.urls import UrlRefused, Vetted, vet
from factories import add_school, first_school_id
from helpers import gid, gql, make_user
from models.db import session_scope
from models.directory import Role
from models.webhooks import WebhookEndpoint, WebhookEndpointSchool
from webhook_support import CREATE

LIST = """{ webhookEndpoints { id url status eventTypes schoolIds disabledAt disabledReason consecutiveFailures
  recentAttempts { id } } }"""
UPDATE = """mutation($id: ID!, $input: WebhookEndpointInput!) { updateWebhookEndpoint(id: $id, input: $input) {
  __typename ... on WebhookEndpointSaved { endpoint { id url eventTypes schoolIds } }
  ... on UpdateWebhookEndpointErrors { errors { field code } } } }"""
DELETE = """mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { __typename
  ... on DeleteWebhookEndpointErrors { errors { field code } } } }"""
ROTATE = """mutation($id: ID!) { rotateWebhookSecret(id: $id) { __typename
  ... on WebhookEndpointWithSecret { secret } ... on RotateWebhookSecretErrors { errors { field code } } } }"""
ENABLE = """mutation($id: ID!) { enableWebhookEndpoint(id: $id) { __typename
  ... on WebhookEndpointSaved { endpoint { status } } ... on EnableWebhookEndpointErrors { errors { field code } } } }"""

PRODUCTION = UrlPolicy(require_https=True, allow_private=False)


def endpoint_rows(engine) -> tuple[int, int]:
    with session_scope(engine) as session:
        return (session.execute(select(func.count()).select_from(WebhookEndpoint)).scalar_one(),
                session.execute(select(func.count()).select_from(WebhookEndpointSchool)).scalar_one())


def test_issue_16_point_5_an_administrator_registers_an_endpoint_and_sees_its_secret_once(
        client, engine, admin_token, receiver, make_endpoint):
    """The secret is whsec_ + base64 of at least 24 random bytes; listing shows the endpoint without it."""
    school = add_school(engine)
    made = make_endpoint(receiver, ("MESSAGE_COMPLETED", "DELIVERY_UPDATED"), [gid("School", school)])
    assert made["secret"].startswith("whsec_")
    assert len(base64.b64decode(made["secret"].removeprefix("whsec_"))) >= 24
    assert made["endpoint"] == {"id": gid("WebhookEndpoint", made["id"]), "url": receiver.url, "status": "ENABLED",
                                "eventTypes": ["MESSAGE_COMPLETED", "DELIVERY_UPDATED"],
                                "schoolIds": [gid("School", school)]}
    listed = gql(client, LIST, token=admin_token)
    assert "secret" not in str(listed)
    [mine] = [e for e in listed["data"]["webhookEndpoints"] if e["id"] == gid("WebhookEndpoint", made["id"])]
    assert (mine["status"], mine["disabledAt"], mine["consecutiveFailures"], mine["recentAttempts"]) == (
        "ENABLED", None, 0, [])

    changed = gql(client, UPDATE, {"id": made["gid"], "input": {
        "url": receiver.url + "?v=2", "eventTypes": ["DELIVERY_UPDATED"], "schoolIds": None}}, admin_token)
    assert changed["data"]["updateWebhookEndpoint"]["endpoint"] == {
        "id": made["gid"], "url": receiver.url + "?v=2", "eventTypes": ["DELIVERY_UPDATED"], "schoolIds": None}

    rotated = gql(client, ROTATE, {"id": made["gid"]}, admin_token)["data"]["rotateWebhookSecret"]
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != made["secret"]
    assert gql(client, ENABLE, {"id": made["gid"]}, admin_token)["data"]["enableWebhookEndpoint"] == {
        "__typename": "WebhookEndpointSaved", "endpoint": {"status": "ENABLED"}}
    assert gql(client, DELETE, {"id": made["gid"]}, admin_token)["data"]["deleteWebhookEndpoint"] == {
        "__typename": "WebhookEndpointDeleted"}
    assert gql(client, DELETE, {"id": made["gid"]}, admin_token)["data"]["deleteWebhookEndpoint"] == {
        "__typename": "DeleteWebhookEndpointErrors", "errors": [{"field": "id", "code": "NOT_FOUND"}]}


def test_issue_16_point_5_only_district_administrators_manage_endpoints(client, engine, receiver):
    """A teacher (no Communication District Settings) is FORBIDDEN at every webhook field; nothing is written."""
    teacher = make_user(engine, Role.TEACHER, without=[Perm.DISTRICT_SETTINGS])
    before = endpoint_rows(engine)
    body = gql(client, CREATE, {"input": {"url": receiver.url, "eventTypes": ["MESSAGE_COMPLETED"]}}, teacher)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert gql(client, LIST, token=teacher)["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert endpoint_rows(engine) == before


@pytest.mark.parametrize(("variables", "expected"), [
    ({"url": "", "eventTypes": ["MESSAGE_COMPLETED"]}, [("input.url", "REQUIRED")]),
    ({"url": "ftp://hooks.example.org/x", "eventTypes": ["MESSAGE_COMPLETED"]}, [("input.url", "INVALID")]),
    ({"url": "RECEIVER", "eventTypes": []}, [("input.eventTypes", "REQUIRED")]),
    ({"url": "RECEIVER", "eventTypes": ["MESSAGE_COMPLETED", "MESSAGE_COMPLETED"]}, [("input.eventTypes", "DUPLICATE")]),
    ({"url": "RECEIVER", "eventTypes": ["MESSAGE_COMPLETED"], "schoolIds": [gid("School", 999999), "x"]},
     [("input.schoolIds.0", "NOT_FOUND"), ("input.schoolIds.1", "NOT_FOUND")]),
    ({"url": "RECEIVER", "eventTypes": ["MESSAGE_COMPLETED"], "schoolIds": ["999999", "A_STUDENT_OF_THE_SCHOOL"]},
     [("input.schoolIds.0", "NOT_FOUND"), ("input.schoolIds.1", "NOT_FOUND")]),
    ({"url": "RECEIVER", "eventTypes": ["MESSAGE_COMPLETED"], "schoolIds": ["THE_SCHOOL", "THE_SCHOOL"]},
     [("input.schoolIds", "DUPLICATE")]),
])
def test_issue_16_point_5_bad_endpoint_input_is_answered_field_by_field(client, engine, admin_token, receiver,
                                                                        variables, expected):
    """A raw number, or a Student id whose row number is a real school's, names no school (issue 17)."""
    before = endpoint_rows(engine)
    school = first_school_id(engine)
    stand_ins = {"THE_SCHOOL": gid("School", school), "A_STUDENT_OF_THE_SCHOOL": gid("Student", school)}
    variables = {**variables, "url": receiver.url if variables["url"] == "RECEIVER" else variables["url"]}
    if variables.get("schoolIds"):
        variables["schoolIds"] = [stand_ins.get(value, value) for value in variables["schoolIds"]]
    body = gql(client, CREATE, {"input": variables}, admin_token)["data"]["createWebhookEndpoint"]
    assert body["__typename"] == "CreateWebhookEndpointErrors"
    assert [(e["field"], e["code"]) for e in body["errors"]] == expected
    assert endpoint_rows(engine) == before


def test_issue_16_point_5_a_foreign_or_missing_id_answers_not_found(client, admin_token, receiver, make_endpoint):
    """A missing endpoint, a raw number, a malformed id and an id of another kind naming the row
    number of a real endpoint all answer NOT_FOUND."""
    made = make_endpoint(receiver)
    for mutation, name in ((ROTATE, "rotateWebhookSecret"), (ENABLE, "enableWebhookEndpoint")):
        for missing in (gid("WebhookEndpoint", 999999), "999999", str(made["id"]), "not-an-id",
                        gid("School", made["id"])):
            body = gql(client, mutation, {"id": missing}, admin_token)["data"][name]
            assert body == {"__typename": body["__typename"], "errors": [{"field": "id", "code": "NOT_FOUND"}]}


@pytest.mark.parametrize(("url", "reason"), [
    ("http://hooks.example.org/homeroom", "must use https"),
    ("https://127.0.0.1/hooks", "loopback, private"),
    ("https://localhost:8443/hooks", "loopback, private"),
    ("https://10.1.2.3/hooks", "loopback, private"),
    ("https://192.168.0.10/hooks", "loopback, private"),
    ("https://172.16.5.4/hooks", "loopback, private"),
    ("https://169.254.169.254/latest/meta-data", "loopback, private"),
    ("https://0.0.0.0/hooks", "loopback, private"),
    ("https://[::1]/hooks", "loopback, private"),
    ("https://[fd00::1]/hooks", "loopback, private"),
    ("https://[fe80::1]/hooks", "loopback, private"),
    ("https://[::ffff:127.0.0.1]/hooks", "loopback, private"),
    ("https://[64:ff9b::a9fe:a9fe]/hooks", "loopback, private"),  # NAT64 of the metadata address
    ("https://[2002:7f00:1::1]/hooks", "loopback, private"),  # 6to4 of loopback
    ("https://[::127.0.0.1]/hooks", "loopback, private"),  # IPv4-compatible loopback
    ("https://user:secret@hooks.example.org/x", "user name or password"),
    ("https://hooks.example.org/x#frag", "fragment"),
    ("gopher://hooks.example.org/x", "https://"),
])
def test_issue_16_point_5_production_refuses_http_and_private_urls(url, reason):
    """'Bad input and denials': what production refuses, whatever the host name resolves to."""
    with pytest.raises(UrlRefused, match=reason):
        vet(url, PRODUCTION)


def test_issue_16_point_5_a_public_https_url_passes_and_is_pinned_to_its_checked_address(monkeypatch):
    """A public address passes; the send connects to the address checked (the name stays in Host and SNI),
    so a name that later resolves elsewhere (DNS rebinding) cannot redirect it."""
    import domain.webhooks.urls as urls

    monkeypatch.setattr(urls.socket, "getaddrinfo", lambda host, port, **_: [
        (None, None, None, "", ("93.184.215.14", port))])
    vetted = vet("https://hooks.example.org:8443/in?x=1", PRODUCTION)
    assert vetted == Vetted("https://hooks.example.org:8443/in?x=1", "https", "hooks.example.org",
                            ipaddress.ip_address("93.184.215.14"))
    assert vetted.connect_url == "https://93.184.215.14:8443/in?x=1"
    assert vetted.host_header == "hooks.example.org:8443"
    monkeypatch.setattr(urls.socket, "getaddrinfo", lambda host, port, **_: [
        (None, None, None, "", ("93.184.215.14", port)), (None, None, None, "", ("10.0.0.7", port))])
    with pytest.raises(UrlRefused, match="loopback, private"):
        vet("https://hooks.example.org/in", PRODUCTION)


def test_issue_16_point_5_the_api_refuses_a_loopback_url_in_production(engine):
    """The production app (HOMEROOM_WEBHOOKS_ALLOW_PRIVATE off) answers INVALID for the receiver's
    http://127.0.0.1 URL, and writes nothing."""
    from starlette.testclient import TestClient

    from helpers import token_for
    from homeroom.app import create_app
    from homeroom.runtime import build_runtime
    from homeroom.settings import load_settings

    production = build_runtime(load_settings(webhooks_allow_private=False))
    assert production.webhooks.urls == PRODUCTION
    client = TestClient(create_app(runtime=production, run_worker=False))
    before = endpoint_rows(engine)
    for url in ("http://127.0.0.1:9/hooks", "https://127.0.0.1:9/hooks"):
        body = gql(client, CREATE, {"input": {"url": url, "eventTypes": ["MESSAGE_COMPLETED"]}},
                   token_for(engine, "admin"))["data"]["createWebhookEndpoint"]
        assert [(e["field"], e["code"]) for e in body["errors"]] == [("input.url", "INVALID")], body
    assert endpoint_rows(engine) == before
    production.engine.dispose()
