"""Webhooks arrive signed per Standard Webhooks, retry after failures, are disabled after persistent
failure, can be resent, and never hold dispatch up (issue 16 point 5). The receiver is a real HTTP
server verifying signatures with the ``standardwebhooks`` package; the actors run as in every test
(the in-process worker on SQLite, a real ``homeroom worker`` process with Redis). An endpoint of every
school also hears other messages that complete during a test (earlier tests' work the worker
finishes), so tests pick their own webhooks out by ``webhook-id``."""

from __future__ import annotations

import datetime as dt
import json
import random
import time

from domain.webhooks.config import WebhookConfig
from domain.webhooks.sending import send_message, should_disable
from factories import add_contact, add_school, add_student, first_school_id, unique
from factories import email as email_address
from helpers import gid, gids, gql, pk_of, wait_for_message
from models.db import session_scope, utcnow
from webhook_support import attempts_of, emit_test_event, endpoint_row, message_row, wait_for_status
from worker_processes import wait_for

SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  __typename ... on SendMessageSuccess { message { id } } } }"""
ENDPOINTS = """{ webhookEndpoints { id status disabledAt disabledReason consecutiveFailures
  recentAttempts { statusCode error trigger } } }"""
NOTICES = """{ webhookNotices(first: 20) { nodes { endpointId kind reason } } }"""
MESSAGES = """query($id: ID!) { webhookMessages(endpointId: $id) { nodes { id webhookId status attemptCount
  attempts { statusCode error trigger } } } }"""
DELIVERED_MESSAGES = """query($id: ID!) { webhookMessages(endpointId: $id, status: DELIVERED, first: 100) {
  nodes { webhookId } } }"""
MESSAGE = """query($id: ID!) { message(id: $id) { id deliveries(first: 100) { nodes { id studentId } } } }"""
RESEND = """mutation($id: ID!) { resendWebhook(messageId: $id) { __typename
  ... on WebhookResent { message { webhookId status } } ... on ResendWebhookErrors { errors { field code } } } }"""
ENABLE = """mutation($id: ID!) { enableWebhookEndpoint(id: $id) { __typename
  ... on WebhookEndpointSaved { endpoint { status disabledAt } } } }"""


def schools_of_login(engine, login: str) -> set[int]:
    """The schools a user works at (a message's sender's: its message.completed schoolIds)."""
    from sqlalchemy import select

    from models.directory import User, UserSchool

    with session_scope(engine) as session:
        return set(session.execute(select(UserSchool.school_id).join(User, User.id == UserSchool.user_id)
                                   .where(User.login == login)).scalars())


def send_email(client, engine, token: str) -> str:
    """An email to a new student's contact, sent now by the seeded district administrator; its id."""
    kid = add_student(engine, first_school_id(engine))
    add_contact(engine, kid, email=email_address("hooks"))
    body = gql(client, SEND, {"input": {"subject": unique("Hooks "), "htmlBody": "<p>Trip</p>", "channels": ["EMAIL"],
                                        "recipientType": "PRIMARY_CONTACTS", "studentIds": [gid("Student", kid)]}}, token)
    assert body["data"]["sendMessage"]["__typename"] == "SendMessageSuccess", body
    return body["data"]["sendMessage"]["message"]["id"]


