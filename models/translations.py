"""Translations (TRN-*): one text per language of a message, a template or an announcement.

A manual translation (TRN-04) is written by the author and saved with drafts, templates and
announcements (TRN-05); a machine translation is written once per (message, language) at fan-out by
the translator plugin (TRN-01) and never per recipient. Both live in the same row shape, told apart
by ``origin``, so a recipient's copy is read the same way whichever made it (TRN-03). A language is
a BCP 47 code from ``domain.translations.languages``.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import String, Text
from sqlmodel import Field, SQLModel

from models.db import utcnow


class TranslationOrigin(str, enum.Enum):
    MANUAL = "MANUAL"  # TRN-04: replaces the machine translation for that language
    MACHINE = "MACHINE"  # TRN-01: made by the translator plugin at fan-out


class MessageTranslation(SQLModel, table=True):
    """A message's (or draft's, or scheduled message's) text in one language. ``None`` in a field:
    that part was not translated and the original is used."""

    __tablename__ = "message_translation"

    message_id: int = Field(foreign_key="message.id", primary_key=True)
    language: str = Field(max_length=16, primary_key=True)
    origin: TranslationOrigin = Field(default=TranslationOrigin.MANUAL, sa_type=String(8))
    subject: str | None = Field(default=None, max_length=400)
    html_body: str | None = Field(default=None, sa_type=Text)
    text_body: str | None = Field(default=None, sa_type=Text)
    sms_text: str | None = Field(default=None, sa_type=Text)
    call_text: str | None = Field(default=None, sa_type=Text)
    created_at: dt.datetime = Field(default_factory=utcnow)


class TemplateTranslation(SQLModel, table=True):
    """A template's manual translation into one language (TRN-04); copied onto the message that
    uses the template (TRN-05)."""

    __tablename__ = "template_translation"

    template_id: int = Field(foreign_key="message_template.id", primary_key=True)
    language: str = Field(max_length=16, primary_key=True)
    subject: str | None = Field(default=None, max_length=400)
    html_body: str | None = Field(default=None, sa_type=Text)
    sms_text: str | None = Field(default=None, sa_type=Text)
    call_text: str | None = Field(default=None, sa_type=Text)
    created_at: dt.datetime = Field(default_factory=utcnow)


class AnnouncementTranslation(SQLModel, table=True):
    """An announcement's manual translation into one language (TRN-04): its title and body on the
    portal, and the email, SMS and call its posting sends."""

    __tablename__ = "announcement_translation"

    announcement_id: int = Field(foreign_key="announcement.id", primary_key=True)
    language: str = Field(max_length=16, primary_key=True)
    title: str | None = Field(default=None, max_length=400)
    html_body: str | None = Field(default=None, sa_type=Text)
    email_subject: str | None = Field(default=None, max_length=400)
    email_html_body: str | None = Field(default=None, sa_type=Text)
    sms_text: str | None = Field(default=None, sa_type=Text)
    call_text: str | None = Field(default=None, sa_type=Text)
    created_at: dt.datetime = Field(default_factory=utcnow)
