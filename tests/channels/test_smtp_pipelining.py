"""The smtp plugin pipelines (RFC 2920) when the server's EHLO offers PIPELINING, and only then
(issue 20 point 5): what the client writes is watched through a relay, one piece per write. The
replies map to outcomes exactly as they do one command at a time."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller

from channels.base import EmailEnvelope, PermanentFailure, Retryable, Sent
from peers.smtp_sink import Recorder, Relay, free_port, plugin_for


def envelope(reference: str, to: str, **extra) -> EmailEnvelope:
    return EmailEnvelope(reference=reference, message_id=1, to=to, recipient_name="Pat Doe", from_name="Lincoln High",
                         subject="Picture day", html_body="<p>Picture <b>day</b></p>", text_body="Picture day",
                         **extra)


def watched(pipelining: bool, **server_options):
    recorder = Recorder(pipelining=pipelining)
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port(), **server_options)
    controller.start()
    return controller, recorder, Relay(controller.port)


@pytest.fixture(params=[False, True], ids=["stepwise", "pipelined"])
def server(request):
    controller, recorder, relay = watched(request.param)
    yield controller, recorder, relay
    relay.close()
    controller.stop()


def transactions(relay: Relay) -> list[bytes]:
    """What the client wrote from its first MAIL on, one piece per write."""
    first = next(n for n, piece in enumerate(relay.pieces) if piece.startswith(b"MAIL FROM"))
    return [piece for piece in relay.pieces[first:] if piece != b"QUIT\r\n"]


def test_pipelining_offered_one_write_per_email():
    """Offered: each email's MAIL, RCPT and DATA go in one write, and each message goes with the
    next email's MAIL, RCPT and DATA: five emails, six writes (one round trip an email)."""
    controller, recorder, relay = watched(pipelining=True)
    try:
        batch = [envelope(str(n), f"parent{n}@families.example.org") for n in range(5)]
        outcomes = plugin_for(controller, port=relay.port).send(batch)
        assert all(isinstance(o, Sent) for o in outcomes) and len(recorder.messages) == 5
        pieces = transactions(relay)
        assert len(pieces) == 6
        assert all(piece.count(b"MAIL FROM:") == piece.count(b"RCPT TO:") == piece.count(b"DATA\r\n") == 1
                   for piece in pieces[:5])
        assert all(piece.startswith(b"From: ") and piece.count(b"\r\n.\r\n") == 1 for piece in pieces[1:])
    finally:
        relay.close()
        controller.stop()


def test_pipelining_not_offered_one_command_per_write():
    """Not offered: every command waits for its reply, as before (four writes an email)."""
    controller, recorder, relay = watched(pipelining=False)
    try:
        batch = [envelope(str(n), f"parent{n}@families.example.org") for n in range(3)]
        assert all(isinstance(o, Sent) for o in plugin_for(controller, port=relay.port).send(batch))
        pieces = transactions(relay)
        assert len(pieces) == 12
        assert [piece.split(b":")[0].split(b"\r\n")[0] for piece in pieces[:4]] == [b"MAIL FROM", b"RCPT TO", b"DATA",
                                                                                     b"From"]
        assert all(piece.count(b"\r\n") == 1 for n, piece in enumerate(pieces) if n % 4 != 3)
    finally:
        relay.close()
        controller.stop()


def test_refusals_map_the_same_pipelined_or_not(server):
    """4xx → retryable with the code, 5xx → permanent with the code and the server's text, for a
    refused RCPT and a refused MAIL FROM; the emails around them are sent, once each."""
    controller, recorder, relay = server
    plugin = plugin_for(controller, port=relay.port)
    batch = [envelope("1", "ana@families.example.org"),
             envelope("2", "tempfail@families.example.org"),
             envelope("3", "reject@families.example.org"),
             envelope("4", "ben@families.example.org", return_path="refused-bounce@replies.example.org"),
             envelope("5", "cy@families.example.org")]
    sent, later, refused, sender_refused, last = plugin.send(batch)
    assert isinstance(sent, Sent) and sent.provider_id == "delivery-1.1@homeroom.local" and isinstance(last, Sent)
    assert isinstance(later, Retryable) and (later.code, later.delay_seconds) == ("451", None)
    assert "Try again later" in later.detail
    assert isinstance(refused, PermanentFailure) and refused.code == "550" and "Mailbox unknown" in refused.detail
    assert isinstance(sender_refused, PermanentFailure) and sender_refused.code == "550"
    assert "Sender refused" in sender_refused.detail
    assert recorder.delivered_to() == ["ana@families.example.org", "cy@families.example.org"]
    assert len(set(recorder.peers)) == 1


def test_a_cc_copy_follows_only_an_accepted_email(server):
    """CMP-22: the Cc copy goes after the delivery's own email is accepted, never after a refused one."""
    controller, recorder, relay = server
    plugin = plugin_for(controller, port=relay.port, envelope_sender="bounces@district.example.org")
    copied = envelope("1", "ana@families.example.org", cc=("aunt@families.example.org",))
    refused = envelope("2", "reject@families.example.org", cc=("uncle@families.example.org",))
    after = envelope("3", "ben@families.example.org")
    outcomes = plugin.send([copied, refused, after])
    assert [type(o) for o in outcomes] == [Sent, PermanentFailure, Sent]
    assert recorder.delivered_to() == ["ana@families.example.org", "ana@families.example.org",
                                       "ben@families.example.org"]
    own, copy, _ = recorder.messages
    assert own["Message-ID"] == "<delivery-1.1@homeroom.local>" and copy["Message-ID"] == "<delivery-1.1.cc@homeroom.local>"
    assert recorder.return_paths[1] == "bounces@district.example.org" and copy["X-Homeroom-Delivery"] is None


def test_a_non_ascii_address_fails_alone_and_the_batch_goes_on(server):
    """JOB-05 (issue 13 point 10's rule, for one more kind of address): no header can carry an
    address that is not ASCII without SMTPUTF8, which Homeroom does not use, so that delivery alone
    is a permanent INVALID_ADDRESS and the rest are sent. (Until issue 20 compose_email raised
    UnicodeEncodeError, and with it the whole batch.)"""
    controller, recorder, relay = server
    outcomes = plugin_for(controller, port=relay.port).send(
        [envelope("1", "josé@familias.example.org"), envelope("2", "ana@families.example.org"),
         envelope("3", "ben@families.example.org", cc=("tía@familias.example.org",))])
    assert isinstance(outcomes[0], PermanentFailure) and outcomes[0].code == "INVALID_ADDRESS"
    assert outcomes[0].detail == "the recipient address is not ASCII"
    assert isinstance(outcomes[1], Sent) and isinstance(outcomes[2], PermanentFailure)
    assert recorder.delivered_to() == ["ana@families.example.org"]
