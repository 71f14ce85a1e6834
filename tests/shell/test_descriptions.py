"""Every part of the schema tells a frontend developer what it is (issue 17 point 3)."""

from __future__ import annotations

import enum

import strawberry
from graphql import (GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType,
                     GraphQLScalarType, GraphQLSchema, GraphQLUnionType)

from graph.schema import build_schema

BUILT_IN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}


def undescribed(schema: GraphQLSchema) -> list[str]:
    """Every type, field, argument, enum value and union of ``schema`` without a description,
    as ``Type``, ``Type.field``, ``Type.field(argument:)`` or ``Enum.VALUE``."""
    missing: list[str] = []
    for name, kind in sorted(schema.type_map.items()):
        if name.startswith("__") or name in BUILT_IN_SCALARS:
            continue
        if not (kind.description or "").strip():
            missing.append(name)
        if isinstance(kind, GraphQLEnumType):
            missing += [f"{name}.{value}" for value, spec in kind.values.items()
                        if not (spec.description or "").strip()]
        if isinstance(kind, (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType)):
            for field_name, field in kind.fields.items():
                if not (field.description or "").strip():
                    missing.append(f"{name}.{field_name}")
                missing += [f"{name}.{field_name}({arg_name}:)" for arg_name, arg in getattr(field, "args", {}).items()
                            if not (arg.description or "").strip()]
        assert isinstance(kind, (GraphQLEnumType, GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType,
                                 GraphQLScalarType, GraphQLUnionType)), name
    return missing


def test_issue_17_point_3_every_type_field_argument_enum_value_and_union_has_a_description():
    """Issue 17 point 3: a description on every type, field, argument, enum value and union."""
    missing = undescribed(build_schema(development=False)._schema)
    assert not missing, f"{len(missing)} parts of the schema have no description:\n" + "\n".join(missing)


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"


@strawberry.type
class Paint:
    colour: Colour


@strawberry.type(description="The root.")
class PaintQuery:
    @strawberry.field
    def paint(self, shade: int) -> Paint | None:
        return None


def test_issue_17_point_3_the_description_check_finds_what_is_missing():
    """Issue 17 point 3: the check above names each kind of undescribed part (so its pass means something)."""
    assert undescribed(strawberry.Schema(query=PaintQuery)._schema) == [
        "Colour", "Colour.RED", "Paint", "Paint.colour", "PaintQuery.paint", "PaintQuery.paint(shade:)"]
