"""The fuzzer of issue 17 ("Proof: fuzzing"), shared by tests/access/test_fuzz.py (CI) and bench/fuzz.py.

Documents come from hypothesis-graphql, read from the checked-in ``schema.graphql`` as a client
reads it: every query and mutation root field with random arguments and selections, three valid
documents (``Mode.POSITIVE``) to one with a single schema violation (``Mode.NEGATIVE``: a wrong
type, a missing argument, an unknown enum value). IDs are mostly global ids of small row numbers
(domain.support.global_ids), of a kind drawn at random, so they name real rows of the seeded district
now and then (when the kind drawn is the one the argument takes); dates and times are mostly well formed.

Each document is posted to the production-config app (HOMEROOM_ENVIRONMENT=production: masking,
no introspection, no suggestions) built on a database the fuzzer owns and throws away, since the
mutations write. The answer is a failure (``findings``) when it is a server error (an HTTP 5xx, or
an error coded INTERNAL_SERVER_ERROR: a masked unexpected exception) or when it leaks what a
client must never see (``LEAKS``: a traceback, SQL, a database driver, a file path, an internal
class or module name) that the request did not itself contain (an answer may echo its input).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import logging
import os
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import graphql
import hypothesis_graphql
from hypothesis import strategies as st
from hypothesis_graphql import Mode, nodes

from domain.support.global_ids import Kind, global_id

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"
SCHEMA = graphql.build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))
#: A seeded district small enough to build in seconds, whose ids 1-40 name real rows of most tables.
FUZZ_STUDENTS = 40
FUZZ_SEED = 17

_UTC = st.just(dt.UTC)
_TEXT = st.text(max_size=12).map(nodes.String)


def _mostly(valid: st.SearchStrategy, other: st.SearchStrategy, odds: int = 3) -> st.SearchStrategy:
    """``valid`` ``odds`` times to ``other`` once: the document passes validation and reaches the
    resolvers most of the time. (``st.one_of`` drops a repeated strategy, so it cannot weight.)"""
    return st.integers(0, odds).flatmap(lambda draw: other if draw == odds else valid)


#: Global ids of small rows of any kind: one of the argument's kind names a seeded row.
_GLOBAL_IDS = st.builds(global_id, st.sampled_from(list(Kind)), st.integers(1, 40)).map(nodes.String)
#: Scalars the fuzzer fills itself (hypothesis-graphql looks these names up before its built-ins):
#: global ids of small rows that name seeded rows, page sizes that pass the 1-100 rule and the cost
#: limit most of the time, dates and times that parse (a malformed one fails the whole document's
#: validation); each with arbitrary values now and then (for an ID: a raw row number, which is no
#: longer an id, an Int literal, text, a global id of a row past the integer range).
CUSTOM_SCALARS = {
    "ID": _mostly(_GLOBAL_IDS, st.one_of(
        st.integers(1, 40).map(nodes.String), st.integers(1, 40).map(nodes.Int), _TEXT, st.integers().map(nodes.String),
        st.builds(global_id, st.sampled_from(list(Kind)), st.integers(2**63, 2**70)).map(nodes.String))),
    "Int": _mostly(st.integers(0, 12).map(nodes.Int), st.integers(-2**31, 2**31 - 1).map(nodes.Int)),
    "DateTime": _mostly(st.datetimes(timezones=_UTC).map(lambda value: nodes.String(value.isoformat())),
                        st.one_of(st.datetimes().map(lambda value: nodes.String(value.isoformat())), _TEXT), 7),
    "Date": _mostly(st.dates().map(lambda value: nodes.String(value.isoformat())), _TEXT, 7),
    "Time": _mostly(st.times().map(lambda value: nodes.String(value.isoformat())), _TEXT, 7),
}


def operations() -> st.SearchStrategy[str]:
    """GraphQL documents: three valid ones to one with a single schema violation."""
    valid = hypothesis_graphql.from_schema(SCHEMA, custom_scalars=CUSTOM_SCALARS)
    invalid = hypothesis_graphql.from_schema(SCHEMA, custom_scalars=CUSTOM_SCALARS, mode=Mode.NEGATIVE)
    return _mostly(valid, invalid)


#: What no answer may hold unless the request did: (what it is, pattern).
LEAKS = (
    ("traceback", re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+")),
    ("SQL", re.compile(r"\b(?:SELECT\b.{1,200}?\bFROM|INSERT INTO|UPDATE\b.{1,200}?\bSET|DELETE FROM)\b")),
    ("database driver", re.compile(r"sqlite3|psycopg|sqlalchemy|\(Background on this error", re.IGNORECASE)),
    ("file path", re.compile(r"/work/|site-packages|\.py\"|\.py:\d+|\.py\b")),
    ("internal class", re.compile(r"\b[A-Z]\w*(?:Error|Exception)\(|\bobject at 0x[0-9a-f]+|<class '")),
    ("module path", re.compile(r"\b(?:domain|graph|models|channels|jobs|homeroom|strawberry|graphql|pydantic|"
                               r"starlette|fastapi|dramatiq)\.[a-z_]+\.[a-z_]+")),
)


@dataclasses.dataclass(frozen=True)
class Finding:
    kind: str  # "server error" or a LEAKS name
    caller: str
    document: str
    status: int
    body: str
    cause: str = ""  # the masked exception, from the server's log

    def __str__(self) -> str:
        cause = f"\n  cause: {self.cause}" if self.cause else ""
        return f"{self.kind} as {self.caller}: HTTP {self.status}\n  {self.document}\n  -> {self.body[:600]}{cause}"


def findings(caller: str, document: str, status: int, body: str) -> list[Finding]:
    """What is wrong with the answer ``status``/``body`` to ``document``."""
    found = []
    try:
        errors = json.loads(body).get("errors") or []
    except (ValueError, AttributeError):
        errors = []
    codes = {str((error.get("extensions") or {}).get("code")) for error in errors if isinstance(error, dict)}
    if status >= 500 or "INTERNAL_SERVER_ERROR" in codes:
        found.append(Finding("server error", caller, document, status, body))
    for kind, pattern in LEAKS:
        leaked = [match.group(0) for match in pattern.finditer(body) if match.group(0) not in document]
        if leaked:
            found.append(Finding(f"{kind} ({leaked[0]!r})", caller, document, status, body))
    return found


@dataclasses.dataclass
class Tally:
    """Operations run and what they found, with the error codes answered (coverage at a glance)."""

    operations: int = 0
    server_errors: int = 0
    leaks: int = 0
    codes: Counter = dataclasses.field(default_factory=Counter)
    examples: list = dataclasses.field(default_factory=list)

    def add(self, status: int, body: str, found: list[Finding]) -> None:
        self.operations += 1
        self.server_errors += sum(finding.kind == "server error" for finding in found)
        self.leaks += sum(finding.kind != "server error" for finding in found)
        try:
            errors = json.loads(body).get("errors") or []
        except (ValueError, AttributeError):
            errors = []
        first = (errors[0].get("extensions") or {}).get("code") if errors and isinstance(errors[0], dict) else None
        self.codes[str(first) if errors else "(data)"] += 1
        self.examples.extend(found[: max(0, 5 - len(self.examples))])


class MaskedCauses(logging.Handler):
    """The exceptions the app masked (graph.error_masking logs each with its request id)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.causes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.causes.append(f"{type(record.exc_info[1]).__name__}: {record.exc_info[1]}")

    @contextlib.contextmanager
    def watching(self) -> Iterator[MaskedCauses]:
        logger = logging.getLogger("graph.error_masking")
        logger.addHandler(self)
        try:
            yield self
        finally:
            logger.removeHandler(self)