def test_issue_16_point_5_a_completed_send_arrives_signed_with_its_deliveries(
        client, engine, admin_token, receiver, make_endpoint):
    """message.completed and delivery.updated for a real send reach the endpoint with webhook-id,
    webhook-timestamp and a v1 signature the standardwebhooks package verifies; the body is
    {type, timestamp, data} with ids and counts only. An endpoint for another school hears nothing of it."""
    from peers.webhook_receiver import WebhookReceiver

    endpoint = make_endpoint(receiver, ("MESSAGE_COMPLETED", "DELIVERY_UPDATED"))
    elsewhere = WebhookReceiver()
    try:
        make_endpoint(elsewhere, ("MESSAGE_COMPLETED", "DELIVERY_UPDATED"), [gid("School", add_school(engine))])
        message_id = send_email(client, engine, admin_token)
        assert wait_for_message(client, admin_token, message_id)["status"] == "COMPLETED"
        completed = lambda: [r for r in receiver.of_type("message.completed")  # noqa: E731
                             if r.payload["data"]["messageId"] == message_id]
        wait_for(completed, 30, "message.completed at the receiver")
        updates = lambda: [e for r in receiver.of_type("delivery.updated")  # noqa: E731
                           for e in r.payload["data"]["events"] if e["messageId"] == message_id]
        # delivery.updated batches are gathered apart from the completion: the QUEUED event may land
        # first and the SENT one in a later batch, so wait for the one that says the email went.
        email_went = lambda: {e["status"] for e in updates() if e["channel"] == "EMAIL"} & {"SENT", "DELIVERED"}  # noqa: E731
        wait_for(email_went, 30, "delivery.updated (SENT) at the receiver")
        [got] = completed()
        assert got.verified and got.answered == 200
        assert got.webhook_id.startswith("msg_")
        assert abs(int(got.headers["webhook-timestamp"]) - time.time()) < 60
        assert got.headers["webhook-signature"].startswith("v1,")
        body = json.loads(got.body)
        assert set(body) == {"type", "timestamp", "data"} and body["type"] == "message.completed"
        assert body["data"]["deliveryCounts"].get("SENT", 0) + body["data"]["deliveryCounts"].get("DELIVERED", 0) >= 1
        assert "Trip" not in got.body and "@" not in got.body  # ids and counts, never content or addresses
        # Issue 17 point 1: the payload's ids are the API's global ids; its messageId goes straight to message(id:).
        shown = gql(client, MESSAGE, {"id": body["data"]["messageId"]}, admin_token)["data"]["message"]
        assert shown["id"] == message_id == body["data"]["messageId"]
        assert body["data"]["schoolIds"] == gids("School", sorted(schools_of_login(engine, "admin")))
        events = updates()
        assert {e["deliveryId"] for e in events} <= {d["id"] for d in shown["deliveries"]["nodes"]}
        assert {pk_of(e["deliveryId"]) for e in events} and {e["schoolId"] for e in events} == {
            gid("School", first_school_id(engine))}
        time.sleep(1)
        assert not [r for r in elsewhere.received if message_id in r.body], "another school's endpoint heard it"
        # The attempt is recorded after the receiver answers, and other messages keep arriving at an
        # endpoint of every school: wait for it among the endpoint's delivered messages.
        delivered = lambda: gql(client, DELIVERED_MESSAGES, {"id": endpoint["gid"]},  # noqa: E731
                                admin_token)["data"]["webhookMessages"]["nodes"]
        wait_for(lambda: any(r["webhookId"] == got.webhook_id for r in delivered()), 30, "the attempt recorded")
    finally:
        elsewhere.close()


def test_issue_16_point_5_a_500_is_retried_with_the_same_webhook_id(engine, runtime, receiver, make_endpoint):
    endpoint = make_endpoint(receiver)
    receiver.behaviours.append("500")
    message_id = emit_test_event(engine, runtime, endpoint["id"])
    row = wait_for_status(engine, message_id, "DELIVERED")
    assert row.attempt_count == 2
    got = [r for r in receiver.received if r.webhook_id == row.msg_id]
    assert [r.answered for r in got] == [500, 200] and all(r.verified for r in got)
    assert [(a.status_code, a.error, a.trigger) for a in attempts_of(engine, message_id)] == [
        (500, "HTTP_STATUS", "SCHEDULED"), (200, None, "SCHEDULED")]
    assert endpoint_row(engine, endpoint["id"]).consecutive_failures == 0  # the success reset it


