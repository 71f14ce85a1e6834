"""Fixtures of the inbound tests: `homeroom inbound-smtp`'s server, listening for replies and bounces."""

from __future__ import annotations

import pytest

from homeroom.inbound_smtp import start
from inbound_mail import DOMAIN
from peers.smtp_sink import free_port
from jobs.runtime import current



@pytest.fixture
def inbound(engine):
    port = free_port()
    controller = start(engine, DOMAIN, "127.0.0.1", port, current().links.keys, current().reply_filer)
    yield port
    controller.stop()
