"""Access: who the viewer is, what they may do and reach, and what they may compose.

- ``compose``: What a viewer may compose: recipient types, channels and options, from the catalogue.
- ``permissions``: The permission catalogue: every PERM-* permission of REQUIREMENTS.md as one table.
- ``scope``: Scoped selects: what a viewer can reach. Out-of-scope rows are simply not found (RCP-17, RCP-20).
- ``viewer``: Who is calling: the user, their profiles, effective permissions and reachable scope.
"""
