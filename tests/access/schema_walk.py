"""Walking the built schema (graph.schema.build_schema) for the schema-wide authorization tests:
every root field with its declared permissions and scopes, a valid document for it with dummy
values for its required arguments, and every gated input field with the root fields that reach it."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Iterator
from typing import Any

from graphql import (
    GraphQLInputObjectType,
    GraphQLNamedType,
    GraphQLType,
    Undefined,
    get_named_type,
    is_enum_type,
    is_input_object_type,
    is_interface_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_union_type,
)
from sqlalchemy import func, select

from domain.support.global_ids import Kind, global_id
from graph.pagination import RECIPIENT_KINDS
from graph.permissions import REQUIRES_BY_VALUE_KEY, REQUIRES_KEY
from graph.schema import build_schema
from models.db import metadata, session_scope

SCHEMA = build_schema(development=False)
ROOTS = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}
#: A dummy value per scalar: well-formed, so the document validates and only authorization decides
#: (the dummy ID is no global id, so it names no row: domain.support.global_ids).
SCALARS = {"ID": "1", "String": "x", "Int": 1, "Float": 1.0, "Boolean": True,
           "DateTime": "2030-01-01T08:00:00+00:00", "Date": "2030-01-01", "Time": "08:00:00"}
#: Where an ID goes: the root field's argument name, then the input fields below it.
Place = tuple[str, ...]
#: What to put at an ID place: one value everywhere, or a value per place.
IdValue = str | Callable[[Place], Any]


@dataclasses.dataclass(frozen=True)
class RootField:
    operation: str  # query, mutation or subscription
    name: str  # as in the SDL
    perms: tuple  # domain.access.permissions.Perm, from the field's permission class
    scopes: tuple  # domain.access.scopes.Scope
    has_permission_class: bool
    roles: tuple = ()  # models.directory.Role: when the class also requires one of these roles

    def document(self, overrides: dict[str, Any] | None = None, id_value: IdValue = SCALARS["ID"],
                 rich: bool = False) -> tuple[str, dict[str, Any]]:
        """``<operation> Probe($a: T!) { field(a: $a) { __typename } }`` and its variables: the
        required arguments with dummy values (``id_value`` for every ID, or ``id_value(place)``), plus ``overrides``
        (argument name -> value). ``rich``: select what the answer holds (``selection``), not
        just its type name."""
        field = graphql_root(self.operation).fields[self.name]
        overrides = overrides or {}
        declared, passed, variables = [], [], {}
        for arg_name, arg in field.args.items():
            if arg_name in overrides:
                value = overrides[arg_name]
            elif is_non_null_type(arg.type) and arg.default_value is Undefined:
                value = sample(arg.type, id_value, (arg_name,))
            else:
                continue
            declared.append(f"${arg_name}: {arg.type}")
            passed.append(f"{arg_name}: ${arg_name}")
            variables[arg_name] = value
        head = f"{self.operation} Probe({', '.join(declared)})" if declared else self.operation
        call = f"{self.name}({', '.join(passed)})" if passed else self.name
        named = get_named_type(field.type)
        selection = "" if is_leaf_type(named) else " " + (selection_of(named) if rich else "{ __typename }")
        return f"{head} {{ {call}{selection} }}", variables


#: The query token limit is 1,000 (graph.schema.MAX_QUERY_TOKENS); a rich selection stays well under it.
SELECTION_TOKENS = 600


def selection_of(named: GraphQLNamedType) -> str:
    """``{ ... }`` selecting what an answer of ``named`` holds: every leaf field without required
    arguments and the objects below it, as deep as SELECTION_TOKENS allows (at most four levels)."""
    for depth in (4, 3, 2, 1):
        text = _selection(named, depth)
        if len(text.replace("{", " { ").replace("}", " } ").split()) <= SELECTION_TOKENS:
            return text
    return "{ __typename }"


def _selection(named: GraphQLNamedType, depth: int) -> str:
    if is_union_type(named) or is_interface_type(named):
        members = SCHEMA._schema.get_possible_types(named)
        return "{ __typename " + " ".join(f"... on {m.name} {_selection(m, depth)}" for m in members) + " }"
    parts = ["__typename"]
    for name, field in named.fields.items():
        if any(is_non_null_type(a.type) and a.default_value is Undefined for a in field.args.values()):
            continue
        inner = get_named_type(field.type)
        if is_leaf_type(inner):
            parts.append(name)
        elif depth > 1:
            parts.append(f"{name} {_selection(inner, depth - 1)}")
    return "{ " + " ".join(parts) + " }"


def graphql_root(operation: str):
    return SCHEMA._schema.get_type(ROOTS[operation])


def root_fields() -> list[RootField]:
    """Every Query, Mutation and Subscription field with what its permission class declares."""
    found = []
    for operation, type_name in ROOTS.items():
        definition = SCHEMA.get_type_by_name(type_name)
        for field in definition.fields:
            classes = field.permission_classes
            perms = tuple(p for cls in classes for p in (getattr(cls, "perms", None) or ()))
            scopes = tuple(s for cls in classes for s in (getattr(cls, "scopes", None) or ()))
            roles = tuple(r for cls in classes for r in (getattr(cls, "roles", None) or ()))
            found.append(RootField(operation, SCHEMA.config.name_converter.get_graphql_name(field), perms, scopes,
                                   bool(classes), roles))
    return found


def sample(type_: GraphQLType, id_value: IdValue = SCALARS["ID"], place: Place = ()) -> Any:
    """A valid variable value of ``type_`` (found at ``place``): required input fields filled in,
    lists of one, and ``id_value`` (or ``id_value(place)``) for every ID."""
    if is_non_null_type(type_):
        return sample(type_.of_type, id_value, place)
    if is_list_type(type_):
        return [sample(type_.of_type, id_value, place)]
    if is_enum_type(type_):
        return next(iter(type_.values))
    if is_input_object_type(type_):
        # A non-null field whose default is null must be given all the same (SendMessageInput.channels).
        return {name: sample(field.type, id_value, (*place, name)) for name, field in type_.fields.items()
                if is_non_null_type(field.type) and field.default_value in (Undefined, None)}
    if type_.name == "ID":
        return id_value(place) if callable(id_value) else id_value
    return SCALARS[type_.name]


def id_paths(operation: str, field_name: str) -> list[tuple[str, ...]]:
    """Every place of a root field's arguments that takes an ID (or a list of IDs): the argument
    name, then the input fields below it (``("input", "studentIds")``)."""
    field = graphql_root(operation).fields[field_name]
    return [path for arg_name, arg in field.args.items() for path in _id_walk(arg.type, (arg_name,))]


def _id_walk(type_: GraphQLType, path: tuple[str, ...], depth: int = 0) -> Iterator[tuple[str, ...]]:
    named = get_named_type(type_)
    if named.name == "ID":
        yield path
    elif isinstance(named, GraphQLInputObjectType) and depth < 4:
        for name, field in named.fields.items():
            yield from _id_walk(field.type, (*path, name), depth + 1)


def value_at(operation: str, field_name: str, paths: list[Place], value: IdValue, id_value: IdValue
             ) -> dict[str, Any]:
    """The arguments named by ``paths`` (argument name, then input fields) with ``value`` (or
    ``value(path)``) set at each path (a list of one where the schema takes a list), every other
    required part dummy with ``id_value`` IDs."""
    field = graphql_root(operation).fields[field_name]
    arguments: dict[str, Any] = {}
    for path in paths:
        arg_name, *inner = path
        arg_type = field.args[arg_name].type
        here = value(path) if callable(value) else value
        if not inner:
            arguments[arg_name] = [here] if is_list_type(_nullable(arg_type)) else here
            continue
        top = arguments.setdefault(arg_name, sample(arg_type, id_value, (arg_name,)))
        holder, holder_type = top[0] if is_list_type(_nullable(arg_type)) else top, get_named_type(arg_type)
        for depth, step in enumerate(inner[:-1], start=2):
            step_type = holder_type.fields[step].type
            if step not in holder:
                holder[step] = sample(step_type, id_value, path[:depth])
            holder = holder[step][0] if is_list_type(_nullable(step_type)) else holder[step]
            holder_type = get_named_type(step_type)
        last_type = holder_type.fields[inner[-1]].type
        holder[inner[-1]] = [here] if is_list_type(_nullable(last_type)) else here
    return arguments


#: The kind of row an ID place names (domain.support.global_ids), by the name of the argument or
#: input field that takes it; ID_KINDS_OF_FIELD first, for a root field's plain ``id`` and for a
#: name that means another kind on one field. A new ID place fails ``id_kind`` until it is named here.
ID_KINDS = {
    "schoolId": Kind.SCHOOL, "schoolIds": Kind.SCHOOL, "sendAsSchoolId": Kind.SCHOOL, "schools": Kind.SCHOOL,
    "studentId": Kind.STUDENT, "studentIds": Kind.STUDENT, "survivorId": Kind.STUDENT, "mergedId": Kind.STUDENT,
    "studentGroupIds": Kind.STUDENT_GROUP, "userGroupIds": Kind.USER_GROUP,
    "staffIds": Kind.USER, "senderId": Kind.USER, "actorUserId": Kind.USER, "assigneeId": Kind.USER,
    "actorKeyId": Kind.PARTNER_KEY, "callerIdId": Kind.CALLER_ID, "threadId": Kind.THREAD,
    "messageId": Kind.MESSAGE, "endpointId": Kind.WEBHOOK_ENDPOINT,
    "templateId": Kind.TEMPLATE, "letterheadId": Kind.LETTERHEAD, "profileIds": Kind.PROFILE, "draftId": Kind.MESSAGE,
    "sectionIds": Kind.SECTION,
}
_MESSAGE_FIELDS = ("message", "draft", "saveDraft", "sendDraft", "recallMessage", "discardDraft", "assignDraft",
                   "assignDraftBack", "scheduleDraft", "updateScheduledMessage", "cancelScheduledMessage")
_ENDPOINT_FIELDS = ("updateWebhookEndpoint", "deleteWebhookEndpoint", "enableWebhookEndpoint", "rotateWebhookSecret")
#: The first RecipientKind, which sample() gives recipientThread's recipientKind.
_SAMPLE_RECIPIENT = next(iter(graphql_root("query").fields["recipientThread"].args["recipientKind"].type.of_type.values))
ID_KINDS_OF_FIELD = {
    **{(name, "id"): Kind.MESSAGE for name in _MESSAGE_FIELDS},
    **{(name, "id"): Kind.WEBHOOK_ENDPOINT for name in _ENDPOINT_FIELDS},
    ("thread", "id"): Kind.THREAD,
    **{(name, "id"): Kind.TEMPLATE for name in ("template", "updateTemplate", "deleteTemplate")},
    **{(name, "id"): Kind.ANNOUNCEMENT for name in ("announcement", "updateAnnouncement", "deleteAnnouncement")},
    ("removeImportedRecipient", "id"): Kind.IMPORTED_RECIPIENT,
    ("markPortalAlertsSeen", "ids"): Kind.PORTAL_ALERT,
    ("updateCallerId", "id"): Kind.CALLER_ID, ("deleteCallerId", "id"): Kind.CALLER_ID,
    ("rotatePartnerKey", "id"): Kind.PARTNER_KEY, ("revokePartnerKey", "id"): Kind.PARTNER_KEY,
    ("resendWebhook", "messageId"): Kind.WEBHOOK_MESSAGE,
    ("recipientThread", "recipientId"): RECIPIENT_KINDS[_SAMPLE_RECIPIENT],
    ("previewMessage", "recipientId"): Kind.STUDENT, ("printJob", "id"): Kind.PRINT_JOB,
    ("selectSchoolYear", "id"): Kind.SCHOOL_YEAR,
    # node(id:)/nodes(ids:) take any kind; the walk names the message, the row only its owner sees as a draft.
    ("node", "id"): Kind.MESSAGE, ("nodes", "ids"): Kind.MESSAGE,
}


def id_kind(field_name: str, place: Place) -> Kind:
    """The kind of row the ID at ``place`` of root field ``field_name`` names."""
    name = place[-1]
    kind = ID_KINDS_OF_FIELD.get((field_name, name)) or (ID_KINDS.get(name) if name not in ("id", "ids") else None)
    assert kind is not None, f"name the kind of {field_name}({'.'.join(place)}) in schema_walk.ID_KINDS"
    return kind


def ids_of(field_name: str, pk: int) -> Callable[[Place], str]:
    """An IdValue: the global id of row ``pk`` of the kind each ID place of the field names."""
    return lambda place: global_id(id_kind(field_name, place), pk)


@dataclasses.dataclass(frozen=True)
class Gate:
    """One gated input field (graph.permissions.gated or gated_by_value): the permissions a value
    needs, and the value that needs them."""

    input_type: str
    field: str  # as in the SDL
    perms: tuple
    value: Any


def gates() -> Iterator[Gate]:
    """Every gate of every input type of the schema: one per gated field, one per gated value."""
    for type_name, graphql_type in SCHEMA._schema.type_map.items():
        if not isinstance(graphql_type, GraphQLInputObjectType) or type_name.startswith("__"):
            continue
        definition = SCHEMA.get_type_by_name(type_name)
        for field in definition.fields:
            metadata_ = field.metadata or {}
            name = SCHEMA.config.name_converter.get_graphql_name(field)
            field_type = graphql_type.fields[name].type
            if REQUIRES_KEY in metadata_:
                yield Gate(type_name, name, tuple(metadata_[REQUIRES_KEY]), gated_value(field_type, field.default))
            for value, perms in (metadata_.get(REQUIRES_BY_VALUE_KEY) or {}).items():
                if perms:
                    one = value.name if isinstance(value, enum.Enum) else value
                    yield Gate(type_name, name, tuple(perms), [one] if is_list_type(_nullable(field_type)) else one)


def _nullable(type_: GraphQLType) -> GraphQLType:
    return type_.of_type if is_non_null_type(type_) else type_


def gated_value(type_: GraphQLType, default: Any) -> Any:
    """A value other than the field's default, which is what a gate refuses."""
    named = get_named_type(type_)
    if named.name == "Boolean":
        return not bool(default)
    value = sample(type_)
    return value if value != default else value * 2


