"""Issue 17 point 7: Prometheus metrics at /metrics, scraped after a real send (the run's worker:
in-process, or a `homeroom worker` process with Redis), and who may read them."""

from __future__ import annotations

import dataclasses
import os
import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import func, select
from starlette.testclient import TestClient

from harness import DATABASE_URL
from helpers import gids, gql, pk_of, token_for, wait_for_message
from homeroom.app import create_app
from homeroom.settings import load_settings
from models.directory import Student
from models.messaging import Delivery, DeliveryAttempt

METRICS_TOKEN = "metrics-" + uuid.uuid4().hex
SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  __typename ... on SendMessageSuccess { message { id } } } }"""


@pytest.fixture(scope="module")
def metrics_client(client, runtime):
    """The run's runtime with a metrics token; ``client`` keeps the run's worker going."""
    settings = runtime.settings.model_copy(update={"metrics_token": SecretStr(METRICS_TOKEN)})
    with TestClient(create_app(runtime=dataclasses.replace(runtime, settings=settings), run_worker=False)) as scraped:
        yield scraped


def _scrape(client) -> tuple[str, dict[tuple[str, frozenset], float]]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples = {(sample.name, frozenset(sample.labels.items())): sample.value
               for family in text_string_to_metric_families(response.text) for sample in family.samples}
    return response.text, samples


def _value(samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_issue_17_point_7_metrics_after_a_real_send(metrics_client, engine, db):
    """Requests by route and status, GraphQL operations by type and outcome, the ledger's deliveries
    by channel and status, queue depth per Dramatiq queue and dispatch latency; no label or value
    carries an address or a name."""
    admin = token_for(engine, "admin")
    students = db.execute(select(Student).where(Student.primary_email.is_not(None), Student.status == "ACTIVE")
                          .limit(3)).scalars().all()
    sent = gql(metrics_client, SEND, {"input": {"subject": "Metrics", "htmlBody": "<p>Hello</p>",
                                                "channels": ["EMAIL"], "recipientType": "STUDENTS",
                                                "studentIds": gids("Student", [s.id for s in students])}}, admin)
    assert sent["data"]["sendMessage"]["__typename"] == "SendMessageSuccess", sent
    message = sent["data"]["sendMessage"]["message"]["id"]
    message_id = pk_of(message)
    assert wait_for_message(metrics_client, admin, message)["status"] == "COMPLETED"

    text, samples = _scrape(metrics_client)
    assert _value(samples, "homeroom_http_requests_total", route="/graphql", method="POST", status="200") >= 2
    assert _value(samples, "homeroom_graphql_operations_total", type="mutation", outcome="ok") >= 1
    assert _value(samples, "homeroom_graphql_operations_total", type="query", outcome="ok") >= 1
    assert _value(samples, "homeroom_metrics_source_up", source="database") == 1
    assert _value(samples, "homeroom_metrics_source_up", source="queue") == 1

    ours = db.execute(select(Delivery.status, func.count()).where(Delivery.message_id == message_id,
                                                                 Delivery.channel == "EMAIL")
                      .group_by(Delivery.status)).all()
    assert ours and dict(ours).get("SENT"), ours
    for status, count in ours:  # the deployment's figure includes this message's deliveries
        assert _value(samples, "homeroom_deliveries", channel="EMAIL", status=status) >= count

    queues = {dict(labels)["queue"] for name, labels in samples if name == "homeroom_queue_messages"}
    assert {"deliveries_normal", "deliveries_priority", "deliveries_emergency", "hand_on_normal", "webhooks"} <= queues

    first_attempts = db.execute(select(func.count(func.distinct(DeliveryAttempt.delivery_id)))
                                .join(Delivery, Delivery.id == DeliveryAttempt.delivery_id)
                                .where(Delivery.message_id == message_id)).scalar_one()
    assert first_attempts >= 1
    assert _value(samples, "homeroom_dispatch_latency_seconds_gcount") >= first_attempts
    buckets = sorted((float(dict(labels)["le"]), value) for (name, labels), value in samples.items()
                     if name == "homeroom_dispatch_latency_seconds_bucket")
    assert [value for _, value in buckets] == sorted(value for _, value in buckets)  # cumulative

    personal = db.execute(select(Delivery.address, Delivery.recipient_name).where(
        Delivery.message_id == message_id)).all()
    for address, name in personal:
        assert address not in text and name not in text


def test_issue_17_point_7_metrics_need_the_token_and_are_off_in_production_without_one(client, metrics_client):
    """Production without HOMEROOM_METRICS_TOKEN: 404 (the run's app). With one: 401 without it or
    with another, 200 with it."""
    assert client.get("/metrics").status_code == 404
    assert metrics_client.get("/metrics").status_code == 401
    wrong = metrics_client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"].startswith("Bearer")
    assert metrics_client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).status_code == 200


def test_issue_17_point_7_metrics_are_open_in_development_without_a_token(engine):
    settings = load_settings(environment="development", jwt_secret=os.environ["HOMEROOM_JWT_SECRET"],
                             database_url=DATABASE_URL, redis_url=None)
    with TestClient(create_app(settings, run_worker=False)) as development:
        response = development.get("/metrics")
    assert response.status_code == 200 and "homeroom_deliveries" in response.text


def test_issue_17_point_7_a_short_metrics_token_is_refused_at_start_up():
    from homeroom.settings import SettingsError

    with pytest.raises(SettingsError, match="HOMEROOM_METRICS_TOKEN: must be at least 16 characters"):
        load_settings(metrics_token="short")

