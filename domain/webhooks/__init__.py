"""Outbound webhooks per the Standard Webhooks specification (issue 16 point 5).

- ``config``: what the shell decides (URL policy, timeout, retry schedule, when to disable);
- ``urls``: which URLs may receive webhooks (https in production, never private ranges), checked
  when an endpoint is saved and again before every send (DNS rebinding);
- ``signing``: secrets (``whsec_…``), message ids and the three signed headers;
- ``endpoints``: registering, changing, enabling, deleting endpoints and rotating their secret;
- ``events``: the event types, the payload, and emitting messages to the endpoints that want an
  event (``message.completed`` here, from the dispatch that completes a message);
- ``feed``: the seam ``delivery.updated`` reads: the next ledger changes after a cursor;
- ``pump``: the periodic step: feed batches to endpoints, completions a lost job missed, sends overdue;
- ``sending``: one attempt: claim, sign, POST, record, schedule the retry or disable the endpoint;
- ``listing``: what administrators read (endpoints, messages, attempts, notices);
- ``jobs``: the port the actors implement (domain must not import jobs).
"""
