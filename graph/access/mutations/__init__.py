"""Access mutations, one a module; ``AccessMutations`` composes them for graph.schema.

- ``create_partner_key``: createPartnerKey: a scoped key for a partner; its secret is shown once (issue 16 point 3).
- ``rotate_partner_key``: rotatePartnerKey: a new secret, the old one valid for a grace period.
- ``revoke_partner_key``: revokePartnerKey: the key stops working at once.
"""

from __future__ import annotations

import strawberry

from graph.access.mutations.create_partner_key import CreatePartnerKeyMutation
from graph.access.mutations.revoke_partner_key import RevokePartnerKeyMutation
from graph.access.mutations.rotate_partner_key import RotatePartnerKeyMutation


@strawberry.type
class AccessMutations(CreatePartnerKeyMutation, RotatePartnerKeyMutation, RevokePartnerKeyMutation):
    pass
