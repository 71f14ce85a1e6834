"""Permission checks declared on fields and input fields, from the one catalogue.

``requires(...)`` builds a field's permission classes and the sentences its SDL description ends
with (the permissions, and the partner-key scopes that may call it: a field that names no scope
refuses every partner key); ``gated(...)`` declares an input field that needs a permission when it is set;
``authorize_input`` enforces every gate of an input before a mutation runs.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.permission import BasePermission

from domain.support.errors import AuthorizationError
from domain.access.permissions import CATALOGUE, Addon, Perm, requirement_text
from domain.access.scopes import Scope, scope_text
from domain.access.scope import FAMILY_ROLES
from domain.access.viewer import Viewer
from models.directory import Role
from graph.audit.disclosures import partner_read
from graph.context import Info

REQUIRES_KEY = "homeroom.requires"
REQUIRES_BY_VALUE_KEY = "homeroom.requires_by_value"
FAMILY_REQUIRES_KEY = "homeroom.family_requires"


def forbidden(message: str, perm: Perm | None = None) -> GraphQLError:
    extensions: dict[str, Any] = {"code": "FORBIDDEN"}
    if perm is not None:
        spec = CATALOGUE[perm]
        extensions.update(permission=spec.label, requirements=list(spec.requirements))
        if spec.addon:
            extensions["addon"] = spec.addon.value
    return GraphQLError(message, extensions=extensions)


def denied(error: AuthorizationError) -> GraphQLError:
    """A domain refusal as a top-level FORBIDDEN error, naming the permission or the add-on it needs."""
    perm = next((p for p in Perm if p.value == error.requirement), None)
    refusal = forbidden(str(error), perm)
    addon = next((a for a in Addon if a.value == error.requirement), None)
    if perm is None and addon is not None:
        refusal.extensions["addon"] = addon.value
    return refusal


def missing_permission_message(perm: Perm) -> str:
    spec = CATALOGUE[perm]
    text = f'You need the "{spec.label}" permission'
    if spec.addon:
        text += f" and the {spec.addon.value} add-on"
    return text + "."


def require(viewer: Viewer, *perms: Perm) -> None:
    for perm in perms:
        if not viewer.permissions.has(perm):
            raise forbidden(missing_permission_message(perm), perm)


def require_scope(viewer: Viewer, scopes: tuple[Scope, ...]) -> None:
    """A partner key may call a field only when it holds one of the scopes the field names."""
    if viewer.key is None:
        return
    if not scopes:
        raise GraphQLError("Partner keys cannot use this field.", extensions={"code": "FORBIDDEN", "scopes": []})
    if not viewer.key.allows(*scopes):
        raise GraphQLError(f"This partner key needs the {' or '.join(s.value for s in scopes)} scope.",
                           extensions={"code": "FORBIDDEN", "scopes": [s.value for s in scopes]})


def _permission_class(perms: tuple[Perm, ...], scopes: tuple[Scope, ...],
                      roles: tuple[Role, ...] = ()) -> type[BasePermission]:
    class _Requires(BasePermission):
        message = "permission denied"

        def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
            viewer = info.context.viewer  # raises UNAUTHENTICATED
            require_scope(viewer, scopes)
            require(viewer, *perms)  # raises FORBIDDEN
            if roles and viewer.role not in roles:
                raise GraphQLError(f"Only {' and '.join(r.value.lower() for r in roles)} users may use this.",
                                   extensions={"code": "FORBIDDEN", "roles": [r.value for r in roles]})
            partner_read(info, viewer, scopes)  # issue 16 point 8: a key reading student data is audited
            return True

    _Requires.__name__ = "Requires" + "".join(p.name.title().replace("_", "") for p in perms)
    # read by the schema-wide authorization tests
    _Requires.perms, _Requires.scopes, _Requires.roles = perms, scopes, roles
    return _Requires


def requires(description: str, *perms: Perm, scopes: tuple[Scope, ...] = (),
             roles: tuple[Role, ...] = ()) -> dict[str, Any]:
    """Keyword arguments for strawberry.field/mutation: the check and the SDL sentences (the
    permissions, the roles when only some may call it, then which partner-key scopes may)."""
    needs = requirement_text(*perms) if perms else "Requires a signed-in user."
    if roles:
        needs = f"{needs[:-1]} and a {' or '.join(r.value for r in roles)} role."
    return {
        "description": f"{description} {needs} {scope_text(*scopes)}",
        "permission_classes": [_permission_class(perms, scopes, roles)],
    }


def requires_district_settings(description: str) -> dict[str, Any]:
    """District set-up (preferences every school and user inherits): district administrators."""
    return requires(description, Perm.COMMUNICATION, Perm.DISTRICT_SETTINGS)


class _RequiresAdministrator(BasePermission):
    message = "permission denied"
    # Read by the schema-wide authorization tests (tests/access): what the class requires.
    perms, scopes, roles = (Perm.COMMUNICATION,), (), (Role.ADMIN,)

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        require_scope(info.context.viewer, ())  # raises UNAUTHENTICATED first; never a partner key
        require(info.context.viewer, Perm.COMMUNICATION)
        if info.context.viewer.role is not Role.ADMIN:
            raise GraphQLError("Only administrators may change school preferences.",
                               extensions={"code": "FORBIDDEN", "role": Role.ADMIN.value})
        return True


def requires_school_administrator(description: str) -> dict[str, Any]:
    """A school's own preference: an administrator (role ADMIN) of that school, which the resolver
    finds among the viewer's schools (another school answers like a missing one); without a school
    it is the district's default, which needs "Communication District Settings"."""
    text = (f"{description} {requirement_text(Perm.COMMUNICATION)[:-1]} and an administrator (role ADMIN) of "
            f"that school; the district's default (no school) requires "
            f"{CATALOGUE[Perm.DISTRICT_SETTINGS].describe()}. {scope_text()}")
    return {"description": text, "permission_classes": [_RequiresAdministrator]}


