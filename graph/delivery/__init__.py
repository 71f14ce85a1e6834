"""GraphQL for delivery: live progress and the delivery feed.

- ``feed``: deliveryEvents, the query that pages the delivery feed after a cursor and the subscription that replays from one and then streams (issue 16 point 4).
- ``progress``: messageProgress: a message's delivery counts and status, streamed live over WebSocket (graphql-transport-ws) to partners, until the message completes.
"""
