"""Ids in URL paths: the same opaque global ids the GraphQL API shows (issue 17 point 1), so a
client downloads ``/messages/{Message.id}/attachments/{AttachedFile.id}`` with the ids it was
given. A path id that is not an id of the kind its parameter names (a number, another kind's id,
garbage) is 404 exactly like a missing row, without reaching the database."""

from __future__ import annotations

from fastapi import HTTPException

from domain.support.global_ids import Kind, pk_of


def path_pk(value: str, kind: Kind, name: str, *, missing: str | None = None) -> int:
    """The row of ``kind`` the path parameter ``name`` names, or 404 with ``missing``: the detail the
    route gives a missing row, so the two answer alike (default "no <name> <value>")."""
    pk = pk_of(value, kind)
    if pk is None:
        raise HTTPException(status_code=404, detail=missing or f"no {name} {value}")
    return pk