def paths_to(input_type: str) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """(operation, root field, path of input field names below the argument) for every root field
    argument from which ``input_type`` is reached, first argument name leading the path."""
    for operation in ROOTS:
        for name, field in graphql_root(operation).fields.items():
            for arg_name, arg in field.args.items():
                for path in _walk(get_named_type(arg.type), input_type, ()):
                    yield operation, name, (arg_name, *path)


def _walk(current: GraphQLNamedType, wanted: str, path: tuple[str, ...], depth: int = 0) -> Iterator[tuple[str, ...]]:
    if not isinstance(current, GraphQLInputObjectType) or depth > 4:
        return
    if current.name == wanted:
        yield path
        return
    for name, field in current.fields.items():
        yield from _walk(get_named_type(field.type), wanted, (*path, name), depth + 1)


def input_at(operation: str, field_name: str, path: tuple[str, ...], gate: Gate) -> dict[str, Any]:
    """The root field's argument value with the gated field set along ``path``, the rest dummy."""
    field = graphql_root(operation).fields[field_name]
    arg_name, *inner = path
    arg_type = field.args[arg_name].type
    value = sample(arg_type)
    holder, holder_type = value, get_named_type(arg_type)
    for step in inner:
        step_type = holder_type.fields[step].type
        if step not in holder:
            holder[step] = sample(step_type)
        holder = holder[step][0] if is_list_type(_nullable(step_type)) else holder[step]
        holder_type = get_named_type(step_type)
    holder[gate.field] = gate.value
    return {arg_name: value}


def row_counts(engine) -> dict[str, int]:
    """Rows of every table: what a refused call must leave unchanged."""
    with session_scope(engine) as session:
        return {table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
                for table in metadata.sorted_tables}
