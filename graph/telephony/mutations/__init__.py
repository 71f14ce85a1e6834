"""Telephony mutations, one a module; ``TelephonyMutations`` composes them for graph.schema.

- ``create_caller_id``: createCallerId: add a caller ID number (CID-01).
- ``delete_caller_id``: deleteCallerId: delete a caller ID number; a District Default one needs district settings (CID-06).
- ``import_caller_ids``: importCallerIds: caller IDs from CSV; every bad row is reported, then nothing is imported (CID-08).
- ``place_test_call``: placeTestCall: call a number you type with the call text as composed (VOI-09).
- ``update_caller_id``: updateCallerId: change a caller ID number (CID-01); a District Default one needs district settings (CID-06).
"""

from __future__ import annotations

import strawberry

from graph.telephony.mutations.create_caller_id import CreateCallerIdMutation
from graph.telephony.mutations.delete_caller_id import DeleteCallerIdMutation
from graph.telephony.mutations.import_caller_ids import ImportCallerIdsMutation
from graph.telephony.mutations.place_test_call import PlaceTestCallMutation
from graph.telephony.mutations.update_caller_id import UpdateCallerIdMutation


@strawberry.type
class TelephonyMutations(CreateCallerIdMutation, UpdateCallerIdMutation, DeleteCallerIdMutation,
                         ImportCallerIdsMutation, PlaceTestCallMutation):
    pass
