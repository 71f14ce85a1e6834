"""The shape of expected errors (issue 14 point 5, issue 17 point 2, STYLE "Two kinds of error"):
every mutation payload's errors implement UserError (field, path, code, message) with the one
UserErrorCode vocabulary; no payload is shared between mutations; each mutation's description lists
the codes it can return; a malformed id answers like a missing one."""

from __future__ import annotations

from graphql import GraphQLObjectType, GraphQLUnionType

from graph.schema import build_schema
from helpers import gid, gql, make_user, pk_of
from models.directory import Role


def test_issue_17_point_2_every_mutation_error_payload_is_its_own_and_implements_user_error():
    """Each `<Mutation>Errors` member of a mutation's result union belongs to that mutation only,
    its error type implements UserError with `code: UserErrorCode!`, and the mutation's description
    names the codes it can return, each a value of UserErrorCode."""
    schema = build_schema(development=True)._schema
    codes = schema.type_map["UserErrorCode"].values
    seen: dict[str, str] = {}
    for name, field in schema.mutation_type.fields.items():
        result = field.type.of_type if hasattr(field.type, "of_type") else field.type
        if not isinstance(result, GraphQLUnionType):
            continue
        for member in result.types:
            if not member.name.endswith("Errors"):
                continue
            assert member.name not in seen, f"{name} and {seen.get(member.name)} share {member.name}"
            seen[member.name] = name
            pascal = name[0].upper() + name[1:]
            if member.name != "ImportRecipientsErrors":  # its rows: ImportRowError (a UserError too)
                assert member.name == f"{pascal}Errors", (name, member.name)
            error = member.fields["errors"].type.of_type.of_type.of_type
            assert isinstance(error, GraphQLObjectType) and [i.name for i in error.interfaces] == ["UserError"]
            assert str(error.fields["code"].type) == "UserErrorCode!"
            listed = field.description.split("Error codes (UserErrorCode): ")[1].rstrip(".").split(", ")
            assert set(listed) <= set(codes), (name, listed)
    assert len(seen) >= 40, seen  # recipientPlan, a query, has its own too


def test_issue_17_point_2_no_mutation_answers_null_or_a_per_mutation_code_enum():
    """No mutation's result is nullable, and no `<Mutation>ErrorCode` enum is left: one vocabulary."""
    schema = build_schema(development=True)._schema
    nullable = [name for name, field in schema.mutation_type.fields.items() if not hasattr(field.type, "of_type")]
    assert nullable == []
    assert [name for name in schema.type_map if name.endswith("ErrorCode")] == ["UserErrorCode"]


def test_a_malformed_draft_id_answers_like_a_missing_draft(client, engine):
    """sendDraft with "abc", an id past the integer range, an id of no draft, a raw row number or an
    id of another kind: one NOT_FOUND answer."""
    token = make_user(engine, Role.TEACHER)
    document = """mutation($id: ID!) { sendDraft(id: $id) { __typename
      ... on SendDraftErrors { errors { path field code message } } } }"""
    draft = gql(client, """mutation { saveDraft(input: {htmlBody: "<p>x</p>", channels: [EMAIL]}) {
      ... on SaveDraftSuccess { message { id } } } }""", None, token)["data"]["saveDraft"]["message"]["id"]
    draft_row = pk_of(draft)  # the teacher's own draft, named by its row number or as another kind
    values = ("abc", str(2**64), gid("Message", 2**64), gid("Message", 987654321), str(draft_row),
              gid("Student", draft_row))
    answers = [gql(client, document, {"id": value}, token) for value in values]
    assert all(answer == answers[0] for answer in answers), answers
    [error] = answers[0]["data"]["sendDraft"]["errors"]
    assert (error["field"], error["code"]) == ("id", "NOT_FOUND")


def test_issue_17_point_2_the_documents_in_docs_api_md_are_valid_against_the_schema():
    """docs/api.md's GraphQL examples run as written; its UserError block matches the schema's."""
    import re
    from pathlib import Path

    from graphql import parse, validate

    schema = build_schema(development=True)._schema
    text = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    blocks = [block.strip() for block in re.findall(r"```graphql\n(.*?)```", text, re.S)]
    operations = [block for block in blocks if not block.startswith("interface")]
    assert operations
    for block in operations:
        assert validate(schema, parse(block)) == [], block
    [interface] = [block for block in blocks if block.startswith("interface UserError")]
    documented = re.findall(r"^\s+(\w+):", interface, re.M)
    assert documented == list(schema.type_map["UserError"].fields)