def test_issue_16_point_5_a_timeout_is_retried(engine, runtime, receiver, make_endpoint):
    """The receiver answers only after the sender's timeout (HOMEROOM_WEBHOOKS_TIMEOUT_SECONDS, 1.5 s in tests)."""
    endpoint = make_endpoint(receiver)
    receiver.behaviours.append("sleep:3")
    message_id = emit_test_event(engine, runtime, endpoint["id"])
    row = wait_for_status(engine, message_id, "DELIVERED")
    attempts = attempts_of(engine, message_id)
    assert [(a.status_code, a.error) for a in attempts] == [(None, "TIMEOUT"), (200, None)]
    assert 1400 <= attempts[0].duration_ms < 3000
    assert [r.webhook_id for r in receiver.received if r.webhook_id == row.msg_id] == [row.msg_id]


def test_issue_16_point_5_persistent_failure_disables_the_endpoint_with_a_notice(
        client, engine, runtime, admin_token, receiver, make_endpoint):
    """With the thresholds shrunk (4 failures in a row over 2 s; 3 attempts a message), an endpoint
    whose receiver always answers 500 is disabled: disabledAt, disabledReason, a
    webhook.endpoint_disabled notice; its waiting messages fail and nothing more is sent.
    enableWebhookEndpoint turns it on again."""
    receiver.default = "500"
    endpoint = make_endpoint(receiver)
    first = emit_test_event(engine, runtime, endpoint["id"])
    wait_for_status(engine, first, "FAILED")
    second = emit_test_event(engine, runtime, endpoint["id"])
    wait_for(lambda: endpoint_row(engine, endpoint["id"]).status == "DISABLED", 30, "the endpoint disabled")
    assert message_row(engine, second).status == "FAILED"
    [shown] = [e for e in gql(client, ENDPOINTS, token=admin_token)["data"]["webhookEndpoints"]
               if e["id"] == endpoint["gid"]]
    assert shown["status"] == "DISABLED" and shown["disabledAt"] and "failed" in shown["disabledReason"]
    assert shown["consecutiveFailures"] >= 4 and {a["error"] for a in shown["recentAttempts"]} == {"HTTP_STATUS"}
    notices = [n for n in gql(client, NOTICES, token=admin_token)["data"]["webhookNotices"]["nodes"]
               if n["endpointId"] == endpoint["gid"]]
    assert [n["kind"] for n in notices] == ["ENDPOINT_DISABLED"]  # an enum (issue 17 point 3)
    sent = len(receiver.received)
    third = emit_test_event(engine, runtime, endpoint["id"])
    time.sleep(1.5)
    assert len(receiver.received) == sent and message_row(engine, third).attempt_count == 0

    receiver.default = "ok"
    enabled = gql(client, ENABLE, {"id": endpoint["gid"]}, admin_token)["data"]["enableWebhookEndpoint"]
    assert enabled == {"__typename": "WebhookEndpointSaved", "endpoint": {"status": "ENABLED", "disabledAt": None}}
    assert [n["kind"] for n in gql(client, NOTICES, token=admin_token)["data"]["webhookNotices"]["nodes"]
            if n["endpointId"] == endpoint["gid"]] == ["ENDPOINT_ENABLED", "ENDPOINT_DISABLED"]


def test_issue_16_point_5_resend_replays_one_message_with_the_same_webhook_id(
        client, engine, runtime, admin_token, receiver, make_endpoint):
    endpoint = make_endpoint(receiver)
    message_id = emit_test_event(engine, runtime, endpoint["id"])
    row = wait_for_status(engine, message_id, "DELIVERED")
    pending = gql(client, RESEND, {"id": gid("WebhookMessage", message_id)}, admin_token)["data"]["resendWebhook"]
    assert pending["message"]["webhookId"] == row.msg_id
    wait_for(lambda: len(attempts_of(engine, message_id)) == 2, 30, "the resend's attempt")
    wait_for_status(engine, message_id, "DELIVERED")
    replayed = [r for r in receiver.received if r.webhook_id == row.msg_id]
    assert len(replayed) == 2 and replayed[0].body == replayed[1].body
    assert [a.trigger for a in attempts_of(engine, message_id)] == ["SCHEDULED", "RESEND"]
    for missing_id in (gid("WebhookMessage", 999999), str(message_id), gid("Message", message_id)):
        missing = gql(client, RESEND, {"id": missing_id}, admin_token)["data"]["resendWebhook"]
        assert missing == {"__typename": "ResendWebhookErrors",
                           "errors": [{"field": "messageId", "code": "NOT_FOUND"}]}, missing_id


