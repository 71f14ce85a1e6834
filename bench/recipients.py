"""Time the dry-run plan and the fan-out of one message to every student of a 50,000-student district.

    python bench/recipients.py [--students 50000] [--database-url URL] [--reuse]

Default database: a local PostgreSQL database ``homeroom_bench`` (wiped and seeded unless --reuse
finds a seeded district there). For ALL_CONTACTS and ONCE_PER_FAMILY over every student (email):
the seconds to compute the plan (store the selection, resolve, count per channel and outcome, read
the first page; rolled back) and to compute it and write the delivery rows (fan-out), and the peak
memory of the process. The last line is ``plan_s=… plan_and_rows_s=… deliveries=… peak_mb=…`` for
the slower of the two types.
"""

from __future__ import annotations

import argparse
import pathlib
import resource
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
# Run as a file, this script's folder is first on sys.path, where bench/email.py would shadow the
# standard library's email; the project root goes there instead, and siblings are bench.<name>.
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from sqlalchemy import func, select  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

import models  # noqa: E402,F401
from domain.delivery.fan_out import fan_out  # noqa: E402
from domain.messages.send import SendMessageRequest, create_message  # noqa: E402
from domain.recipients.plan import plan_message, plan_rows, plan_summary  # noqa: E402
from domain.demo.seeding import seed_district  # noqa: E402
from domain.access.viewer import load_viewer  # noqa: E402
from models.db import make_engine, session_scope  # noqa: E402
from models.directory import Student, User  # noqa: E402
from models.messaging import Channel, StudentRecipientType  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/homeroom_bench"


def _schema_is_current(engine) -> bool:
    """The database is migrated to the newest revision (a district seeded by an older version is
    rebuilt rather than reused)."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from homeroom.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config(str(engine.url))).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head


def _rebuild_schema(engine) -> None:
    """Drop everything and build the schema by the migrations, as production does."""
    from sqlalchemy import text

    from homeroom.migrate import upgrade

    SQLModel.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(engine.url.render_as_string(hide_password=False))


def ensure_district(engine, students: int, reuse: bool) -> None:
    if reuse and _schema_is_current(engine):
        try:
            with Session(engine) as session:
                if session.execute(select(func.count()).select_from(Student)).scalar_one() >= students:
                    return
        except Exception:  # noqa: BLE001  (no tables yet)
            pass
    _rebuild_schema(engine)
    started = time.perf_counter()
    seed_district(engine, students=students, seed=7)
    print(f"seeded {students:,} students in {time.perf_counter() - started:.1f} s")


def forget_messages(engine, message_ids) -> None:
    """Delete what a benchmark's messages wrote (attempts, deliveries, selections, the messages),
    so every run meets a ledger of the same size: how fast rows go in depends on how big the
    ledger's indexes already are."""
    from sqlalchemy import delete

    from models.messaging import Delivery, DeliveryAttempt, Message, MessageStaff, MessageStudent

    ids = list(message_ids)
    if not ids:
        return
    deliveries = select(Delivery.id).where(Delivery.message_id.in_(ids))
    with session_scope(engine) as session:
        session.execute(delete(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(deliveries)))
        session.execute(delete(Delivery).where(Delivery.message_id.in_(ids)))
        for table in (MessageStudent, MessageStaff):
            session.execute(delete(table).where(table.message_id.in_(ids)))
        session.execute(delete(Message).where(Message.id.in_(ids)))


def every_student(kind: StudentRecipientType, family_seed: int | None = None) -> SendMessageRequest:
    return SendMessageRequest(subject="Bench", html_body="<p>Bench</p>", channels=(Channel.EMAIL,),
                              recipient_type=kind, all_students=True, family_seed=family_seed)


def measure(engine, kind: StudentRecipientType) -> dict:
    with Session(engine) as session:
        admin = session.execute(select(User.id).where(User.login == "admin")).scalar_one()
        viewer = load_viewer(session, admin)
        started = time.perf_counter()
        message = create_message(session, viewer, every_student(kind))
        plan_message(session, message)
        summary = plan_summary(session, viewer, message)
        plan_rows(session, message, offset=0, limit=100, will_send=None)
        plan_s = time.perf_counter() - started
        session.rollback()
    with session_scope(engine) as session:
        viewer = load_viewer(session, admin)
        started = time.perf_counter()
        message = create_message(session, viewer, every_student(kind, summary.family_seed))  # the plan's draw
        session.flush()
        written = fan_out(session, message.id).deliveries_written
    plan_and_rows_s = time.perf_counter() - started
    forget_messages(engine, [message.id])
    planned = sum(outcome.count for outcome in summary.outcomes)
    assert planned == written, f"plan {planned} != written {written}"
    return {"type": kind.value, "students": summary.selected_students, "deliveries": written,
            "recipients": summary.recipient_count, "plan_s": plan_s, "plan_and_rows_s": plan_and_rows_s,
            "outcomes": {o.status: o.count for o in summary.outcomes}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--reuse", action="store_true", help="keep a district already seeded there")
    args = parser.parse_args(argv)
    engine = make_engine(args.database_url)
    ensure_district(engine, args.students, args.reuse)
    results = [measure(engine, kind) for kind in (StudentRecipientType.ALL_CONTACTS,
                                                   StudentRecipientType.ONCE_PER_FAMILY)]
    engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for result in results:
        print(f"{result['type']}: {result['students']:,} students → {result['deliveries']:,} deliveries, "
              f"{result['recipients']:,} recipients; plan {result['plan_s']:.2f} s, "
              f"plan + rows {result['plan_and_rows_s']:.2f} s; outcomes {result['outcomes']}")
    print(f"peak memory {peak_mb:.0f} MB ({engine.dialect.name})")
    slowest = max(results, key=lambda r: r["plan_and_rows_s"])
    print(f"plan_s={slowest['plan_s']:.2f} plan_and_rows_s={slowest['plan_and_rows_s']:.2f} "
          f"deliveries={slowest['deliveries']} peak_mb={peak_mb:.0f} type={slowest['type']} "
          f"backend={engine.dialect.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
