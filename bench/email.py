"""Emails per second through the ``smtp`` plugin to a local SMTP sink, against the sink's own rate.

    python bench/email.py [--recipients 5000] [--batch 500] [--rounds 5]

Starts an aiosmtpd sink in a process of its own, so that on a 2-CPU machine the plugin and the sink
do not take turns on one GIL (until issue 20 it ran in the bench's process). The sink offers
PIPELINING, as Postfix, Exchange and Gmail do (aiosmtpd reads pipelined commands but does not
announce them by itself). The bench sends ``--recipients`` rendered multipart emails through one
SmtpChannel in batches of ``--batch``, as dispatch hands them to one worker thread, so the plugin's
connection is reused across batches. Interleaved with it, in ``--rounds`` slices before, between
and after the plugin's (so that a busy moment of a shared machine weighs on both alike), it
measures the sink's own rate: a bare client on one connection sending pre-built minimal emails,
pipelined as the sink allows, with nothing built per email (until issue 20 that client was
aiosmtplib's, one command a round trip, measured once after the plugin). For information it also
gives the same client's rate with an email the size of the plugin's, which the sink reads slower.
Last line: ``emails_per_s=… sink_per_s=… recipients=… batch=… sink_ratio=…``, the ratio being
emails_per_s / sink_per_s.
"""

from __future__ import annotations

import pathlib
import sys

# This script is bench/email.py: its own folder must not shadow the standard library's email.
HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import argparse  # noqa: E402
import email.policy  # noqa: E402
import multiprocessing  # noqa: E402
import smtplib  # noqa: E402
import socket  # noqa: E402
import time  # noqa: E402
from email.message import EmailMessage  # noqa: E402

from aiosmtpd.controller import Controller  # noqa: E402

from channels.base import EmailEnvelope, Sent  # noqa: E402
from channels.email.smtp import SmtpChannel, SmtpConfig  # noqa: E402


class CountingSink:
    """Counts what it receives into a number the bench process reads; offers PIPELINING."""

    def __init__(self, received):
        self.received = received

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_DATA(self, server, session, envelope):
        self.received.value += 1
        return "250 OK"


def run_sink(port: int, received, ready, stop) -> None:
    controller = Controller(CountingSink(received), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def minimal_email() -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@bench.example.org", "b@bench.example.org", "x"
    message.set_content("x")
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


def bare_client(port: int, count: int, email: bytes) -> float:
    """Seconds to send ``email`` (pre-built, CRLF lines, no line starting with ".") ``count`` times
    on one connection, pipelined: each message goes in one write with the next MAIL, RCPT and DATA."""
    data = email + b".\r\n"
    opening = b"MAIL FROM:<a@bench.example.org>\r\nRCPT TO:<b@bench.example.org>\r\nDATA\r\n"
    client = smtplib.SMTP("127.0.0.1", port, local_hostname="bench.example.org")
    client.ehlo()
    assert client.has_extn("pipelining")
    started = time.perf_counter()
    client.send(opening)
    for n in range(count):
        for _ in range(3):  # MAIL, RCPT, DATA
            assert client.getreply()[0] in (250, 354)
        client.send(data + opening if n < count - 1 else data)
        assert client.getreply()[0] == 250
    elapsed = time.perf_counter() - started
    client.quit()
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5, help="slices the two runs are interleaved in")
    args = parser.parse_args(argv)
    processes = multiprocessing.get_context("fork")
    received, ready, stop = processes.Value("q", 0, lock=False), processes.Event(), processes.Event()
    port = free_port()
    sink = processes.Process(target=run_sink, args=(port, received, ready, stop), daemon=True)
    sink.start()
    try:
        if not ready.wait(30):
            raise SystemExit("the SMTP sink did not start")
        received_by_plugin = 0
        plugin = SmtpChannel(SmtpConfig(host="127.0.0.1", port=port, security="none",
                                        from_address="no-reply@bench.example.org"))
        envelopes = [EmailEnvelope(
            reference=str(n), message_id=1, to=f"parent{n}@families.example.org", recipient_name=f"Parent {n}",
            from_name="Lincoln High", subject="Picture day is Friday", text_body="Picture day is Friday.\n" * 20,
            html_body="<p>Picture day is <b>Friday</b>.</p>" * 20,
            unsubscribe_url=f"https://homeroom.example.org/unsubscribe/token-{n}") for n in range(args.recipients)]
        # Interleaved, so that both rates see the same machine: a slice of the sink's own rate
        # before each slice of the plugin's, and one after the last.
        minimal, per_round = minimal_email(), args.batch * max(1, args.recipients // args.batch // args.rounds)
        sink_s, sink_sent, plugin_s, sent, slices = 0.0, 0, 0.0, 0, 1
        for first in range(0, len(envelopes), per_round):
            slices += 1
            sink_s += bare_client(port, per_round, minimal)
            sink_sent += per_round
            received_before = received.value
            started = time.perf_counter()
            for start in range(first, min(first + per_round, len(envelopes)), args.batch):
                sent += sum(isinstance(o, Sent) for o in plugin.send(envelopes[start:start + args.batch]))
            plugin_s += time.perf_counter() - started
            received_by_plugin += received.value - received_before
        sink_s += bare_client(port, per_round, minimal)
        sink_sent += per_round
        close = getattr(plugin, "close", None)  # (main's plugin before issue 20 kept no connection)
        if close:
            close()
        # The sink's rate for emails the size of the plugin's (they take it longer to read than minimal ones).
        same_s = bare_client(port, args.recipients, plugin.build(envelopes[0]).as_bytes(policy=email.policy.SMTP))
    finally:
        stop.set()
        sink.join(10)
    assert sent == args.recipients == received_by_plugin, (sent, received_by_plugin)
    emails_per_s, sink_per_s = sent / plugin_s, sink_sent / sink_s
    print(f"smtp plugin: {sent:,} multipart emails in {plugin_s:.2f} s ({emails_per_s:,.0f}/s), "
          f"batches of {args.batch} through one plugin (its connection kept across batches)")
    print(f"sink (own process) with a bare pipelining client on one connection: {sink_sent:,} minimal emails in "
          f"{sink_s:.2f} s ({sink_per_s:,.0f}/s), in {slices} slices around the plugin's")
    print(f"sink with the same bare client and the plugin's first email pre-built: {args.recipients / same_s:,.0f}/s "
          f"(ratio {emails_per_s * same_s / args.recipients:.2f})")
    print(f"emails_per_s={emails_per_s:.0f} sink_per_s={sink_per_s:.0f} recipients={args.recipients} "
          f"batch={args.batch} sink_ratio={emails_per_s / sink_per_s:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
