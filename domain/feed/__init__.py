"""The delivery feed (issue 16 point 4), its own area: every ledger status change as an event with a
cursor that never skips, paged by a query and followed by a subscription, kept for a retention period.

- ``positions``: where a reader is in the feed, ``(tx, id)``, and its opaque cursor.
- ``reading``: one page of events after a position within a scope, below the commit horizon (for the
  query, among a bounded window of the feed, with where the page stopped looking).
- ``scope``: which events a viewer may see (a partner key's schools; a staff user's readable messages).
- ``retention``: pruning the oldest events in bounded batches, and the mark that expires old cursors.
- ``hub``: one tail reader per process that fans new events out to its local followers.
- ``follow``: one follower: replay from a cursor, then stream from the hub, with no loss or repeat.

The events themselves are written by database triggers (models/delivery_events.py).
"""
