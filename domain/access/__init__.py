"""Access: who the viewer is, and what they may do and reach.

- ``identities``: Who a person signed in at an OpenID Provider is: linked by (issuer, subject), first by verified email.
- ``message_scope``: Which messages a viewer reaches: those whose report they may read, and their own that can still change. Out-of-scope rows are simply not found (MessageNotFound).
- ``partner_keys``: Partner keys: created, listed, rotated with a grace period, revoked, and checked on every request that bears one (issue 16 point 3).
- ``permissions``: The permission catalogue: every PERM-* permission of REQUIREMENTS.md as one table.
- ``refresh_tokens``: The token exchange's refresh tokens: stored hashed, rotated on use, reuse ends the family.
- ``scope``: Scoped selects: what a viewer can reach. Out-of-scope rows are simply not found (RCP-17, RCP-20).
- ``scopes``: Partner-key scopes, declared on each GraphQL field beside its permissions; a key's grant.
- ``viewer``: Who is calling: the user, their profiles, effective permissions and reachable scope.
"""
