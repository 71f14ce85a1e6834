"""Handing one batch of envelopes to a channel plugin, so that one envelope's fault fails that
envelope alone (issue 13 point 10).

A plugin should return a PermanentFailure for an envelope it cannot send; one that raises instead
would fail or retry the whole batch, good recipients included. So when ``send`` raises for a batch,
the envelope at fault is found by sending the rest one at a time, and it alone fails with
``PLUGIN_ERROR``.

Nothing is sent twice that the core can know about: a plugin that raised mid-batch may have sent
some envelopes already, and those its ``reconcile`` reports as SENT are recorded, not resent. The
others go again under the same reference, the delivery id, which providers take as the
idempotency key (and which makes an email's Message-ID, so mail clients show a repeat once). That
is the choice made here: rely on the key rather than fail good recipients whose fate is unknown,
as the whole-batch retry before it already resent them, up to five times.
"""

from __future__ import annotations

import logging

from channels.base import Envelope, Outcome, PermanentFailure, Reconciled, Retryable, Sent
from domain.delivery.sending.pacing import Pacer

log = logging.getLogger(__name__)

#: The code of a delivery whose plugin raised instead of returning its outcome.
PLUGIN_ERROR = "PLUGIN_ERROR"
#: While isolating, this many envelopes raising on their own with no other answered, and then the
#: batch's last one too, means the plugin itself is failing (its provider is down), not one
#: envelope: the rest are left to retry. The last is tried so that bad envelopes leading a batch
#: (they lead it again on every retry) cannot hold back the good ones behind them.
PLUGIN_FAILING_AFTER = 3


def send_batch(plugin, envelopes: list[Envelope], rate: float | None = None,
               pacer: Pacer | None = None) -> list[Outcome]:
    """``plugin.send``; when it raises for a batch, ``_isolate`` finds the envelope at fault (paced
    by ``pacer`` at ``rate`` when the plugin declares one)."""
    try:
        return plugin.send(envelopes)
    except Exception as error:  # a plugin bug must not lose the batch
        # The class only: the exception's text and traceback may hold recipients' addresses.
        log.error("plugin %s raised %s while sending %d envelopes", plugin.name, type(error).__name__,
                  len(envelopes))
        if len(envelopes) == 1:  # nothing to tell apart: the whole plugin may be failing
            return [_plugin_error(plugin, envelopes[0], error, alone=False)]
        return _isolate(plugin, envelopes, rate, pacer)


def _isolate(plugin, envelopes: list[Envelope], rate: float | None, pacer: Pacer | None) -> list[Outcome]:
    """After a batch raised: what the provider already has (``reconcile``) is Sent; the rest are
    sent one at a time, paced as the batch was. One that raises alone fails alone, permanently,
    once another envelope was answered; while none was (PLUGIN_FAILING_AFTER, then the last), the
    plugin rather than the envelope is at fault, and everything left is retried later as before."""
    known = _reconciled(plugin, [envelope.reference for envelope in envelopes])
    outcomes: list[Outcome] = []
    raised: list[tuple[Envelope, Exception]] = []
    answered, probed_the_end, pending = False, False, list(envelopes)
    while pending:
        if not answered and len(raised) >= PLUGIN_FAILING_AFTER:
            if probed_the_end:
                outcomes += [Retryable(envelope.reference, None, PLUGIN_ERROR, "the plugin is failing")
                             for envelope in pending]
                break
            envelope, probed_the_end = pending.pop(), True
        else:
            envelope = pending.pop(0)
        if known.get(envelope.reference) is Reconciled.SENT:
            outcomes.append(Sent(envelope.reference))
            answered = True
        else:
            if rate and pacer is not None:
                pacer.wait_for_slots(plugin.name, rate, 1)
            try:
                outcomes.extend(plugin.send([envelope]))
                answered = True
            except Exception as error:
                raised.append((envelope, error))
    outcomes += [_plugin_error(plugin, envelope, error, alone=answered) for envelope, error in raised]
    if raised and answered:
        log.warning("plugin %s raised for %d of %d envelopes sent one at a time; they failed alone",
                    plugin.name, len(raised), len(envelopes))
    return outcomes


def _reconciled(plugin, references: list[str]) -> dict[str, Reconciled]:
    try:
        return plugin.reconcile(references)
    except Exception as error:  # reconcile is advice: without it every reference is UNKNOWN
        log.error("plugin %s raised %s in reconcile", plugin.name, type(error).__name__)
        return {}


def _plugin_error(plugin, envelope: Envelope, error: Exception, *, alone: bool) -> Outcome:
    """The error's class only: its message may hold the recipient's details."""
    if alone:
        return PermanentFailure(envelope.reference, PLUGIN_ERROR,
                                f"the {plugin.name} plugin raised {type(error).__name__} for this delivery alone")
    return Retryable(envelope.reference, None, PLUGIN_ERROR, type(error).__name__)
