"""Report mutations, one a module; ``ReportMutations`` composes them for graph.schema.

- ``resend_to_failed``: resendToFailed: queue a message's FAILED deliveries again, and only those (RPT-*).
"""

from __future__ import annotations

import strawberry

from graph.reports.mutations.resend_to_failed import ResendToFailedMutation


@strawberry.type
class ReportMutations(ResendToFailedMutation):
    pass
