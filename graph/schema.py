"""The schema root: Query and Mutation composed from per-domain mixins, plus safety limits."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection, MaskErrors, MaxAliasesLimiter, QueryDepthLimiter

from graph.directory.queries import DirectoryQueries
from graph.messages.caller_ids import CallerIdMutations, CallerIdQueries
from graph.messages.mutations.send_message import MessageMutations
from graph.messages.drafts import DraftMutations
from graph.messages.imports import ImportMutations, ImportQueries
from graph.messages.insert_fields import InsertFieldQueries
from graph.messages.plan import PlanQueries
from graph.messages.flagged_words import FlaggedWordsMutations
from graph.messages.progress import ProgressSubscriptions
from graph.messages.push import PushMutations, PushQueries
from graph.messages.queries import MessageQueries
from graph.messages.reenrolment_forms import ReenrolmentFormMutations, ReenrolmentFormQueries
from graph.messages.reports import RecallMutations, ReportMutations, ReportQueries
from graph.messages.schedules import ScheduleMutations, ScheduleQueries
from graph.messages.sms import SmsQueries
from graph.viewer.queries import ViewerQueries
from graph.viewer.settings import SettingsMutations, SettingsQueries

MAX_QUERY_DEPTH = 10
MAX_ALIASES = 20


@strawberry.type
class Query(ViewerQueries, DirectoryQueries, MessageQueries, PlanQueries, ImportQueries, ReportQueries,
            ScheduleQueries, PushQueries, ReenrolmentFormQueries, SettingsQueries, InsertFieldQueries,
            SmsQueries, CallerIdQueries):
    pass


@strawberry.type
class Mutation(MessageMutations, DraftMutations, ImportMutations, ReportMutations, ScheduleMutations,
               RecallMutations, PushMutations, SettingsMutations, FlaggedWordsMutations, ReenrolmentFormMutations,
               CallerIdMutations):
    pass


@strawberry.type
class Subscription(ProgressSubscriptions):
    pass


def _is_unexpected(error: GraphQLError) -> bool:
    """Mask exceptions we did not raise on purpose; keep coded errors and validation errors."""
    if error.extensions and "code" in error.extensions:
        return False
    return error.original_error is not None and not isinstance(error.original_error, GraphQLError)


def build_schema(*, development: bool, introspection: bool = True) -> strawberry.Schema:
    extensions: list = [
        lambda: QueryDepthLimiter(max_depth=MAX_QUERY_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
    ]
    if not introspection:  # HOMEROOM_GRAPHQL_INTROSPECTION; the SDL export does not need it
        extensions.append(DisableIntrospection)
    if not development:
        extensions.append(lambda: MaskErrors(should_mask_error=_is_unexpected, error_message="Internal server error"))
    return strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions)


def export_sdl() -> str:
    return build_schema(development=False).as_str() + "\n"