def gated(description: str, *perms: Perm, default: Any = None, family: Perm | None = None) -> Any:
    """An input field that needs ``perms`` when it is set to anything but its default (PERM-02).
    ``family``: what parents and students need instead, where their role has its own rule."""
    text = f"{description} {requirement_text(*perms)[:-1]} to set"
    if family is not None:
        text += f"; parents and students need {CATALOGUE[family].describe()} instead"
    return strawberry.field(
        default=default,
        description=text + ".",
        metadata={REQUIRES_KEY: perms, FAMILY_REQUIRES_KEY: (family,) if family else None},
    )


def gated_by_value(description: str, table: Mapping[enum.Enum, tuple[Perm, ...]], *,
                   default: Any = dataclasses.MISSING) -> Any:
    """An enum (or list of enums) input field whose values each need their own permissions; required
    unless given a ``default`` (a nullable field: ``default=None``)."""
    return strawberry.field(
        default=default,
        description=description + " Each value needs the permissions its description names.",
        metadata={REQUIRES_BY_VALUE_KEY: table},
    )


def _is_set(value: Any, default: Any) -> bool:
    return value is not None and value != default and value != [] and value is not False


def authorize_input(viewer: Viewer, data: Any) -> None:
    """Raise FORBIDDEN for the first gated field the viewer may not set; writes nothing."""
    for field in data.__strawberry_definition__.fields:
        value = getattr(data, field.python_name)
        metadata = field.metadata or {}
        if REQUIRES_KEY in metadata and _is_set(value, field.default):
            family_alternative = metadata.get(FAMILY_REQUIRES_KEY)
            if family_alternative and viewer.role in FAMILY_ROLES:
                require(viewer, *family_alternative)
            else:
                require(viewer, *metadata[REQUIRES_KEY])
        if REQUIRES_BY_VALUE_KEY in metadata and value is not None:
            table = metadata[REQUIRES_BY_VALUE_KEY]
            for item in value if isinstance(value, list) else [value]:
                key = next((k for k in table if k.value == getattr(item, "value", item)), None)
                if key is not None:
                    require(viewer, *table[key])