def test_issue_16_point_5_a_delivered_message_is_not_sent_again_by_a_repeated_job(
        engine, runtime, receiver, make_endpoint):
    """Actors are idempotent: the send job run again for a delivered message claims nothing and sends nothing."""
    endpoint = make_endpoint(receiver)
    message_id = emit_test_event(engine, runtime, endpoint["id"])
    wait_for_status(engine, message_id, "DELIVERED")
    outcome = send_message(engine, message_id, runtime.webhooks)
    msg_id = message_row(engine, message_id).msg_id
    assert not outcome.attempted and [r.webhook_id for r in receiver.received].count(msg_id) == 1


def test_issue_16_point_5_the_address_is_checked_again_at_send_time(engine, runtime, receiver, make_endpoint):
    """An endpoint saved while its address was allowed, whose URL now points at a refused address
    (DNS rebinding; here: production's policy), is not reached: the attempt says ADDRESS_REFUSED."""
    import dataclasses

    from domain.webhooks.config import UrlPolicy

    endpoint = make_endpoint(receiver)
    message_id = _pending_message(engine, endpoint["id"])
    production = dataclasses.replace(runtime.webhooks, urls=UrlPolicy(require_https=True, allow_private=False))
    outcome = send_message(engine, message_id, production)
    assert outcome.attempted and not outcome.delivered
    assert [(a.error, a.status_code) for a in attempts_of(engine, message_id)] == [("ADDRESS_REFUSED", None)]
    assert message_row(engine, message_id).msg_id not in {r.webhook_id for r in receiver.received}


def _pending_message(engine, endpoint_id: int) -> int:
    """A webhook message written but not handed to a job (the test sends it itself)."""
    import uuid

    from domain.webhooks.events import Emission, WebhookEventType, emit

    with session_scope(engine) as session:
        [message_id] = emit(session, [Emission(endpoint_id, WebhookEventType.MESSAGE_COMPLETED,
                                               f"test:{uuid.uuid4().hex}", {})], utcnow())
    return message_id


def test_issue_16_point_5_dispatch_completes_while_the_receiver_is_down(
        client, engine, runtime, admin_token, receiver, make_endpoint):
    """Webhook sends wait on the partner in their own actor and queue: with the receiver hanging past
    the timeout on every request and webhook messages waiting for it, a send still completes, while
    its webhooks are still being tried."""
    receiver.default = "sleep:3"
    endpoint = make_endpoint(receiver, ("MESSAGE_COMPLETED", "DELIVERY_UPDATED"))
    waiting = [emit_test_event(engine, runtime, endpoint["id"]) for _ in range(4)]
    started = time.monotonic()
    message_id = send_email(client, engine, admin_token)
    assert wait_for_message(client, admin_token, message_id, timeout=30)["status"] == "COMPLETED"
    assert time.monotonic() - started < 20
    assert any(message_row(engine, m).status == "PENDING" for m in waiting), "dispatch waited for the webhooks"


def test_issue_16_point_5_an_endpoint_is_disabled_only_after_a_day_of_failures():
    """The default thresholds: a day without a success and at least five failed attempts in a row,
    so one message's eight attempts (the last ~27.5 hours after the first) disable a dead endpoint."""
    config = WebhookConfig()
    now = utcnow()
    assert sum(config.retry_schedule) > 86_400
    assert not should_disable(now - dt.timedelta(hours=23), 8, config, now)
    assert not should_disable(now - dt.timedelta(hours=25), 4, config, now)
    assert should_disable(now - dt.timedelta(hours=25), 5, config, now)