@dataclasses.dataclass
class World:
    client: object  # starlette.testclient.TestClient of the production-config app
    engine: object
    callers: list  # tests/access/walk_callers.Caller
    school_id: int
    tokens: dict = dataclasses.field(default_factory=dict)  # caller name -> its current secret

    def post(self, caller, document: str) -> tuple[int, str]:
        token = self.tokens.get(caller.name, caller.token)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.client.post("/graphql", json={"query": document}, headers=headers)
        return response.status_code, response.text

    def run(self, caller, document: str, causes: MaskedCauses | None = None) -> tuple[int, str, list[Finding]]:
        before = len(causes.causes) if causes else 0
        status, body = self.post(caller, document)
        found = findings(caller.name, document, status, body)
        if causes and found and len(causes.causes) > before:
            found = [dataclasses.replace(finding, cause=causes.causes[-1]) for finding in found]
        if caller.is_key and '"UNAUTHENTICATED"' in body:
            self.renew_key(caller)
        return status, body, found

    def renew_key(self, caller) -> None:
        """A new key of ``caller``'s scope, when a fuzzed mutation revoked (or rotated) its key: the
        ids are small, so the district administrator's runs reach the walk's keys."""
        from partner_key_steps import create_key

        with contextlib.suppress(Exception):  # the key's creator may have been fuzzed out too
            self.tokens[caller.name] = create_key(self.client, self.engine, scopes=[caller.scope.name],
                                                  school_ids=[self.school_id], name=f"fuzz {caller.scope.value}")["secret"]


@contextlib.contextmanager
def fuzz_world(database_url: str, *, students: int = FUZZ_STUDENTS) -> Iterator[World]:
    """A seeded district on ``database_url`` (empty; the caller throws it away), the app in its
    production configuration on it (no Redis, no worker: queued jobs stay queued), and the walk's
    callers (tests/access/walk_callers.py) at its first school."""
    from starlette.testclient import TestClient

    from domain.demo.seeding import seed_district
    from factories import first_school_id
    from homeroom.app import create_app
    from homeroom.migrate import upgrade
    from homeroom.settings import CHANNEL_KINDS, load_settings
    from models.db import engine_for
    from walk_callers import make_callers

    upgrade(database_url)
    engine = engine_for(database_url)
    seed_district(engine, students=students, seed=FUZZ_SEED)
    settings = load_settings(environment="production", jwt_secret=os.environ["HOMEROOM_JWT_SECRET"],
                             database_url=database_url, redis_url=None,
                             channel_plugins={kind: "discard" for kind in CHANNEL_KINDS})
    app = create_app(settings, run_worker=False)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            school_id = first_school_id(engine)
            yield World(client, engine, make_callers(client, engine, school_id), school_id)
    finally:
        engine.dispose()
