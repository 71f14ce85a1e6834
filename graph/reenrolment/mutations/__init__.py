"""Re-enrolment form mutations, one a module; ``ReenrolmentMutations`` composes them for graph.schema.

- ``remove_reenrolment_form``: removeReenrolmentForm: the job then publishes nothing to that audience (JOB-07).
- ``set_reenrolment_form``: setReenrolmentForm: the form sent to an audience whose number is unreachable (JOB-06).
"""

from __future__ import annotations

import strawberry

from graph.reenrolment.mutations.remove_reenrolment_form import RemoveReenrolmentFormMutation
from graph.reenrolment.mutations.set_reenrolment_form import SetReenrolmentFormMutation


@strawberry.type
class ReenrolmentMutations(SetReenrolmentFormMutation, RemoveReenrolmentFormMutation):
    pass