def test_issue_16_point_5_the_dispatch_that_completes_a_message_hands_it_on(engine, runtime):
    """Dispatch tells the webhook side, after its commit, which messages its outcomes completed (the
    message.completed path; the pump's sweep is only the safety net), and which it touched."""
    import dataclasses

    from sqlalchemy import update

    from domain.delivery.dispatch import dispatch_deliveries
    from models.messaging import Message
    from worker_processes import message_to_imported_phones

    message_id, ids = message_to_imported_phones(engine, 3, f"+1312{random.randrange(100, 1000)}")
    with session_scope(engine) as session:  # what the hand-on job does before a message may complete
        session.execute(update(Message).where(Message.id == message_id).values(in_app_filed_at=utcnow()))
    told: list[tuple[set, list]] = []
    services = dataclasses.replace(runtime.delivery, ledger_changed=lambda touched, done: told.append(
        (set(touched), list(done))))
    dispatch_deliveries(engine, runtime.registry, ids[:2], services)
    dispatch_deliveries(engine, runtime.registry, ids[2:], services)
    assert told == [({message_id}, []), ({message_id}, [message_id])]


def test_issue_16_point_5_after_a_rotation_both_secrets_sign_for_the_grace_period(
        client, engine, runtime, admin_token, receiver, make_endpoint):
    """rotateWebhookSecret: the next webhook carries two v1 signatures, so a receiver holding either
    the old or the new secret verifies it with the standardwebhooks package."""
    from standardwebhooks.webhooks import Webhook

    endpoint = make_endpoint(receiver)
    rotated = gql(client, """mutation($id: ID!) { rotateWebhookSecret(id: $id) {
        ... on WebhookEndpointWithSecret { secret } } }""", {"id": endpoint["gid"]}, admin_token)
    new_secret = rotated["data"]["rotateWebhookSecret"]["secret"]
    receiver.secrets[:] = [new_secret]
    message_id = emit_test_event(engine, runtime, endpoint["id"])
    wait_for_status(engine, message_id, "DELIVERED")
    # Another message completing meanwhile (the in-process worker finishes earlier tests' work) is
    # announced to this endpoint too: pick this test's webhook by its id.
    [got] = [one for one in receiver.received if one.webhook_id == message_row(engine, message_id).msg_id]
    assert got.verified and len(got.headers["webhook-signature"].split(" ")) == 2
    assert Webhook(endpoint["secret"]).verify(got.body, got.headers) == json.loads(got.body)


def test_issue_16_point_5_listing_endpoints_and_messages_costs_the_same_for_any_number(
        client, engine, runtime, admin_token, receiver, make_endpoint):
    """No N+1: webhookEndpoints (schools, newest attempts) and webhookMessages (attempts) run a fixed
    number of statements however many rows they answer."""
    from helpers import count_statements

    def costs() -> tuple[int, int]:
        with count_statements(engine) as listing:
            assert "errors" not in gql(client, ENDPOINTS, token=admin_token)
        with count_statements(engine) as messages:
            assert "errors" not in gql(client, MESSAGES, {"id": first["gid"]}, admin_token)
        return len(listing), len(messages)

    first = make_endpoint(receiver, ("MESSAGE_COMPLETED",), [gid("School", first_school_id(engine))])
    wait_for_status(engine, emit_test_event(engine, runtime, first["id"]), "DELIVERED")
    few = costs()
    for _ in range(2):
        more = make_endpoint(receiver)
        wait_for_status(engine, emit_test_event(engine, runtime, more["id"]), "DELIVERED")
    for _ in range(2):
        wait_for_status(engine, emit_test_event(engine, runtime, first["id"]), "DELIVERED")
    assert costs() == few


def _certificate(tmp_path, name: str):
    """A self-signed certificate for ``name``: (server context, client context trusting it)."""
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client


