"""Sending: what dispatch does between claim and record: envelopes, pacing, plugin batches, outcome decisions, ledger writes.

- ``decisions``: What each plugin outcome does to its delivery's ledger row: a pure ``decide(row, outcome)`` written with ``match``, and the retry rules it applies (JOB-05: a provider's Retry-After wins, then doubling back-off; a sent delivery is never sent again).
- ``envelopes``: Envelopes: what each claimed delivery becomes for its channel's plugin.
- ``ledger_writes``: Bulk writes of dispatch outcomes to the ledger, fast on both backends.
- ``pacing``: Pacing: a plugin that declares ``rate_per_second`` is never handed more than that, across every worker process.
- ``plugin_batches``: Handing one batch of envelopes to a channel plugin, so that one envelope's fault fails that envelope alone (issue 13 point 10).
"""
