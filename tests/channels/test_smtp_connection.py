"""The smtp plugin keeps one connection per worker thread across batches (issue 20 point 5), checks
it after a pause, replaces it when the server dropped it, and never reports Sent what the server
did not accept nor sends an email twice (JOB-05) when a connection breaks mid-batch. Real aiosmtpd
servers, some behind a relay that cuts the connection at a chosen point."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from aiosmtpd.controller import Controller

from channels.base import EmailEnvelope, Retryable, Sent
from channels.email.smtp import UNBUILT, SmtpChannel, SmtpConfig
from domain.delivery.sending.plugin_batches import send_batch
from peers.smtp_sink import Recorder, Relay, free_port, plugin_for


def emails(first: int, count: int) -> list[EmailEnvelope]:
    return [EmailEnvelope(reference=str(n), message_id=1, to=f"parent{n}@families.example.org",
                          recipient_name=f"Parent {n}", from_name="Lincoln High", subject="Picture day",
                          html_body="<p>Picture day</p>", text_body="Picture day")
            for n in range(first, first + count)]


def addresses(first: int, count: int) -> list[str]:
    return [envelope.to for envelope in emails(first, count)]


@pytest.fixture(params=[False, True], ids=["stepwise", "pipelined"])
def pipelining(request) -> bool:
    """Each test runs against a server without PIPELINING and one that offers it."""
    return request.param


def start_sink(recorder: Recorder, port: int | None = None, **server_options) -> Controller:
    controller = Controller(recorder, hostname="127.0.0.1", port=port or free_port(), **server_options)
    controller.start()
    return controller


@pytest.fixture
def sink(pipelining):
    recorder = Recorder(pipelining=pipelining)
    controller = start_sink(recorder)
    yield controller, recorder
    controller.stop()


def test_one_connection_serves_several_batches(sink):
    """Two batches through one plugin in one thread travel on one SMTP session."""
    controller, recorder = sink
    plugin = plugin_for(controller)
    first, second = plugin.send(emails(1, 3)), plugin.send(emails(4, 3))
    assert all(isinstance(outcome, Sent) for outcome in first + second)
    assert recorder.delivered_to() == addresses(1, 6)
    assert len(set(recorder.peers)) == 1 and len(recorder.sessions) == 1
    plugin.close()


def test_a_connection_idle_a_while_is_checked_and_one_idle_too_long_is_replaced(sink):
    """After connection_check_after_seconds idle the kept connection answers a RSET before the
    next batch; after connection_max_idle_seconds it is not used again; 0 means one per batch."""
    controller, recorder = sink
    checked = plugin_for(controller, connection_check_after_seconds=0)
    checked.send(emails(1, 2))
    checked.send(emails(3, 2))
    assert recorder.resets == 1 and len(set(recorder.peers)) == 1
    checked.close()
    per_batch = plugin_for(controller, connection_max_idle_seconds=0)
    per_batch.send(emails(5, 2))
    per_batch.send(emails(7, 2))
    assert len(set(recorder.peers[4:])) == 2
    assert recorder.delivered_to() == addresses(1, 8)


def test_a_connection_the_server_dropped_while_idle_is_replaced_and_nothing_is_lost(pipelining):
    """The server times the idle client out (aiosmtpd closes it after 0.3 s): the next batch finds
    the connection dead before any message went out, opens another and sends each email once."""
    recorder = Recorder(pipelining=pipelining)
    controller = start_sink(recorder, timeout=0.3)
    try:
        plugin = plugin_for(controller)
        assert all(isinstance(o, Sent) for o in plugin.send(emails(1, 2)))
        time.sleep(0.8)
        assert all(isinstance(o, Sent) for o in plugin.send(emails(3, 3)))
        assert recorder.delivered_to() == addresses(1, 5)
        assert len(set(recorder.peers)) == 2
    finally:
        controller.stop()


def test_a_server_restarted_between_batches_gets_the_next_batch_once(pipelining):
    recorder = Recorder(pipelining=pipelining)
    controller = start_sink(recorder)
    plugin = plugin_for(controller)
    assert all(isinstance(o, Sent) for o in plugin.send(emails(1, 2)))
    controller.stop()
    restarted = Recorder(pipelining=pipelining)
    again = start_sink(restarted, port=controller.port)
    try:
        assert all(isinstance(o, Sent) for o in plugin.send(emails(3, 3)))
        assert recorder.delivered_to() == addresses(1, 2) and restarted.delivered_to() == addresses(3, 3)
    finally:
        again.stop()


def test_job_05_a_connection_cut_mid_batch_loses_nothing_and_sends_nothing_twice(sink):
    """Covers JOB-05. The connection is cut as the third email's end goes out: that email is in
    doubt (its message was sent, no reply came), so it is retryable and not sent again in the
    batch; every other email is sent once, the rest on a new connection. Sending the retryable one
    later delivers it once."""
    controller, recorder = sink
    relay = Relay(controller.port)
    relay.cut_at_message = 3
    try:
        plugin = plugin_for(controller, port=relay.port)
        outcomes = plugin.send(emails(1, 6))
        in_doubt = outcomes[2]
        assert isinstance(in_doubt, Retryable) and in_doubt.code == "SMTP_ERROR"
        assert [isinstance(o, Sent) for o in outcomes] == [True, True, False, True, True, True]
        assert recorder.delivered_to() == addresses(1, 2) + addresses(4, 3)
        assert len(set(recorder.peers)) == 2
        [retried] = plugin.send(emails(3, 1))
        assert isinstance(retried, Sent)
        assert Counter(recorder.delivered_to()) == Counter(addresses(1, 6))
    finally:
        relay.close()


def test_a_server_that_cannot_be_reached_again_leaves_the_rest_retryable(pipelining):
    """The connection of a first batch works; the server then goes away for good: the next batch
    is retryable with SMTP_CONNECT, and nothing is reported Sent."""
    recorder = Recorder(pipelining=pipelining)
    controller = start_sink(recorder)
    plugin = plugin_for(controller, timeout_seconds=2)
    plugin.send(emails(1, 1))
    controller.stop()
    outcomes = plugin.send(emails(2, 3))
    assert all(isinstance(o, Retryable) and o.code == "SMTP_CONNECT" for o in outcomes)
    assert recorder.delivered_to() == addresses(1, 1)


def test_each_worker_thread_has_its_own_connection(sink):
    """Dispatch calls send from several worker threads at once: each keeps its own connection,
    reused across its batches, and every email arrives once."""
    controller, recorder = sink
    plugin = plugin_for(controller)
    outcomes: list = []

    def worker(first: int):
        for start in range(first, first + 20, 5):
            outcomes.extend(plugin.send(emails(start, 5)))

    threads = [threading.Thread(target=worker, args=(first,)) for first in (100, 200, 300)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 60 and all(isinstance(o, Sent) for o in outcomes)
    assert Counter(recorder.delivered_to()) == Counter(addresses(100, 20) + addresses(200, 20) + addresses(300, 20))
    assert len(set(recorder.peers)) == 3


class FailsToRender(SmtpChannel):
    """A plugin whose email for one reference cannot be built."""

    def _render(self, envelope, headers, eight_bit):
        if envelope.reference == "3":
            raise RuntimeError("cannot build this email")
        return super()._render(envelope, headers, eight_bit)


class StopsMidExchange(SmtpChannel):
    """A plugin stopped while recording one reference's outcome, as a worker's time limit can
    strike mid-exchange (the server may be waiting for the next email's message)."""

    def _record(self, result, outcomes):
        if result.mail.owner.reference == "3":
            raise TimeoutError("the worker's time limit")
        return super()._record(result, outcomes)


def test_job_05_an_email_that_cannot_be_built_fails_alone_and_nothing_is_sent_twice(pipelining):
    """Covers JOB-05: the email is built before any of its commands is written, so it fails
    alone (UNBUILT, nothing of it sent) and the batch goes on on the same connection; through
    dispatch's batch sending, every other email reaches the server exactly once."""
    recorder = Recorder(pipelining=pipelining)
    controller = start_sink(recorder)
    try:
        plugin = FailsToRender(SmtpConfig(host="127.0.0.1", port=controller.port, security="none",
                                          from_address="no-reply@district.example.org"))
        outcomes = send_batch(plugin, emails(1, 4))
        plugin.close()
        assert [type(o).__name__ for o in outcomes] == ["Sent", "Sent", "PermanentFailure", "Sent"]
        assert outcomes[2].code == UNBUILT and "RuntimeError" in outcomes[2].detail
        assert sorted(recorder.delivered_to()) == sorted(addresses(1, 2) + addresses(4, 1))
        assert len(set(recorder.peers)) == 1
    finally:
        controller.stop()


def test_a_batch_that_raised_mid_exchange_leaves_no_half_open_transaction_behind(pipelining):
    """The exception reaches dispatch (which reconciles, as before), and the connection it left
    mid-transaction (the server waiting for a message after its 354) is not used again: the next
    batch goes on a new connection, and no command ends up inside an email."""
    recorder = Recorder(pipelining=pipelining)
    controller = start_sink(recorder)
    try:
        plugin = StopsMidExchange(SmtpConfig(host="127.0.0.1", port=controller.port, security="none",
                                             from_address="no-reply@district.example.org"))
        with pytest.raises(TimeoutError):
            plugin.send(emails(1, 4))
        assert all(isinstance(o, Sent) for o in plugin.send(emails(5, 2)))
        plugin.close()
        assert recorder.delivered_to()[-2:] == addresses(5, 2)
        assert not any("MAIL FROM" in message.get_body(("plain",)).get_content() for message in recorder.messages)
        assert len(set(recorder.peers)) == 2
    finally:
        controller.stop()
