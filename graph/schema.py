"""The schema root: Query and Mutation composed from per-domain mixins, plus safety limits (a document's
tokens, length, depth and aliases; nothing heavy on the event loop)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError
from starlette.concurrency import run_in_threadpool
from strawberry.extensions import DisableIntrospection, MaskErrors, MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types.graphql import OperationType

from graph.access.mutations import AccessMutations
from graph.access.partner_keys import PartnerKeyQueries
from graph.access.queries import ViewerQueries
from graph.audit.disclosures import AuditReturnedDisclosures
from graph.audit.queries import AuditQueries
from graph.conversations.mutations import ConversationMutations
from graph.conversations.queries import ConversationQueries
from graph.conversations.referral_requests import ReferralSubscriptions
from graph.conversations.subscriptions import InboxSubscriptions
from graph.delivery.feed import FeedQueries, FeedSubscriptions
from graph.delivery.progress import ProgressSubscriptions
from graph.directory.mutations import DirectoryMutations
from graph.directory.queries import DirectoryQueries
from graph.error_codes import EveryErrorHasACode, EveryStreamedErrorHasACode
from graph.errors import document_error_codes
from graph.messages.alerts import AlertQueries
from graph.messages.drafts import DraftQueries
from graph.messages.imports import ImportQueries
from graph.messages.insert_fields import InsertFieldQueries
from graph.messages.mutations import MessageMutations
from graph.messages.queries import MessageQueries
from graph.messages.sms import SmsQueries
from graph.recipients.queries import PlanQueries
from graph.reenrolment.mutations import ReenrolmentMutations
from graph.reenrolment.queries import ReenrolmentFormQueries
from graph.reports.mutations import ReportMutations
from graph.reports.queries import ReportQueries
from graph.scheduling.mutations import ScheduleMutations
from graph.scheduling.queries import ScheduleQueries
from graph.shared_results import SharedEventExecutionContext
from graph.telephony.mutations import TelephonyMutations
from graph.telephony.queries import CallerIdQueries
from graph.webhooks.mutations import WebhookMutations
from graph.webhooks.queries import WebhookQueries

MAX_QUERY_DEPTH = 10
MAX_ALIASES = 20
#: A document's token budget (as GraphQL Armor's default). Validation is quadratic in repeated
#: fields: 1,000 tokens cost at most ~0.25 s of it, 2,000 tokens of fragments cost ~2.5 s.
MAX_QUERY_TOKENS = 1000
#: And its length: lexing costs ~0.2 s per MB of string literal. Values belong in variables,
#: which the request body limit bounds.
MAX_QUERY_CHARACTERS = 100_000


@strawberry.type
class Query(ViewerQueries, DirectoryQueries, MessageQueries, ConversationQueries, PlanQueries, ImportQueries,
            ReportQueries, ScheduleQueries, ReenrolmentFormQueries, InsertFieldQueries, SmsQueries, CallerIdQueries,
            DraftQueries, AlertQueries, PartnerKeyQueries, WebhookQueries, AuditQueries, FeedQueries):
    pass


@strawberry.type
class Mutation(MessageMutations, ScheduleMutations, ReportMutations, DirectoryMutations, ReenrolmentMutations,
               TelephonyMutations, ConversationMutations, AccessMutations, WebhookMutations):
    pass


document_error_codes(Query)
document_error_codes(Mutation)


@strawberry.type
class Subscription(ProgressSubscriptions, FeedSubscriptions, InboxSubscriptions, ReferralSubscriptions):
    pass


def _is_unexpected(error: GraphQLError) -> bool:
    """Mask exceptions we did not raise on purpose; keep coded errors and validation errors."""
    if error.extensions and "code" in error.extensions:
        return False
    return error.original_error is not None and not isinstance(error.original_error, GraphQLError)


class QueryTokenLimiter(MaxTokensLimiter):
    """strawberry's token budget and a length cap, enforced while the document is parsed, with a
    code on the error they cause."""

    def on_operation(self) -> Iterator[None]:
        self.execution_context.parse_options["max_source_length"] = MAX_QUERY_CHARACTERS
        yield from super().on_operation()

    def on_parse(self) -> Iterator[None]:
        yield
        for error in self.execution_context.pre_execution_errors or ():
            if isinstance(error, GraphQLSyntaxError) and "Parsing aborted" in error.message:
                error.extensions = {"code": "QUERY_TOO_LARGE", "maxTokens": self.max_token_count,
                                    "maxCharacters": MAX_QUERY_CHARACTERS}
                # The size is the problem, not a place: without a location the error (and its log
                # line) does not echo up to 100 KB of the document.
                error.source = error.positions = error.locations = None


class KeepTheEventLoopFree(SchemaExtension):
    """Operations run on worker threads (homeroom.routes.graphql), except a WebSocket's
    subscriptions, which start on the event loop where every other client waits on them: their
    validation, ~0.25 s at the token budget, moves to a thread (their resolvers read on threads).
    A query or mutation never runs there: BAD_REQUEST, should one reach it."""

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        if not getattr(context.context, "on_worker_thread", False) and context.pre_execution_errors is None:
            if context.operation_type is not OperationType.SUBSCRIPTION:
                context.pre_execution_errors = [GraphQLError(
                    "A WebSocket carries subscriptions; send queries and mutations to POST /graphql.",
                    extensions={"code": "BAD_REQUEST"})]
            elif context.validation_rules:
                context.pre_execution_errors = await run_in_threadpool(
                    validate_document, context.schema._schema, context.graphql_document, context.validation_rules)
        yield


def build_schema(*, development: bool, introspection: bool = True) -> strawberry.Schema:
    extensions: list = [
        EveryErrorHasACode,  # first, so it ends last: after MaskErrors (graph.error_codes)
        lambda: QueryTokenLimiter(max_token_count=MAX_QUERY_TOKENS),
        lambda: QueryDepthLimiter(max_depth=MAX_QUERY_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        KeepTheEventLoopFree,
        AuditReturnedDisclosures,  # issue 16 point 8: only what reached the answer was disclosed
    ]
    if not introspection:  # HOMEROOM_GRAPHQL_INTROSPECTION; the SDL export does not need it
        extensions.append(DisableIntrospection)
    if not development:
        extensions.append(lambda: MaskErrors(should_mask_error=_is_unexpected, error_message="Internal server error"))
    extensions.append(EveryStreamedErrorHasACode)  # last: after MaskErrors (graph.error_codes)
    return strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions,
                             execution_context_class=SharedEventExecutionContext)


def export_sdl() -> str:
    return build_schema(development=False).as_str() + "\n"
