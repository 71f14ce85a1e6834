"""Ids in URL paths (issue 13 point 11): an id past the database's integer columns names no row,
so it is 404 like a missing id, without reaching the database (SQLite cannot even bind one past
2^63, which used to answer 500)."""

from __future__ import annotations

from fastapi import HTTPException, Request

from models.db import row_id


def path_ids_in_range(request: Request) -> None:
    """A router dependency: a ``…_id`` path parameter past the integer range is 404."""
    for name, value in request.path_params.items():
        digits = value.removeprefix("-") if name.endswith("_id") and isinstance(value, str) else ""
        if digits.isascii() and digits.isdigit() and row_id(value) is None:
            raise HTTPException(status_code=404, detail=f"no {name.removesuffix('_id')} {value}")
