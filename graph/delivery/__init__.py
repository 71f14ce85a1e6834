"""GraphQL for delivery: live progress.

- ``progress``: messageProgress: a message's delivery counts and status, streamed live over WebSocket (graphql-transport-ws) to partners, until the message completes.
- ``progress_watch``: One watch per followed message in this process: one read per burst of notices per delivery scope, for all its subscribers.
- ``progress_types``: MessageProgress and the ways a follower's access ends.
"""