def test_issue_16_point_5_https_goes_to_the_checked_address_with_the_name_in_host_and_sni(
        engine, runtime, tmp_path, monkeypatch):
    """The send connects to the address the check resolved, while the certificate is verified
    against the URL's host name (TLS SNI) and Host names it too: pinning the address (against DNS
    rebinding) keeps https whole. The name resolves through a stand-in resolver to the receiver."""
    import httpx

    import domain.webhooks.urls as urls
    from peers.webhook_receiver import WebhookReceiver

    name = "hooks.homeroom.test"
    server_tls, client_tls = _certificate(tmp_path, name)
    receiver = WebhookReceiver(tls=server_tls, host_name=name)
    made = None
    try:
        real = urls.socket.getaddrinfo
        monkeypatch.setattr(urls.socket, "getaddrinfo", lambda host, port, *args, **kw: [
            (None, None, None, "", ("127.0.0.1", port))] if host == name else real(host, port, *args, **kw))
        from domain.webhooks.endpoints import EndpointInput, create
        from domain.webhooks.events import WebhookEventType
        from resolve import viewer_for

        with session_scope(engine) as session:
            made = create(session, viewer_for(session, "admin"),
                          EndpointInput(receiver.url, (WebhookEventType.MESSAGE_COMPLETED,)), runtime.webhooks)
            endpoint_id = made.endpoint.id
        receiver.secrets.append(made.secret)
        message_id = _pending_message(engine, endpoint_id)
        with httpx.Client(verify=client_tls, follow_redirects=False, trust_env=False) as client:
            outcome = send_message(engine, message_id, runtime.webhooks, client=client)
        assert outcome.delivered, attempts_of(engine, message_id)
        [got] = [one for one in receiver.received
                 if one.webhook_id == message_row(engine, message_id).msg_id]
        assert got.verified and got.headers["host"] == f"{name}:{receiver.server.server_address[1]}"
    finally:
        receiver.close()
        if made is not None:
            from domain.audit.actions import Actor
            from domain.webhooks.endpoints import remove

            with session_scope(engine) as session:
                remove(session, made.endpoint.id, actor=Actor.system())


def test_issue_16_point_5_the_pump_makes_good_a_lost_completion_job_and_a_lost_send(
        engine, runtime, receiver, make_endpoint):
    """The database holds the truth: a message completed by a dispatch whose webhook job never ran
    still gets its message.completed from the next pump, and a send whose job was lost (its attempt
    overdue, nobody sending it) is handed to a job again. (Dispatch here tells nobody, so whatever
    arrives came from a pump: this test's, or one an earlier dispatch asked for.)"""
    import dataclasses

    from sqlalchemy import update

    from domain.delivery.dispatch import dispatch_deliveries
    from domain.webhooks.pump import pump
    from models.messaging import Message
    from models.webhooks import WebhookMessage
    from worker_processes import message_to_imported_phones

    make_endpoint(receiver)
    message_id, ids = message_to_imported_phones(engine, 2, f"+1313{random.randrange(100, 1000)}")
    with session_scope(engine) as session:
        session.execute(update(Message).where(Message.id == message_id).values(in_app_filed_at=utcnow()))
    dispatch_deliveries(engine, runtime.registry, ids, dataclasses.replace(runtime.delivery, ledger_changed=None))
    lost = _pending_message(engine, make_endpoint(receiver)["id"])
    with session_scope(engine) as session:
        session.execute(update(WebhookMessage).where(WebhookMessage.id == lost).values(
            next_attempt_at=utcnow() - dt.timedelta(minutes=5)))
    pump(engine, runtime.webhooks, runtime.webhook_jobs)
    wait_for(lambda: [r for r in receiver.of_type("message.completed")
                      if r.payload["data"].get("messageId") == gid("Message", message_id)], 30,
             "the swept message.completed")
    wait_for_status(engine, lost, "DELIVERED")


def test_issue_16_point_5_webhook_jobs_that_cannot_be_enqueued_never_fail_a_dispatch(caplog):
    """A dispatch in a process whose broker has no webhook actors (a tool, a plugin's own test
    process) or whose Redis is away still succeeds: the webhook side logs it (no ids, no URLs) and the
    next queue run's pump catches up from the database."""
    from dramatiq.brokers.stub import StubBroker

    from jobs.webhooks import DramatiqWebhookJobs

    DramatiqWebhookJobs(StubBroker()).ledger_changed({1}, [1])
    assert [r.getMessage() for r in caplog.records if r.name == "jobs.webhooks"] == [
        "webhook jobs not enqueued after a dispatch (QueueNotFound); the next queue run catches up"]
