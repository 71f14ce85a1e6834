"""Plain leaf fields read straight off their object (issue 17 Speed).

Most fields of an answer are plain data: a student's ``firstName``, a delivery's ``status``. They
have no resolver, no arguments and no field extension, and return a scalar or an enum. graphql-core
runs each through its whole field machinery all the same: a resolve-info object, strawberry's
basic-field wrapper, the completion dispatch and two awaitable checks. For a teacher's sections
with their 264 students that is ~1,100 fields and about half the request's time in Python.

``ReadPlainLeavesDirectly`` gives such a field its value as the default resolver would
(``getattr`` on the object) and coerces it as graphql-core's leaf completion does. Anything
unusual (a missing attribute, null in a non-null field, an awaitable, a value the scalar refuses)
goes through graphql-core's own path, which raises the error with its path and location exactly as
before. Fields with a resolver, arguments or extensions, and every object, list and abstract
field, are untouched; so is everything when field middleware is installed.

An object whose selected fields are all plain leaves (each of those 264 students with
``id firstName lastName gradeLevel``) is read in one pass (``execute_fields``): no path and no
per-field call, 9% of a sections request's CPU in process (docs/performance.md). One field that
needs graphql-core (a resolver, ``__typename``, a value it must refuse) sends the whole object
through graphql-core's own path.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from graphql import GraphQLField, GraphQLNonNull, is_leaf_type
from graphql.pyutils import Undefined
from strawberry.schema.schema_converter import GraphQLCoreConverter


class PlainLeaf(NamedTuple):
    """How to read one plain leaf field: its Python attribute, its scalar or enum, and whether null is an error."""

    attribute: str
    leaf_type: Any
    non_null: bool


#: Where a GraphQL field keeps its PlainLeaf (or None), worked out at its first execution.
_PLAN = "_homeroom_plain_leaf"
_NOT_PLANNED = object()


def plain_leaf(field: GraphQLField) -> PlainLeaf | None:
    """``field``'s PlainLeaf when it is a plain leaf field of a strawberry type, else None."""
    plan = field.__dict__.get(_PLAN, _NOT_PLANNED)
    if plan is _NOT_PLANNED:
        plan = field.__dict__[_PLAN] = _plan(field)
    return plan  # type: ignore[return-value]


def _plan(field: GraphQLField) -> PlainLeaf | None:
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if definition is None or field.args or not getattr(field.resolve, "_is_default", False):
        return None
    if not definition.is_basic_field or definition.default_resolver is not getattr:
        return None
    return_type = field.type
    non_null = isinstance(return_type, GraphQLNonNull)
    leaf_type = return_type.of_type if non_null else return_type
    if not is_leaf_type(leaf_type):
        return None
    return PlainLeaf(definition.python_name, leaf_type, non_null)


_UNREAD = object()


class ReadPlainLeavesDirectly:
    """An execution-context mixin (before graphql-core's ExecutionContext in the bases)."""

    def execute_fields(self, parent_type: Any, source: Any, path: Any, grouped_field_set: Any,
                       position_context: Any) -> Any:
        """An object whose selected fields are all plain leaves (a section's students, each with
        ``id firstName lastName gradeLevel``) is read in one pass: no path, no per-field dispatch.
        Any field that needs graphql-core's own path sends the whole object there."""
        plans = self._plain_selection(parent_type, grouped_field_set)
        if plans is not None:
            values = {}
            for response_name, plan in plans:
                value = _read(source, plan)
                if value is _UNREAD:
                    break
                values[response_name] = value
            else:
                return values
        return super().execute_fields(parent_type, source, path, grouped_field_set,  # type: ignore[misc]
                                      position_context)

    def _plain_selection(self, parent_type: Any, grouped_field_set: Any) -> list[tuple[str, PlainLeaf]] | None:
        """(response name, PlainLeaf) for each field of a selection of plain leaves only, else None.
        graphql-core memoizes a selection's grouped field set, so each object of a list brings the
        same one: its identity keys this execution's cache, which holds the set itself too, so no
        other set can take its id while the entry lives."""
        cache = self.__dict__.setdefault("_plain_selections", {})
        key = (parent_type, id(grouped_field_set))
        entry = cache.get(key)
        if entry is None or entry[0] is not grouped_field_set:
            entry = cache[key] = (grouped_field_set, self._plan_selection(parent_type, grouped_field_set))
        return entry[1]

    def _plan_selection(self, parent_type: Any, grouped_field_set: Any) -> list[tuple[str, PlainLeaf]] | None:
        if not self._reads_directly():
            return None
        plans = []
        for response_name, field_details_list in grouped_field_set.items():
            plan = self._plain_leaf_of(parent_type, field_details_list)
            if plan is None:
                return None
            plans.append((response_name, plan))
        return plans or None

    def execute_field(self, parent_type: Any, source: Any, field_details_list: Any, path: Any,
                      position_context: Any) -> Any:
        if self._reads_directly():
            plan = self._plain_leaf_of(parent_type, field_details_list)
            if plan is not None:
                value = _read(source, plan)
                if value is not _UNREAD:
                    return value
        return super().execute_field(parent_type, source, field_details_list, path,  # type: ignore[misc]
                                     position_context)

    def _reads_directly(self) -> bool:
        middleware = self.middleware_manager  # type: ignore[attr-defined]
        return middleware is None or not middleware.middlewares  # strawberry passes an empty manager

    def _plain_leaf_of(self, parent_type: Any, field_details_list: Any) -> PlainLeaf | None:
        field = self.schema.get_field(parent_type, field_details_list[0].node.name.value)  # type: ignore[attr-defined]
        return plain_leaf(field) if field is not None else None


def _read(source: Any, plan: PlainLeaf) -> Any:
    """The field's completed value, or _UNREAD when graphql-core's own path must answer."""
    try:
        value = getattr(source, plan.attribute)
    except Exception:  # noqa: BLE001  (graphql-core's path raises it with the field's path)
        return _UNREAD
    if value is None:
        return _UNREAD if plan.non_null else None
    if hasattr(value, "__await__"):
        return _UNREAD
    try:
        coerced = plan.leaf_type.coerce_output_value(value)
    except Exception:  # noqa: BLE001
        return _UNREAD
    return _UNREAD if coerced is Undefined or coerced is None else coerced
