"""Issue 17, "Proof: fuzzing": generated queries and mutations (hypothesis-graphql on
``schema.graphql``: tests/access/fuzzing.py) against the production-config app, one run of
OPERATIONS_PER_ROLE per role of the authorization walk (district administrator, school
administrator, teacher, parent, student, a partner key per scope, anonymous:
tests/access/walk_callers.py). No answer may be a server error (an HTTP 5xx, or a masked unexpected
exception: INTERNAL_SERVER_ERROR) or hold a traceback, SQL, a file path or an internal class or
module name.

The mutations write, so the module owns its database, seeded with a small district and thrown away
after (tests/access/fuzzing.fuzz_world): a PostgreSQL database of its own (no Redis: the in-process
broker keeps its jobs, and the run's worker process never sees them). It runs in the PostgreSQL
pass only, where the issue asks for its proof: it takes 8 to 12 minutes on a loaded two-core
machine, and the SQLite pass would double that (bench/fuzz.py fuzzes either backend). The runs are
derandomized, so CI fuzzes the same documents every time; bench/fuzz.py runs 20,000 per role with
fresh randomness.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import harness
from domain.access.scopes import Scope
from fuzzing import MaskedCauses, Tally, fuzz_world, operations
from harness import BASE_DATABASE_URL, USES_POSTGRES
from walk_callers import ANONYMOUS, USER_ROLES

pytestmark = pytest.mark.skipif(not USES_POSTGRES, reason="fuzzed in the PostgreSQL pass (see the docstring)")
OPERATIONS_PER_ROLE = 2000
ROLES = [name for name, _, _ in USER_ROLES] + [f"key {scope.value}" for scope in Scope] + [ANONYMOUS]


@pytest.fixture(scope="module")
def world():
    """The fuzzer's own database (on the run's backend) and app; the session's are left alone."""
    url = harness._create_postgres_database(BASE_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with fuzz_world(url) as built:
        yield built
    _drop_postgres_database(url)


def _drop_postgres_database(url: str) -> None:
    admin = create_engine(BASE_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.timeout(1800)  # the run takes minutes (see the module docstring), past the suite's 300 s
def test_issue_17_fuzzing_no_server_error_and_no_leak_for_any_role(world):
    """Issue 17 "Proof: fuzzing": OPERATIONS_PER_ROLE generated operations as each role of ROLES;
    0 server errors, 0 responses with a traceback, SQL, a file path or an internal name.

    Generating a document costs about twice what answering it does, so each document is sent as
    every role in turn (one run per role, each counted on its own): the roles see the same
    documents, and every finding of the run is listed, not only the first."""
    callers = [next(caller for caller in world.callers if caller.name == role) for role in ROLES]
    tallies = {role: Tally() for role in ROLES}
    found = []

    @settings(max_examples=OPERATIONS_PER_ROLE, derandomize=True, database=None, deadline=None,
              phases=(Phase.generate,), suppress_health_check=list(HealthCheck))
    @given(document=operations())
    def as_every_role(document: str) -> None:
        for caller in callers:
            status, body, wrong = world.run(caller, document, causes)
            tallies[caller.name].add(status, body, wrong)
            found.extend(wrong)

    with MaskedCauses().watching() as causes:
        as_every_role()
    summary = "\n".join(f"{role}: {tally.operations} operations, {tally.server_errors} server errors, "
                        f"{tally.leaks} leaks; first codes {dict(tally.codes.most_common(6))}"
                        for role, tally in tallies.items())
    print(summary)
    assert not found, f"{len(found)} findings\n{summary}\n" + "\n".join(str(finding) for finding in found[:20])
    assert all(tally.operations >= OPERATIONS_PER_ROLE for tally in tallies.values()), summary
