"""`homeroom inbound-smtp`: an SMTP server (aiosmtpd) for the reply domain.

It accepts mail for genuine reply addresses (reply+<delivery>.<mac>@<reply domain>) and for
``bounces@<reply domain>`` (set it as the smtp plugin's ``envelope_sender`` so delivery status
notifications come here), refuses any other recipient with 550 before the data is sent, and files
what it accepts (domain.inbound_email).
"""

from __future__ import annotations

import logging

from aiosmtpd.controller import Controller
from sqlalchemy.engine import Engine

from domain.inbound_email import receive
from domain.reply_tokens import delivery_of
from models.db import session_scope

log = logging.getLogger(__name__)
BOUNCES = "bounces"


class InboundHandler:
    def __init__(self, engine: Engine, reply_domain: str):
        self.engine, self.domain = engine, reply_domain.lower()
        self.results: list = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local, _, domain = address.rpartition("@")
        if domain.lower() != self.domain:
            return "550 5.1.1 Not a mailbox of this server"
        if local.lower() != BOUNCES and delivery_of(address) is None:
            return "550 5.7.1 Unknown or forged reply address"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        from starlette.concurrency import run_in_threadpool

        def file_it():
            with session_scope(self.engine) as db:
                return receive(db, list(envelope.rcpt_tos), envelope.original_content or envelope.content)

        try:
            results = await run_in_threadpool(file_it)
        except Exception:  # noqa: BLE001
            log.exception("could not file an inbound message")
            return "451 4.3.0 Try again later"
        self.results.extend(results)
        return "250 Message accepted"


def start(engine: Engine, reply_domain: str, host: str, port: int) -> Controller:
    controller = Controller(InboundHandler(engine, reply_domain), hostname=host, port=port)
    controller.start()
    return controller
