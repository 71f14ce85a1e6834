"""GraphQL for access: the viewer and what they may do.

- ``queries``: The viewer query.
- ``types``: The viewer: who is signed in and what they may do.
"""
