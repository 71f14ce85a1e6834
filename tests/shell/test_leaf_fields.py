"""Plain leaf fields read straight off their object (graph.leaf_fields, issue 17 Speed) answer
exactly as graphql-core's own field path does: values, enums, custom scalars, null, and every error
with its message, path and location."""

from __future__ import annotations

import datetime as dt
import enum

import strawberry
from graph.leaf_fields import plain_leaf
from graph.scalars import SCALAR_OVERRIDES
from graph.schema import ExecutionContext, build_schema
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Thing:
    name: str
    nickname: str | None
    colour: Colour
    count: int
    seen_at: dt.datetime
    broken_name: str  # None at run time: a non-null field answering null
    wrong_count: int  # a value Int refuses

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @property
    def unreadable(self) -> str:
        raise RuntimeError("cannot read this")


@strawberry.type
class Holder:
    unreadable: str  # read through Thing's raising property


@strawberry.type
class Query:
    @strawberry.field
    def things(self) -> list[Thing]:
        return [Thing(name="a", nickname=None, colour=Colour.RED, count=1, seen_at=dt.datetime(2026, 12, 4, 12, 0),
                      broken_name="x", wrong_count=2),
                Thing(name="b", nickname="bee", colour=Colour.BLUE, count=2,
                      seen_at=dt.datetime(2026, 12, 4, 13, 0, tzinfo=dt.UTC), broken_name=None,  # type: ignore[arg-type]
                      wrong_count="many")]  # type: ignore[arg-type]

    @strawberry.field
    def holder(self) -> Holder:
        return Thing(name="c", nickname=None, colour=Colour.RED, count=3, seen_at=dt.datetime(2026, 1, 1),  # type: ignore[return-value]
                     broken_name="y", wrong_count=3)


DOCUMENTS = [
    "{ things { name nickname colour count seenAt shout } }",
    "{ things { name brokenName } }",
    "{ things { wrongCount } }",
    "{ holder { unreadable } }",
    "{ things { n: name n2: name colour } }",
    "{ things { name nickname colour count seenAt } }",  # every field plain: one read per object
    "{ things { __typename name } }",
    "{ things { count ...on Thing { name } } }",
    "{ things { name @include(if: false) count } }",
]


def _schema(execution_context_class) -> strawberry.Schema:
    return strawberry.Schema(query=Query, scalar_overrides=SCALAR_OVERRIDES,
                             execution_context_class=execution_context_class)


def test_issue_17_plain_leaves_answer_as_graphql_core_does():
    direct, standard = _schema(ExecutionContext), _schema(StrawberryGraphQLCoreExecutionContext)
    for document in DOCUMENTS:
        ours, theirs = direct.execute_sync(document), standard.execute_sync(document)
        assert ours.data == theirs.data, document
        assert [e.formatted for e in ours.errors or []] == [e.formatted for e in theirs.errors or []], document
    errored = direct.execute_sync("{ things { name brokenName } }")
    assert errored.errors and errored.errors[0].path == ["things", 1, "brokenName"]


def test_issue_17_an_object_of_plain_leaves_is_read_in_one_pass():
    """A selection of plain leaves only takes no per-field path; one field with a resolver (or
    __typename) sends the object through graphql-core's own execution."""
    calls = []

    class Counting(ExecutionContext):
        def execute_field(self, parent_type, *args):
            calls.append(parent_type.name)
            return super().execute_field(parent_type, *args)

    schema = _schema(Counting)
    assert schema.execute_sync("{ things { name count colour } }").data["things"][1] == {
        "name": "b", "count": 2, "colour": "BLUE"}
    assert calls == ["Query"]
    calls.clear()
    assert schema.execute_sync("{ things { name shout } }").data["things"][0] == {"name": "a", "shout": "A"}
    assert calls == ["Query", "Thing", "Thing", "Thing", "Thing"]


def test_issue_17_only_plain_leaf_fields_take_the_direct_read():
    """Fields without resolver, arguments or extensions that return a scalar or an enum; not a
    resolver field, not an object, not a field with a permission extension."""
    schema = build_schema(development=True)._schema
    student = schema.type_map["Student"].fields
    assert plain_leaf(student["firstName"]) is not None and plain_leaf(student["id"]) is not None
    assert plain_leaf(student["school"]) is None  # an object, with a resolver
    query = schema.query_type.fields
    assert plain_leaf(query["sections"]) is None and plain_leaf(query["viewer"]) is None
    thing = _schema(ExecutionContext)._schema.type_map["Thing"].fields
    assert plain_leaf(thing["colour"]).leaf_type.name == "Colour"
    assert plain_leaf(thing["nickname"]).non_null is False
    assert plain_leaf(thing["shout"]) is None
