"""What the editor tests share (issue 18 point 5): the GraphQL documents, the district's editor
preference set for a test and put back, and the links around images in delivered HTML."""

from __future__ import annotations

import contextlib
from html.parser import HTMLParser

from sqlalchemy import select

from helpers import gql, set_district
from models.db import session_scope
from models.directory import District
from models.templates import MessageTemplate

PREFERENCES = """query Preferences { districtPreferences { pdfNamesOnEachPage useOriginalTextEditor textEditor } }"""
TEXT_EDITOR = "query Editor { textEditor }"
UPDATE_PREFERENCES = """mutation Update($input: UpdateDistrictPreferencesInput!) {
  updateDistrictPreferences(input: $input) { __typename
    ... on DistrictPreferencesUpdated { templatesConverted
      preferences { pdfNamesOnEachPage useOriginalTextEditor textEditor } }
    ... on UpdateDistrictPreferencesErrors { errors { field path code message } } } }"""
CREATE_TEMPLATE = """mutation Create($input: TemplateInput!) { createTemplate(input: $input) { __typename
  ... on TemplateSaved { template { id htmlBody } } ... on CreateTemplateErrors { errors { field code } } } }"""
UPDATE_TEMPLATE = """mutation Change($id: ID!, $input: TemplateInput!) { updateTemplate(id: $id, input: $input) {
  __typename ... on TemplateSaved { template { id htmlBody } } ... on UpdateTemplateErrors { errors { field code } } } }"""
TEMPLATE = "query Template($id: ID!) { template(id: $id) { id htmlBody } }"

#: An imported block (EDT-04): legacy markup and styling inside, none of it converted.
IMPORTED = ('<div class="raw-html-embed"><table width="600" align="center" style="border-collapse:collapse">'
            '<tbody><tr><td bgcolor="#003366"><center><font color="#ffffff" face="Arial"><b>Lincoln News</b>'
            "</font></center></td></tr><tr><td>Dear {{recipient.name}},<br><i>see you Friday</i></td></tr></tbody>"
            "</table></div>")


@contextlib.contextmanager
def original_editor(engine):
    """The district on the original text editor for the block (as migration 0038 leaves a district
    that had templates), then back to what it was, whatever the block switched."""
    previous = set_district(engine, use_original_text_editor=True)
    try:
        yield
    finally:
        set_district(engine, **previous)


def preference(engine) -> bool | None:
    with session_scope(engine) as session:
        return session.execute(select(District.use_original_text_editor)).scalar_one()


def stored_bodies(engine) -> dict[int, str]:
    """Every template's HTML as stored, by id."""
    with session_scope(engine) as session:
        return dict(session.execute(select(MessageTemplate.id, MessageTemplate.html_body)).all())


def update_preferences(client, token: str, **fields) -> dict:
    return gql(client, UPDATE_PREFERENCES, {"input": fields}, token)


def create_template(client, token: str, html: str, **fields) -> dict:
    """A template made through the API; asserts it was made."""
    from factories import unique

    body = gql(client, CREATE_TEMPLATE, {"input": {"title": unique("Editor template "), "htmlBody": html, **fields}},
               token)
    assert body["data"]["createTemplate"]["__typename"] == "TemplateSaved", body
    return body["data"]["createTemplate"]["template"]


def names_on_each_page(engine) -> bool:
    """What printing uses (SET-02, domain.letters.content)."""
    from domain.letters.content import names_on_each_page_by_default

    with session_scope(engine) as session:
        return names_on_each_page_by_default(session)


def forbidden(body: dict) -> bool:
    """A top-level FORBIDDEN and no data: an authorization error, not a payload."""
    return body.get("data") is None and [error["extensions"]["code"] for error in body["errors"]] == ["FORBIDDEN"]


class _LinkedImages(HTMLParser):
    def __init__(self):
        super().__init__()
        self.open_links: list[str | None] = []
        self.found: list[tuple[str | None, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.open_links.append(dict(attrs).get("href"))
        elif tag == "img":
            self.found.append((next((href for href in reversed(self.open_links) if href), None),
                               dict(attrs).get("src") or ""))

    def handle_endtag(self, tag):
        if tag == "a" and self.open_links:
            self.open_links.pop()


def images_with_links(markup: str) -> list[tuple[str | None, str]]:
    """(the href of the link an image is inside, or None; the image's src) for each image, in order."""
    parser = _LinkedImages()
    parser.feed(markup)
    parser.close()
    return parser.found
