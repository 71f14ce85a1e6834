"""setSmsHelpText: the district's answer to an inbound SMS HELP."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.directory.district_preferences import SMS_HELP_TEXT_MAX, set_sms_help_text as store_help_text
from graph.context import Info
from graph.errors import field_errors, perform
from graph.permissions import requires_district_settings


@strawberry.type(description="The district's answer to an inbound SMS HELP.")
class SmsHelpText:
    text: str | None = strawberry.field(description="As stored (trimmed); null: the default answer.")


#: Blank, or past SMS_HELP_TEXT_MAX characters.
SetSmsHelpTextErrors = field_errors("SetSmsHelpText", ("REQUIRED", "TOO_LONG"))
SetSmsHelpTextResult = Annotated[SmsHelpText | SetSmsHelpTextErrors, strawberry.union(
    "SetSmsHelpTextResult", description="The answer as stored, or why nothing changed (REQUIRED, TOO_LONG).")]


@strawberry.type
class SetSmsHelpTextMutation:
    @strawberry.mutation(**requires_district_settings(
        f"The district's answer to an inbound SMS HELP (at most {SMS_HELP_TEXT_MAX} characters); null restores the "
        "default."))
    def set_sms_help_text(self, info: Info, text: Annotated[str | None, strawberry.argument(description=(
            f"The answer, trimmed, at most {SMS_HELP_TEXT_MAX} characters; blank is REQUIRED; null: the default "
            "answer."))] = None) -> SetSmsHelpTextResult:
        return perform(info, lambda: store_help_text(info.context.session, text),
                       refused=SetSmsHelpTextErrors.of, done=lambda stored: SmsHelpText(text=stored))
