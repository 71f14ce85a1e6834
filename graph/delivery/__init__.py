"""GraphQL for delivery: live progress and the delivery feed.

- ``feed``: deliveryEvents, the query that pages the delivery feed after a cursor and the subscription that replays from one and then streams (issue 16 point 4).
- ``progress``: messageProgress: a message's delivery counts and status, streamed live over WebSocket (graphql-transport-ws) to partners, until the message completes.
- ``progress_watch``: One watch per followed message in this process: one read per burst of notices per delivery scope, for all its subscribers.
- ``progress_types``: MessageProgress and the ways a follower's access ends.
"""
