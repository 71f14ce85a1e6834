"""Delivery: the delivery policy, fan-out and hand-on, queue runs, lanes, dispatch, envelopes, pacing, ledger writes, recovery, progress.

- ``dispatch``: Dispatch: claim a chunk of deliveries, send it through the channel's plugin, record outcomes.
- ``envelopes``: Envelopes: what each claimed delivery becomes for its channel's plugin.
- ``fan_out``: Fan-out: write every delivery row of a message in one INSERT … SELECT over its resolution, and hand a message's queued deliveries on to dispatch.
- ``lanes``: Priority lanes (CMP-07): emergency calls and SMS first, then priority messages, then the rest.
- ``ledger_writes``: Bulk writes of dispatch outcomes to the ledger, fast on both backends.
- ``pacing``: Pacing: a plugin that declares ``rate_per_second`` is never handed more than that, across every worker process.
- ``plugin_batches``: Handing one batch of envelopes to a channel plugin, so that one envelope's fault fails that envelope alone (issue 13 point 10).
- ``policy``: The delivery policy: each rule of how deliveries reach dispatch, stated once (JOB-04, chunk sizes and lanes, plugin capabilities, completion, work after the commit).
- ``progress_events``: The progress event bus: "message N changed" notices from whoever changes deliveries (fan-out, dispatch, the queue run) to whoever streams progress (the messageProgress subscription).
- ``queue_run``: The communication queue: what a queue run (JOB/SCH "the queue runs every N seconds") hands to dispatch. The database is the source of truth: a run that dies, or a queue message that is lost, is made good by the next run.
- ``recovery``: Deliveries a crash left in SENDING: the claim committed, the outcome never did.
- ``services``: What delivery needs from its process, handed down by the shell's runtime: the pacer, the progress bus and the deployment's links.
"""
