"""Persisted queries: documents known ahead by their SHA-256 hash (issue 17 point 6).

``homeroom persisted-queries build DIR`` writes the manifest, a JSON object of hash → document
(each ``.graphql`` file's text, validated against the schema). With it set
(HOMEROOM_PERSISTED_QUERIES), a request may send ``extensions.persistedQuery.sha256Hash`` (as
Apollo's persisted-query link does) and omit the document; with HOMEROOM_PERSISTED_ONLY=true any
document not in the manifest is refused with PERSISTED_QUERY_NOT_FOUND, over HTTP and WebSocket.
Persisted documents stay in the document cache once valid (graph.limits.documents).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graphql import GraphQLError

#: Apollo's message for an unknown hash: its client then sends the document with the hash.
NOT_FOUND_MESSAGE = "PersistedQueryNotFound"


def document_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ManifestError(ValueError):
    """The manifest cannot be read, or is not a JSON object of SHA-256 hash → document."""


def read_manifest(path: Path) -> dict[str, str]:
    """The manifest at ``path``, each entry's hash checked against its document."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ManifestError(f"cannot read {path}: {error.strerror or error}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ManifestError(f"{path} is not a JSON file: {error}") from None
    if not isinstance(manifest, dict) or not all(isinstance(text, str) for text in manifest.values()):
        raise ManifestError(f"{path} must be a JSON object of SHA-256 hash → document text")
    wrong = [key for key, text in manifest.items() if key != document_hash(text)]
    if wrong:
        raise ManifestError(f"{path}: the entry {wrong[0]!r} is not the SHA-256 hash of its document")
    return manifest


def not_found() -> GraphQLError:
    return GraphQLError(NOT_FOUND_MESSAGE, extensions={"code": "PERSISTED_QUERY_NOT_FOUND"})


class PersistedQueries:
    """A manifest's documents, and whether only they may run."""

    def __init__(self, documents: Mapping[str, str] | None = None, *, only: bool = False) -> None:
        self.documents = dict(documents or {})
        self.only = only

    def resolve(self, query: Any, extensions: Any) -> Any:
        """The document a request runs: its ``query``, or the manifest's document for the hash in its
        ``extensions``. Raises a coded GraphQLError for an unknown hash, a hash its document does not
        match, or (persisted-only) a document not in the manifest; other shapes pass through for
        the usual errors."""
        persisted = extensions.get("persistedQuery") if isinstance(extensions, Mapping) else None
        wanted = persisted.get("sha256Hash") if isinstance(persisted, Mapping) else None
        if wanted is not None and not isinstance(wanted, str):
            raise GraphQLError("extensions.persistedQuery.sha256Hash must be a string",
                               extensions={"code": "BAD_REQUEST"})
        if not query and wanted is not None:
            if wanted not in self.documents:
                raise not_found()
            return self.documents[wanted]
        if isinstance(query, str) and query:
            known = wanted if wanted is not None else (document_hash(query) if self.only else None)
            if wanted is not None and document_hash(query) != wanted:
                raise GraphQLError("The document does not match extensions.persistedQuery.sha256Hash.",
                                   extensions={"code": "PERSISTED_QUERY_HASH_MISMATCH"})
            if self.only and known not in self.documents:
                raise not_found()
        return query


def document_problems(schema: Any, text: str, limits: Any) -> list[str]:
    """Why ``text`` would be refused before it runs (``schema``: a strawberry Schema; ``limits``:
    graph.limits.GraphQLLimits): its size, syntax, validation with the depth and alias rules.
    Empty when it would run (the cost, which depends on variables, is checked per request)."""
    from graphql import parse, specified_rules
    from strawberry.schema.schema import validate_document

    from graph.limits import validation_rules
    from graph.limits.tokens import code_size_error

    try:
        document = parse(text, max_tokens=limits.max_tokens, max_source_length=limits.max_characters)
    except GraphQLError as error:
        if "Parsing aborted" in error.message:
            code_size_error(error, text, max_tokens=limits.max_tokens, max_characters=limits.max_characters)
            numbers = error.extensions
            return [f"{numbers['code']}: {numbers['found']} {numbers['unit']}, the limit is {numbers['limit']}"]
        return [error.message]
    errors = validate_document(schema._schema, document, (*specified_rules, *validation_rules(limits)))
    return [error.message for error in errors]
