"""Delivery: the delivery policy, fan-out and hand-on, queue runs, lanes, dispatch (its steps in sending/), recovery, progress.

- ``callbacks``: A provider's webhook events, applied to the ledger, with the open counters of the messages whose deliveries they settled.
- ``attempts``: A delivery's attempt history (one row per provider call), read for a page of deliveries in one statement.
- ``dispatch``: Dispatch: claim a chunk of deliveries, send it through the channel's plugin, record outcomes.
- ``fan_out``: Fan-out: write every delivery row of a message in one INSERT … SELECT over its resolution, and hand a message's queued deliveries on to dispatch.
- ``lanes``: Priority lanes (CMP-07): emergency calls and SMS first, then priority messages, then the rest.
- ``policy``: The delivery policy: each rule of how deliveries reach dispatch, stated once (issue 14 point 2).
- ``progress_events``: The progress event bus: "message N changed" notices from whoever changes deliveries (fan-out, dispatch, the queue run) to whoever streams progress (the messageProgress subscription).
- ``redis_listener``: One Redis pub/sub connection per event loop, fanned out to that loop's local subscribers (the bus in production).
- ``queue_run``: The communication queue: what a queue run (JOB/SCH "the queue runs every N seconds") hands to dispatch. The database is the source of truth: a run that dies, or a queue message that is lost, is made good by the next run.
- ``recovery``: Deliveries a crash left in SENDING: the claim committed, the outcome never did.
- ``services``: What delivery needs from its process, handed down by the shell's runtime (homeroom.runtime): the pacer, the progress bus and the deployment's links. Nothing here reads settings.
- ``sending/``: Sending: what dispatch does between claim and record: envelopes, pacing, plugin batches, outcome decisions, ledger writes.
"""
