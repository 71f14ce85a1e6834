"""`homeroom inbound-smtp`: an SMTP server (aiosmtpd) for the reply domain.

It accepts mail only for genuine, current signed addresses of the reply domain: reply addresses
(``reply+<token>@``, the Reply-To of emails that allow replies) and bounce addresses
(``bounce+<token>@``, each email's own return path, where delivery status notifications come).
Any other recipient, ``bounces@`` included, is refused with 550 before the data is sent. What it
accepts is filed by domain.inbound.inbound_email.

A message that cannot be processed (an unknown charset that still breaks, a malformed report) is
refused with 550, so the sender gives up; only trouble worth retrying (the database is down) is
answered 451.
"""

from __future__ import annotations

import logging

from aiosmtpd.controller import Controller
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from domain.inbound.inbound_email import is_transient, receive, where
from domain.inbound.replies import ThreadFiler
from domain.inbound.reply_tokens import BOUNCE_PREFIX, PREFIX, delivery_made_at, read_address
from domain.support.signed_ids import BOUNCE, REPLY, BadSignedId, ExpiredSignedId, SigningKeys
from models.db import session_scope

log = logging.getLogger(__name__)


class InboundHandler:
    def __init__(self, engine: Engine, reply_domain: str, keys: SigningKeys, filer: ThreadFiler | None = None):
        self.engine, self.domain = engine, reply_domain.lower()
        self.keys, self.filer = keys, filer
        self.results: list = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local, _, domain = address.rpartition("@")
        if domain.lower() != self.domain:
            return "550 5.1.1 Not a mailbox of this server"
        purpose = REPLY if local.startswith(PREFIX) else BOUNCE if local.startswith(BOUNCE_PREFIX) else None
        if purpose is None:
            return "550 5.1.1 No such mailbox"

        def read() -> int:
            with session_scope(self.engine) as db:  # a legacy reply address is dated by its delivery
                return read_address(purpose, address, self.keys, issued_at=delivery_made_at(db))

        try:
            await run_in_threadpool(read)
        except ExpiredSignedId:
            return "550 5.7.1 This address has expired"
        except BadSignedId:
            return "550 5.7.1 Unknown or forged address"
        except Exception as error:  # noqa: BLE001 - only a legacy address touches the database
            log.warning("could not check a recipient address (%s)", where(error))
            return "451 4.3.0 Try again later" if is_transient(error) else "550 5.7.1 Unknown or forged address"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        def file_it():
            with session_scope(self.engine) as db:
                return receive(db, list(envelope.rcpt_tos), envelope.original_content or envelope.content, self.keys,
                               filer=self.filer)

        try:
            results = await run_in_threadpool(file_it)
        except Exception as error:  # noqa: BLE001
            if is_transient(error):
                log.warning("could not file an inbound message (%s); the sender will retry", where(error))
                return "451 4.3.0 Try again later"
            log.error("refused an inbound message that could not be processed (%s)", where(error))
            return "550 5.6.0 The message could not be processed"
        self.results.extend(results)
        return "250 Message accepted"


def start(engine: Engine, reply_domain: str, host: str, port: int, keys: SigningKeys,
          filer: ThreadFiler | None = None) -> Controller:
    """``filer``: how an account holder's answer is filed in their thread (the runtime's reply_filer)."""
    controller = Controller(InboundHandler(engine, reply_domain, keys, filer), hostname=host, port=port)
    controller.start()
    return controller
