"""The date and time scalars as the schema describes them (issue 17 point 3): strawberry's own
parsing and ISO 8601 output, with a description that says which time zone a value is in."""

from __future__ import annotations

import dataclasses
import datetime as dt

from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition, TimeDefinition

#: For strawberry.Schema(scalar_overrides=...): same parsing and output, the project's descriptions.
SCALAR_OVERRIDES = {
    dt.datetime: dataclasses.replace(DateTimeDefinition, description=(
        "An instant in ISO 8601, e.g. 2026-12-04T17:30:00+00:00. Homeroom answers in UTC: a value without an offset "
        "is UTC too. An argument that needs an offset (Z or +hh:mm) says so.")),
    dt.date: dataclasses.replace(DateDefinition, description=(
        "A calendar day in ISO 8601, e.g. 2026-12-04; the field says in which time zone it is meant (usually the "
        "district's).")),
    dt.time: dataclasses.replace(TimeDefinition, description=(
        "A time of day in ISO 8601, e.g. 17:30:00; the field says in which time zone it is meant (usually the "
        "district's).")),
}
