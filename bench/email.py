"""Emails per second through the ``smtp`` plugin to a local SMTP sink, with connection reuse.

    python bench/email.py [--recipients 5000] [--batch 500]

Starts an aiosmtpd sink on a free local port, sends ``--recipients`` rendered emails through
SmtpChannel in batches (one connection per batch, as dispatch hands them out), and, in the same
run, measures the sink's own receive rate with a bare aiosmtplib client sending the same number of
pre-built minimal messages over one connection. Last line: ``emails_per_s=… sink_per_s=…``.
"""

from __future__ import annotations

import pathlib
import sys

# This script is bench/email.py: its own folder must not shadow the standard library's email.
HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import argparse  # noqa: E402
import asyncio  # noqa: E402
import socket  # noqa: E402
import time  # noqa: E402
from email.message import EmailMessage  # noqa: E402

import aiosmtplib  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402

from channels.base import EmailEnvelope, Sent  # noqa: E402
from channels.email.smtp import SmtpChannel, SmtpConfig  # noqa: E402


class CountingSink:
    def __init__(self):
        self.received = 0

    async def handle_DATA(self, server, session, envelope):
        self.received += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def bare_client(port: int, count: int) -> float:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@bench.example.org", "b@bench.example.org", "x"
    message.set_content("x")
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await client.connect()
    started = time.perf_counter()
    for _ in range(count):
        await client.send_message(message)
    elapsed = time.perf_counter() - started
    await client.quit()
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args(argv)
    sink = CountingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        plugin = SmtpChannel(SmtpConfig(host="127.0.0.1", port=controller.port, security="none",
                                        from_address="no-reply@bench.example.org"))
        envelopes = [EmailEnvelope(
            reference=str(n), message_id=1, to=f"parent{n}@families.example.org", recipient_name=f"Parent {n}",
            from_name="Lincoln High", subject="Picture day is Friday", text_body="Picture day is Friday.\n" * 20,
            html_body="<p>Picture day is <b>Friday</b>.</p>" * 20,
            unsubscribe_url=f"https://homeroom.example.org/unsubscribe/token-{n}") for n in range(args.recipients)]
        started = time.perf_counter()
        sent = 0
        for start in range(0, len(envelopes), args.batch):
            sent += sum(isinstance(o, Sent) for o in plugin.send(envelopes[start:start + args.batch]))
        plugin_s = time.perf_counter() - started
        received_by_plugin = sink.received
        sink_s = asyncio.run(bare_client(controller.port, args.recipients))
    finally:
        controller.stop()
    assert sent == args.recipients == received_by_plugin, (sent, received_by_plugin)
    emails_per_s, sink_per_s = sent / plugin_s, args.recipients / sink_s
    print(f"smtp plugin: {sent:,} multipart emails in {plugin_s:.2f} s ({emails_per_s:,.0f}/s), "
          f"batches of {args.batch}, one connection each")
    print(f"sink with a bare client on one connection: {args.recipients:,} minimal emails in {sink_s:.2f} s "
          f"({sink_per_s:,.0f}/s)")
    print(f"emails_per_s={emails_per_s:.0f} sink_per_s={sink_per_s:.0f} recipients={args.recipients} batch={args.batch}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
