"""What the template tests share: the GraphQL documents, users made with the permissions a test
needs, and their profile ids."""

from __future__ import annotations

from sqlalchemy import select, update

from factories import unique
from shared_steps import PDF
from helpers import gql, make_user
from domain.access.permissions import Perm
from models.db import session_scope
from models.directory import PermissionLevel, ProfileGrant, Role, User, UserProfile
from models.templates import Letterhead

TEMPLATE_FIELDS = """id title subject htmlBody smsText callText tabTarget academicRecordCategory secure priority
  addLogRecord push canEdit canPublish letterhead { id name } profiles { id name } schools { id name }
  files { filename size } author { id name }"""

CREATE = f"""mutation($input: TemplateInput!) {{ createTemplate(input: $input) {{ __typename
  ... on TemplateSaved {{ template {{ {TEMPLATE_FIELDS} }} }}
  ... on CreateTemplateErrors {{ errors {{ field code message }} }} }} }}"""

UPDATE = f"""mutation($id: ID!, $input: TemplateInput!) {{ updateTemplate(id: $id, input: $input) {{ __typename
  ... on TemplateSaved {{ template {{ {TEMPLATE_FIELDS} }} }}
  ... on UpdateTemplateErrors {{ errors {{ field code message }} }} }} }}"""

DELETE = """mutation($id: ID!) { deleteTemplate(id: $id) { __typename ... on TemplateDeleted { id }
  ... on DeleteTemplateErrors { errors { field code message } } } }"""

USE = """mutation($id: ID!, $draftId: ID) { useTemplate(templateId: $id, draftId: $draftId) { __typename
  ... on TemplateUsed { skippedFields draft { id subject htmlBody channels secure priority smsText callText
    letterheadId addLogRecord academicRecordCategory studentIds recipientType attachments { filename size } } }
  ... on UseTemplateErrors { errors { field code message } } } }"""

TEMPLATE = f"""query($id: ID!) {{ template(id: $id) {{ {TEMPLATE_FIELDS} }} }}"""

TEMPLATES = """query($title: String, $tab: TabTarget, $first: Int, $after: String) {
  templates(titleContains: $title, tab: $tab, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id title tabTarget letterhead { name }
      academicRecordCategory profiles { name } schools { name } author { name } } } } }"""


def staff(engine, role: Role = Role.ADMIN, *, perms=None, without=(), school_ids=None, view_only=()) -> tuple[str, str]:
    """(token, login) of a fresh staff user with one profile of their own; ``view_only``: permissions
    granted at View rather than Edit."""
    login = unique(f"{role.value.lower()}.tpl.")
    token = make_user(engine, role, perms=perms, without=without, school_ids=school_ids, login=login)
    if view_only:
        profile = profile_of(engine, login)
        with session_scope(engine) as session:
            session.execute(update(ProfileGrant).where(ProfileGrant.profile_id == profile, ProfileGrant.permission.in_(
                [perm.value for perm in view_only])).values(level=PermissionLevel.VIEW.value))
    return token, login


def profile_of(engine, login: str) -> int:
    with session_scope(engine) as session:
        return session.execute(select(UserProfile.profile_id).join(User, User.id == UserProfile.user_id)
                               .where(User.login == login)).scalar_one()


def user_id(engine, login: str) -> int:
    with session_scope(engine) as session:
        return session.execute(select(User.id).where(User.login == login)).scalar_one()


def create(client, token: str, **fields) -> dict:
    """A template made through the API (a title and a body unless given); asserts it was made."""
    body = gql(client, CREATE, {"input": {"title": unique("Template "), "htmlBody": "<p>Dear family,</p>",
                                          **fields}}, token)
    made = body["data"]["createTemplate"]
    assert made["__typename"] == "TemplateSaved", body
    return made["template"]


def errors_of(body: dict, mutation: str) -> list[dict]:
    payload = body["data"][mutation]
    assert payload["__typename"].endswith("Errors"), body
    return payload["errors"]


def forbidden(body: dict) -> bool:
    return body.get("data") is None or any(e["extensions"]["code"] == "FORBIDDEN" for e in body.get("errors", []))


ADMIN_TEMPLATE_PERMS = [Perm.COMMUNICATION, Perm.SEND_MESSAGES]


def letterhead(engine, *uses: str) -> int:
    """A letterhead available for ``uses`` (LetterheadUse values); its id."""
    with session_scope(engine) as session:
        row = Letterhead(name=unique("Letterhead "), header_html="<p>Lincoln USD</p>", available_for=list(uses))
        session.add(row)
        session.flush()
        return row.id


def upload_to_template(client, token, template_id, name="trip-form.pdf", data=PDF, content_type="application/pdf"):
    """POST a file to the template's upload route (homeroom.routes.template_files); the response."""
    return client.post(f"/templates/{template_id}/attachments", files={"file": (name, data, content_type)},
                       headers={"Authorization": f"Bearer {token}"} if token else {})
