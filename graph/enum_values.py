"""Descriptions for the values of an enum the schema takes from domain/ or models/ as it is (issue 17
point 3). ``strawberry.enum_value(..., description=)`` belongs in the class body, which is the
domain's; graph writes the words where it wraps the enum, and the members stay the domain's."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TypeVar

import strawberry

E = TypeVar("E", bound=type[enum.Enum])


def described_enum(domain_enum: type[enum.Enum], description: str, values: Mapping[enum.Enum, str]) -> type:
    """``strawberry.enum(domain_enum)`` with ``description`` and one description per member."""
    return describe_values(strawberry.enum(domain_enum, description=description), values)


def describe_values(wrapped: E, texts: Mapping[enum.Enum, str]) -> E:
    """Give every value of ``wrapped`` (a strawberry.enum) its SDL description; a member without
    one fails at import, so a value added later cannot go undescribed."""
    definition = wrapped.__strawberry_definition__  # type: ignore[attr-defined]
    by_name = {member.name: text for member, text in texts.items()}
    missing = sorted(value.name for value in definition.values if value.name not in by_name)
    if missing:
        raise ValueError(f"{definition.name}: no description for {', '.join(missing)}")
    for value in definition.values:
        value.description = by_name[value.name]
    return wrapped
