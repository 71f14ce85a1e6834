"""GraphQL for delivery: live progress.

- ``progress``: messageProgress: a message's delivery counts and status, streamed live over WebSocket (graphql-transport-ws) to partners, until the message completes.
"""
