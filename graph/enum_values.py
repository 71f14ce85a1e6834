"""Descriptions for the values of an enum the schema takes from domain/ or models/ as it is.

``strawberry.enum_value(..., description=)`` needs the enum written for the schema; an enum the
resolvers share with the domain (so its members stay the domain's) gets its value descriptions here.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import strawberry


def described_enum(domain_enum: type[enum.Enum], description: str, values: Mapping[enum.Enum, str]) -> type:
    """``strawberry.enum(domain_enum)`` with ``description`` and one description per member;
    a member left out of ``values`` is a bug (every value of the schema says what it means)."""
    missing = [member.name for member in domain_enum if member not in values]
    if missing:
        raise ValueError(f"{domain_enum.__name__} values without a description: {missing}")
    described = strawberry.enum(domain_enum, description=description)
    for value in described.__strawberry_definition__.values:
        value.description = values[domain_enum[value.name]]
    return described
