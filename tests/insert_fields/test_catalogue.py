"""The insert-field catalogue: one list of registered sources, searched by name across categories
(EDT-05), extended by a registered source and refusing a duplicate name."""

from __future__ import annotations

import pytest

from domain.content.insert_fields import (
    InsertFieldConflict, InsertField, InsertFieldCategory, InsertFieldSource, catalogue, register, unknown_fields,
    unregister,
)
from helpers import gql, token_for

FIELDS = """query($search: String, $category: InsertFieldCategory) {
  insertFields(search: $search, category: $category) { name category description example } }"""


def listed(client, token, **variables) -> list[dict]:
    body = gql(client, FIELDS, variables, token)
    assert "errors" not in body, body
    return body["data"]["insertFields"]


def test_edt_05_search_matches_field_names_across_categories_in_any_case(client, engine):
    """Covers EDT-05: "AS" (any case) finds student.last_name, user.last_name and the finance asset
    fields together; a category narrows the same search to one group; every field has a category,
    a description and an example; no search lists the whole catalogue."""
    token = token_for(engine, "admin")
    found = listed(client, token, search="AS")
    names = {field["name"] for field in found}
    assert {"student.last_name", "user.last_name", "finance.asset_tags", "finance.assets"} <= names
    assert all("as" in name for name in names)
    assert {field["category"] for field in found} == {"STUDENT", "USER", "FINANCE"}
    assert all(field["description"].strip() and field["example"].strip() for field in found)
    finance = listed(client, token, search="as", category="FINANCE")
    assert {field["name"] for field in finance} == {name for name in names if name.startswith("finance.")}
    assert {field["category"] for field in finance} == {"FINANCE"}
    everything = listed(client, token)
    assert {"recipient.name", "student.first_name", "user.full_name", "finance.asset_count"} <= {
        field["name"] for field in everything}
    assert listed(client, token, search="no_such_field") == []
    assert [field["name"] for field in listed(client, token, category="USER")] == sorted(
        field["name"] for field in everything if field["category"] == "USER")


def test_the_catalogue_requires_communication(client, engine):
    """insertFields declares "Communication": an account without it gets an authorization error,
    not the list."""
    from helpers import make_user
    from models.directory import Role

    token = make_user(engine, Role.STUDENT, perms=[])
    body = gql(client, FIELDS, {"search": "name"}, token)
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body


def _no_values(_session, _subjects):
    return {}


def test_a_registered_source_joins_the_catalogue_and_a_duplicate_name_is_refused(client, engine):
    """Covers EDT-05: a source registered by another area (here, by the test) is listed and searchable
    and its names become known to validation; unregistered, it is gone. A name already in the
    catalogue, or one outside the source's category, is refused when registering."""
    source = InsertFieldSource(InsertFieldCategory.STUDENT, (
        InsertField("student.locker_number", "The student's locker.", "B-112"),), _no_values)
    assert unknown_fields("Locker {{student.locker_number}}") == ["student.locker_number"]
    register(source)
    try:
        found = listed(client, token_for(engine, "admin"), search="LOCKER")
        assert found == [{"name": "student.locker_number", "category": "STUDENT",
                          "description": "The student's locker.", "example": "B-112"}]
        assert unknown_fields("Locker {{student.locker_number}}") == []
        with pytest.raises(InsertFieldConflict, match="student.locker_number"):
            register(InsertFieldSource(InsertFieldCategory.STUDENT, (
                InsertField("student.locker_number", "Again.", "B-113"),), _no_values))
    finally:
        unregister(source)
    assert unknown_fields("Locker {{student.locker_number}}") == ["student.locker_number"]
    with pytest.raises(InsertFieldConflict, match="student.first_name"):
        register(InsertFieldSource(InsertFieldCategory.STUDENT, (
            InsertField("student.first_name", "A second first name.", "Ana"),), _no_values))
    with pytest.raises(InsertFieldConflict, match="finance."):
        register(InsertFieldSource(InsertFieldCategory.FINANCE, (
            InsertField("student.balance", "Not a finance name.", "$1"),), _no_values))
    assert [field.name for _, field in catalogue(search="locker")] == []
