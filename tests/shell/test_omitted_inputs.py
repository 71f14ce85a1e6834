"""Issue 17, "Proof: fuzzing": what a client may leave out, Python can do without. Every argument and
input field the SDL lets a client omit (nullable, or with a default) has a value in Python when it
is omitted, and none that the SDL forbids: the class of bug the authorization walk found twice
(``SendMessageInput.channels`` was ``[Channel!]!`` in the SDL but defaulted to null in Python;
``setPushByDefault(value:)`` was optional with no Python default), each a TypeError answered
"Internal server error"."""

from __future__ import annotations

import inspect
from dataclasses import MISSING

from graphql import GraphQLSchema, Undefined, is_input_object_type, is_non_null_type, is_object_type
from strawberry.schema.schema_converter import GraphQLCoreConverter

from graph.schema import build_schema
from helpers import gql, token_for

BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF


def omission_mismatches(schema: GraphQLSchema) -> list[str]:
    """Arguments and input fields whose SDL and Python disagree on what omitting them means: a
    non-null one whose default is null (omitting it passes validation and gives Python a None), or an
    optional one (nullable, or with a default) that Python has no value for (a TypeError)."""
    wrong = []
    for type_name, named in schema.type_map.items():
        if type_name.startswith("__"):
            continue
        if is_input_object_type(named):
            for name, field in named.fields.items():
                python = field.extensions[BACKREF]
                omitted = python.default if python.default_factory is MISSING else python.default_factory()
                wrong += _mismatch(f"{type_name}.{name}", field, omitted)
        elif is_object_type(named):
            for field_name, field in named.fields.items():
                resolver = getattr(field.extensions.get(BACKREF), "base_resolver", None)
                for arg_name, arg in field.args.items():
                    python_name = arg.extensions[BACKREF].python_name
                    parameter = resolver.signature.parameters[python_name]
                    omitted = MISSING if parameter.default is inspect.Parameter.empty else parameter.default
                    wrong += _mismatch(f"{type_name}.{field_name}({arg_name}:)", arg, omitted)
    return wrong


def _mismatch(place: str, value, omitted) -> list[str]:
    """``omitted``: what Python holds when a client leaves ``value`` out (MISSING: nothing)."""
    required = is_non_null_type(value.type) and value.default_value is Undefined
    if not required and omitted is MISSING:
        return [f"{place} may be left out ({value.type}) but Python has no value for it then"]
    if is_non_null_type(value.type) and omitted is None:
        return [f"{place} is {value.type} in the SDL but null in Python when left out"]
    return []


def test_issue_17_fuzzing_every_omittable_input_has_a_python_value():
    """Issue 17 "Proof: fuzzing": the whole schema, so a field added later is held to it."""
    wrong = omission_mismatches(build_schema(development=False)._schema)
    assert not wrong, "\n".join(wrong)


SEND = "mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { __typename } }"


def test_issue_17_fuzzing_send_message_without_channels_is_a_validation_error(client, engine):
    """Issue 17 "Proof: fuzzing", known bug 1: leaving out ``channels`` is refused by validation
    (the SDL's ``[Channel!]!``), not answered "Internal server error"."""
    body = gql(client, SEND, {"input": {"htmlBody": "<p>x</p>", "allStudents": True}},
               token=token_for(engine, "admin"))
    assert body.get("data") is None, body
    [error] = body["errors"]
    assert "Internal server error" not in error["message"] and "channels" in error["message"], error


PUSH = ("mutation Push { setPushByDefault { __typename ... on SetPushByDefaultErrors "
        "{ errors { path code } } } }")


def test_issue_17_fuzzing_set_push_by_default_without_value_is_a_null_value(client, engine):
    """Issue 17 "Proof: fuzzing", known bug 2: ``setPushByDefault`` without ``value`` means a null
    value, which the district's default refuses in its payload (REQUIRED), not "Internal server
    error"."""
    body = gql(client, PUSH, token=token_for(engine, "admin"))
    assert "errors" not in body, body
    assert body["data"]["setPushByDefault"] == {
        "__typename": "SetPushByDefaultErrors", "errors": [{"path": ["value"], "code": "REQUIRED"}]}
