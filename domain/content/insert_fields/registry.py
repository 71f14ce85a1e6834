"""The insert-field registry: one catalogue, the union of every registered source's fields.

A *source* owns one set of fields of one category (``{{student.first_name}}`` is the student
category's) and a set-based loader that fills them for a whole batch of subjects at once. The
built-in sources register when this package is imported; attendance, integrations and other areas
call ``register`` from a module the process imports at start, so that composing (validation),
the editor (``insertFields``) and dispatch all see the same catalogue.
"""

from __future__ import annotations

import dataclasses
import enum
import html
import re
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping

from sqlmodel import Session

#: A placeholder as written in a text: ``{{category.field}}``, spaces inside the braces allowed.
FIELD = re.compile(r"\{\{\s*([a-z_]+\.[a-z_]+)\s*\}\}")
_NAME = re.compile(r"[a-z_]+\.[a-z_]+")


class InsertFieldCategory(str, enum.Enum):
    """The groups an editor shows; a field's name starts with its category (``student.…``)."""

    RECIPIENT = "RECIPIENT"
    STUDENT = "STUDENT"
    USER = "USER"
    FINANCE = "FINANCE"
    MARKING_PERIOD = "MARKING_PERIOD"

    @property
    def prefix(self) -> str:
        return self.value.lower() + "."


@dataclasses.dataclass(frozen=True)
class InsertField:
    """One field as the editor lists it."""

    name: str  # written in a text as {{name}}
    description: str  # what it is filled in with
    example: str  # a value as it could be filled in, shown in the editor


@dataclasses.dataclass(frozen=True)
class Subject:
    """Whom one delivery or letter is filled in for. The message matters to sources whose values
    depend on it (a marking period resolved per message); the student is the one the delivery is
    about (None for staff), the user the account it goes to (None when it reaches no account)."""

    message_id: int
    student_id: int | None = None
    user_id: int | None = None
    recipient_name: str = ""


#: A source's loader: the values of its fields for every subject it can fill, in one statement per
#: ``ID_CHUNK`` ids (``rows_for_ids``), never one per subject. A subject left out gets empty values.
Loader = Callable[[Session, Collection[Subject]], Mapping[Subject, Mapping[str, str]]]


@dataclasses.dataclass(frozen=True)
class InsertFieldSource:
    """A category's fields (or some of them) and the loader that fills them."""

    category: InsertFieldCategory
    fields: tuple[InsertField, ...]
    load: Loader
    #: Whether ``load`` reads ``Subject.user_id``: dispatch looks up the accounts of contacts (one
    #: statement per batch) only when a source that reads them is used.
    reads_user_id: bool = True

    @property
    def names(self) -> frozenset[str]:
        return frozenset(field.name for field in self.fields)


class InsertFieldConflict(ValueError):
    """A source the catalogue cannot take: a name it already has (names are unique across
    sources), or one outside the source's category."""


_sources: list[InsertFieldSource] = []
_lock = threading.Lock()


def register(source: InsertFieldSource) -> InsertFieldSource:
    """Add ``source`` to the catalogue; its names must be new, well-formed and in its category."""
    for field in source.fields:
        if not _NAME.fullmatch(field.name) or not field.name.startswith(source.category.prefix):
            raise InsertFieldConflict(f"{field.name!r} is not a name of the form "
                                       f"'{source.category.prefix}field' (lower case and underscores)")
    if len(source.names) != len(source.fields):
        raise InsertFieldConflict("a source names one of its fields twice")
    with _lock:
        taken = source.names & known_names()
        if taken:
            raise InsertFieldConflict(f"already in the catalogue: {', '.join(sorted(taken))}")
        _sources.append(source)
    return source


def unregister(source: InsertFieldSource) -> None:
    """Take ``source`` out of the catalogue (a test that registered one)."""
    with _lock:
        _sources.remove(source)


def sources() -> tuple[InsertFieldSource, ...]:
    return tuple(_sources)


def catalogue(*, search: str | None = None,
              category: InsertFieldCategory | None = None) -> list[tuple[InsertFieldCategory, InsertField]]:
    """EDT-05: every field by category order then name; ``search`` matches names in any case,
    across categories; ``category`` narrows to one."""
    term = (search or "").strip().lower()
    order = list(InsertFieldCategory)
    found = [(source.category, field) for source in sources() for field in source.fields
             if (category is None or source.category is category) and term in field.name.lower()]
    return sorted(found, key=lambda pair: (order.index(pair[0]), pair[1].name))


def known_names() -> frozenset[str]:
    return frozenset(name for source in _sources for name in source.names)


def fields_in(*texts: str | None) -> frozenset[str]:
    """The insert fields the texts name."""
    return frozenset(name for text in texts if text for name in FIELD.findall(text))


def unknown_fields(*texts: str | None) -> list[str]:
    """The names in the texts that no registered source fills (CMP-25: refused when composed)."""
    return sorted(fields_in(*texts) - known_names())


def sources_for(names: Iterable[str]) -> list[InsertFieldSource]:
    """Only the sources that fill one of ``names``: a text without finance fields queries no assets."""
    wanted = frozenset(names)
    return [source for source in sources() if source.names & wanted]


def field_values(session: Session, subjects: Collection[Subject],
                 names: Iterable[str]) -> dict[Subject, dict[str, str]]:
    """The values of ``names`` for every subject: each source that fills one of them loads once for
    the whole batch. A field with no value for a subject is absent (it renders empty)."""
    found: dict[Subject, dict[str, str]] = {subject: {} for subject in subjects}
    if not found:
        return found
    for source in sources_for(names):
        own = source.names
        for subject, values in source.load(session, list(found)).items():
            if subject in found:
                found[subject].update({name: value for name, value in values.items() if name in own})
    return found


def render(text: str, values: Mapping[str, str], *, as_html: bool) -> str:
    """``text`` with each placeholder replaced by its value (HTML-escaped in HTML), or nothing."""

    def value(match: re.Match) -> str:
        found = values.get(match.group(1)) or ""
        return html.escape(found) if as_html else found

    return FIELD.sub(value, text)


#: Ids per statement when a loader reads rows by id: PostgreSQL takes at most 65,535 bound
#: parameters in one statement and SQLite 32,766, and a district-wide print names every student.
ID_CHUNK = 5_000


def id_chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    """``ids`` (without None, each once, in order) in lists of at most ID_CHUNK."""
    unique = sorted({value for value in ids if value is not None})
    for start in range(0, len(unique), ID_CHUNK):
        yield unique[start:start + ID_CHUNK]
