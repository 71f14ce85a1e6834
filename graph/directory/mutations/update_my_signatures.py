"""updateMySignatures: save your email and SMS signatures (SET-07)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.permissions import Perm
from domain.directory.user_settings import SMS_SIGNATURE_MAX, save_signatures
from graph.context import Info
from graph.directory.settings import Signatures
from graph.errors import field_errors, perform
from graph.permissions import requires

#: An SMS signature past its length.
UpdateMySignaturesErrors = field_errors("UpdateMySignatures", ("TOO_LONG",))
UpdateMySignaturesResult = Annotated[Signatures | UpdateMySignaturesErrors, strawberry.union(
    "UpdateMySignaturesResult", description="Your signatures as stored, or TOO_LONG and nothing changed.")]


@strawberry.type
class UpdateMySignaturesMutation:
    @strawberry.mutation(**requires("Save your rich-text email signature and plain-text SMS signature "
                                    "(null or blank clears one). The email signature is stored as cleaned HTML (no scripts, "
                                    "event handlers or frames) and returned as stored (SET-07).",
                                    Perm.COMMUNICATION))
    def update_my_signatures(
            self, info: Info,
            email_signature: Annotated[str | None, strawberry.argument(
                description="The email signature as HTML; stored cleaned; null or blank clears it.")] = None,
            sms_signature: Annotated[str | None, strawberry.argument(description=(
                f"The SMS signature, plain text, at most {SMS_SIGNATURE_MAX} characters; null or blank clears it."))] = None,
    ) -> UpdateMySignaturesResult:
        def done(stored) -> Signatures:
            return Signatures(email_signature=stored[0], sms_signature=stored[1])

        return perform(info, lambda: save_signatures(info.context.session, info.context.viewer.id,
                                                     email_signature=email_signature, sms_signature=sms_signature),
                       refused=UpdateMySignaturesErrors.of, done=done)
