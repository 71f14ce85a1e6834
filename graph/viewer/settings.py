"""The viewer's own settings: signatures (SET-07)."""

from __future__ import annotations

import strawberry
from sqlalchemy import update

from graph.context import Info
from graph.permissions import requires
from models.directory import User

SMS_SIGNATURE_MAX = 300


@strawberry.type(description="The viewer's signatures, appended only when a message sets includeSignature (CMP-24).")
class Signatures:
    email_signature: str | None
    sms_signature: str | None


@strawberry.type
class SettingsMutations:
    @strawberry.mutation(**requires("SET-07: save your rich-text email signature and plain-text SMS signature "
                                    "(null clears one)."))
    def update_my_signatures(self, info: Info, email_signature: str | None = None,
                             sms_signature: str | None = None) -> Signatures:
        if sms_signature is not None and len(sms_signature) > SMS_SIGNATURE_MAX:
            from graphql import GraphQLError

            raise GraphQLError(f"smsSignature is longer than {SMS_SIGNATURE_MAX} characters",
                               extensions={"code": "BAD_USER_INPUT", "field": "smsSignature"})
        session = info.context.session
        session.execute(update(User).where(User.id == info.context.viewer.id).values(
            email_signature=email_signature, sms_signature=sms_signature))
        session.commit()
        return Signatures(email_signature=email_signature, sms_signature=sms_signature)
