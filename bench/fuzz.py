"""The long fuzzing run of issue 17 ("Proof: fuzzing"): what tests/access/test_fuzz.py does in CI, ten
times over and with fresh randomness.

    python bench/fuzz.py [--operations 20000] [--seed N] [--postgres URL] [--roles NAME,NAME]

Generated queries and mutations (hypothesis-graphql on schema.graphql: tests/access/fuzzing.py), each
sent as every role of the authorization walk (district administrator, school administrator,
teacher, parent, student, a partner key per scope, anonymous), to the production-config app on a
database the run owns and drops: a temporary SQLite file, or with ``--postgres`` (a server URL such
as postgresql+psycopg://postgres@127.0.0.1:5432/postgres) a fresh PostgreSQL database. ``--seed``
replays a run (the seed is printed first). Prints every finding (a server error or a response
leaking a traceback, SQL, a path or an internal name) with its document, a line per role, and last
``operations=… server_errors=… leaks=…`` (operations: requests over all roles).
"""

from __future__ import annotations

import argparse
import logging
import os
import pathlib
import random
import sys
import tempfile
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parents[1]
HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != HERE]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "access")]

from bench.dispatch import BENCH_RATE_LIMITS  # noqa: E402


def _environment(database_url: str) -> None:
    """The production configuration's environment, set before the application is imported."""
    os.environ.update({
        "HOMEROOM_ENVIRONMENT": "production",
        "HOMEROOM_DATABASE_URL": database_url,
        "HOMEROOM_JWT_SECRET": uuid.uuid4().hex + uuid.uuid4().hex,
        **BENCH_RATE_LIMITS,  # thousands of operations a minute as one user from one address
    })
    for name in ("HOMEROOM_REDIS_URL", "HOMEROOM_CHANNEL_PLUGINS", "HOMEROOM_PLUGIN_CONFIG"):
        os.environ.pop(name, None)


def _postgres_database(server_url: str) -> tuple[str, object]:
    """A fresh database on ``server_url``'s server and the function that drops it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"homeroom_bench_fuzz_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(server_url).set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--operations", type=int, default=20000, help="documents, each sent as every role")
    parser.add_argument("--seed", type=int, default=None, help="replay a run (default: a fresh one)")
    parser.add_argument("--postgres", default=None, help="PostgreSQL server URL (default: a SQLite file)")
    parser.add_argument("--roles", default=None, help="comma-separated role names (default: every role)")
    args = parser.parse_args()
    seed = random.randrange(2**32) if args.seed is None else args.seed
    print(f"seed={seed} operations per role={args.operations}", flush=True)

    workdir = tempfile.TemporaryDirectory(prefix="homeroom-fuzz-")
    database_url, drop = (_postgres_database(args.postgres) if args.postgres
                          else (f"sqlite:///{workdir.name}/fuzz.db", lambda: None))
    _environment(database_url)
    try:
        run(database_url, seed, args.operations, args.roles)
    finally:
        drop()
        workdir.cleanup()


def run(database_url: str, seed: int, operations_per_role: int, roles: str | None) -> None:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as fixed_seed

    from fuzzing import MaskedCauses, Tally, fuzz_world, operations

    # Refusals and masked errors are logged with their stacks; the findings print what matters.
    logging.getLogger("strawberry.execution").setLevel(logging.CRITICAL)
    logging.getLogger("graph.error_masking").propagate = False
    with fuzz_world(database_url) as world, MaskedCauses().watching() as causes:
        wanted = set(roles.split(",")) if roles else None
        callers = [caller for caller in world.callers if wanted is None or caller.name in wanted]
        tallies = {caller.name: Tally() for caller in callers}
        started = time.perf_counter()

        @fixed_seed(seed)
        @settings(max_examples=operations_per_role, database=None, deadline=None, phases=(Phase.generate,),
                  suppress_health_check=list(HealthCheck))
        @given(document=operations())
        def as_every_role(document: str) -> None:
            for caller in callers:
                status, body, found = world.run(caller, document, causes)
                tallies[caller.name].add(status, body, found)
                for finding in found:
                    print(finding, flush=True)
            done = tallies[callers[0].name].operations
            if done % 1000 == 0:
                print(f"{done} documents, {time.perf_counter() - started:.0f} s", flush=True)

        as_every_role()
    for name, tally in tallies.items():
        print(f"{name}: {tally.operations} operations, {tally.server_errors} server errors, {tally.leaks} leaks; "
              f"first codes {dict(tally.codes.most_common(6))}")
    print(f"elapsed={time.perf_counter() - started:.0f}s")
    print(f"operations={sum(t.operations for t in tallies.values())} "
          f"server_errors={sum(t.server_errors for t in tallies.values())} "
          f"leaks={sum(t.leaks for t in tallies.values())}")


if __name__ == "__main__":
    main()
