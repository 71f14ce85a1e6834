"""The schema root: Query and Mutation composed from per-domain mixins, plus the limits every
document holds before it runs (graph.limits) and nothing heavy on the event loop."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types.graphql import OperationType

from graph.access.mutations import AccessMutations
from graph.access.partner_keys import PartnerKeyQueries
from graph.access.queries import ViewerQueries
from graph.announcements.mutations import AnnouncementMutations
from graph.announcements.queries import AnnouncementQueries
from graph.announcements.feed import AnnouncementFeedQueries
from graph.announcements.subscriptions import AnnouncementSubscriptions
from graph.assistant.mutations import AssistantMutations
from graph.assistant.queries import AssistantQueries
from graph.audit.disclosures import AuditReturnedDisclosures
from graph.audit.queries import AuditQueries
from graph.conversations.mutations import ConversationMutations
from graph.conversations.queries import ConversationQueries
from graph.conversations.referral_requests import ReferralSubscriptions
from graph.conversations.subscriptions import InboxSubscriptions
from graph.delivery.feed import FeedQueries, FeedSubscriptions
from graph.delivery.progress import ProgressSubscriptions
from graph.directory.district_preferences import DistrictPreferenceQueries
from graph.directory.mutations import DirectoryMutations
from graph.directory.queries import DirectoryQueries
from graph.directory.school_years import SchoolYearQueries
from graph.errors.codes import EveryErrorHasACode, EveryStreamedErrorHasACode
from graph.errors.masking import HideSuggestions, MaskUnexpectedErrors
from graph.errors import document_error_codes
from graph.limits import GraphQLLimits, limit_extensions
from graph.messages.alerts import AlertQueries
from graph.messages.drafts import DraftQueries
from graph.messages.imports import ImportQueries
from graph.messages.insert_fields import InsertFieldQueries
from graph.messages.mutations import MessageMutations
from graph.messages.queries import MessageQueries
from graph.node import NodeQueries
from graph import node_loaders  # noqa: F401  (registers what node(id:) can refetch)
from graph.messages.sms import SmsQueries
from graph.nul_characters import RefuseNulCharacters
from graph.operation_choice import OperationNameRequired
from graph.recipients.queries import PlanQueries
from graph.scalars import SCALAR_OVERRIDES
from graph.reenrolment.mutations import ReenrolmentMutations
from graph.reenrolment.queries import ReenrolmentFormQueries
from graph.reports.mutations import ReportMutations
from graph.reports.queries import ReportQueries
from graph.scheduling.mutations import ScheduleMutations
from graph.scheduling.queries import ScheduleQueries
from graph.leaf_fields import ReadPlainLeavesDirectly
from graph.letters.mutations import LetterMutations
from graph.letters.queries import LetterQueries
from graph.shared_results import SharedEventExecutionContext
from graph.telephony.mutations import TelephonyMutations
from graph.templates.mutations import TemplateMutations
from graph.templates.queries import TemplateQueries
from graph.translations.queries import TranslationQueries
from graph.telephony.queries import CallerIdQueries
from graph.webhooks.mutations import WebhookMutations
from graph.webhooks.queries import WebhookQueries

@strawberry.type(description="Everything a signed-in user (or a partner key) may read; each field says what it "
                             "requires. Lists that grow are Relay connections; an id you may not see reads as missing.")
class Query(ViewerQueries, DirectoryQueries, MessageQueries, ConversationQueries, PlanQueries, ImportQueries,
            ReportQueries, ScheduleQueries, ReenrolmentFormQueries, InsertFieldQueries, SmsQueries, CallerIdQueries,
            DraftQueries, AlertQueries, PartnerKeyQueries, WebhookQueries, AuditQueries, FeedQueries, LetterQueries,
            AssistantQueries, TemplateQueries, SchoolYearQueries, DistrictPreferenceQueries, AnnouncementQueries,
            AnnouncementFeedQueries, TranslationQueries,
            NodeQueries):
    pass


@strawberry.type(description="Every change; each field says what it requires and ends with the UserErrorCode values "
                             "its payload can carry. Input the user can fix comes back in the payload; nothing is "
                             "written then.")
class Mutation(MessageMutations, ScheduleMutations, ReportMutations, DirectoryMutations, ReenrolmentMutations,
               TelephonyMutations, ConversationMutations, AccessMutations, WebhookMutations, LetterMutations,
               AssistantMutations, TemplateMutations, AnnouncementMutations):
    pass


document_error_codes(Query)
document_error_codes(Mutation)


@strawberry.type(description="Live feeds over WebSocket (graphql-transport-ws); each field says what it requires.")
class Subscription(ProgressSubscriptions, FeedSubscriptions, InboxSubscriptions, ReferralSubscriptions,
                   AnnouncementSubscriptions):
    pass


class KeepTheEventLoopFree(SchemaExtension):
    """Operations run on worker threads (homeroom.routes.graphql), except a WebSocket's
    subscriptions, which start on the event loop where every other client waits on them (their
    validation moves to a thread: graph.limits.documents; their resolvers read on threads).
    A query or mutation never runs there: BAD_REQUEST, should one reach it."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if not getattr(context.context, "on_worker_thread", False) and context.pre_execution_errors is None \
                and context.operation_type is not OperationType.SUBSCRIPTION:
            context.pre_execution_errors = [GraphQLError(
                "A WebSocket carries subscriptions; send queries and mutations to POST /graphql.",
                extensions={"code": "BAD_REQUEST"})]
        yield


class ExecutionContext(ReadPlainLeavesDirectly, SharedEventExecutionContext):
    """graphql-core's executor as strawberry runs it, plus plain leaf fields read directly
    (graph.leaf_fields) and shared subscription events executed once (graph.shared_results)."""


def build_schema(*, development: bool, introspection: bool = True, limits: GraphQLLimits | None = None,
                 persisted_documents: Iterable[str] = (), field_suggestions: bool | None = None,
                 extra_extensions: Sequence = ()) -> strawberry.Schema:
    """The schema, enforcing ``limits`` (graph.limits; default: its defaults); ``persisted_documents``
    stay parsed and validated in its document cache; ``field_suggestions`` ("Did you mean …" in
    validation errors; default: in development only) and ``extra_extensions`` (the shell's metrics)
    are issue 17 point 7's."""
    extensions: list = [
        EveryErrorHasACode,  # first, so it ends last: after the masking (graph.errors.codes)
        *limit_extensions(limits or GraphQLLimits(), persisted_documents=persisted_documents,
                          between=[OperationNameRequired, RefuseNulCharacters, KeepTheEventLoopFree]),
        AuditReturnedDisclosures,  # issue 16 point 8: only what reached the answer was disclosed
    ]
    if not introspection:  # HOMEROOM_GRAPHQL_INTROSPECTION; the SDL export does not need it
        extensions.append(DisableIntrospection)
    if not development:  # "Internal server error" with a request id (graph.errors.masking)
        extensions.append(MaskUnexpectedErrors)
    suggestions = development if field_suggestions is None else field_suggestions
    if not suggestions:
        extensions.append(HideSuggestions)
    extensions.extend(extra_extensions)
    extensions.append(EveryStreamedErrorHasACode)  # last: after the masking (graph.errors.codes)
    return strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions,
                             execution_context_class=ExecutionContext, scalar_overrides=SCALAR_OVERRIDES,
                             config=StrawberryConfig(disable_field_suggestions=not suggestions))


def export_sdl() -> str:
    return build_schema(development=False).as_str() + "\n"
