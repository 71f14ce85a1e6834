"""GraphQL for access: the viewer and what they may do.

- ``mutations``: createPartnerKey, rotatePartnerKey, revokePartnerKey (issue 16 point 3), one a module.
- ``partner_keys``: The partner scope enum, the partner key type, the partnerKeys list.
- ``queries``: The viewer query.
- ``types``: The viewer: who is signed in and what they may do.
"""
