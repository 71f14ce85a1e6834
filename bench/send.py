"""Send one message to every student's custodial contacts and time fan-out and dispatch.

    python bench/send.py --students 20000 [--database-url URL] [--channels EMAIL,SMS]

Seeds a district (temporary SQLite file by default; a PostgreSQL database is wiped first), sends
one PRIMARY_CONTACTS message to every active student through the domain code the actors call,
then dispatches every queued delivery in chunks through a plugin that does nothing. This measures
Homeroom's own cost per delivery (SQL and bookkeeping), not a provider's. The last line printed
is one line of ``name=value`` pairs.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
# Run as a file, this script's folder is first on sys.path, where bench/email.py would shadow the
# standard library's email; the project root goes there instead, and siblings are bench.<name>.
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from sqlalchemy import func, select  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

import models  # noqa: E402,F401
from channels.base import ChannelKind, ChannelPlugin, Sent  # noqa: E402
from channels.registry import ChannelRegistry  # noqa: E402
from domain.delivery.dispatch import dispatch_deliveries  # noqa: E402
from domain.delivery.fan_out import fan_out, queued_delivery_chunks  # noqa: E402
from domain.messages.send import SendMessageRequest, create_message  # noqa: E402
from domain.demo.seeding import seed_district  # noqa: E402
from domain.access.viewer import load_viewer  # noqa: E402
from homeroom.runtime import build_runtime  # noqa: E402
from homeroom.settings import load_settings  # noqa: E402
from models.db import make_engine, session_scope  # noqa: E402
from models.directory import Student, User  # noqa: E402
from models.messaging import Channel, Delivery, StudentRecipientType  # noqa: E402


class NoopChannel(ChannelPlugin):
    name = "noop"
    kinds = frozenset(ChannelKind)

    def send(self, batch):
        return [Sent(envelope.reference) for envelope in batch]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--chunk", type=int, default=500)
    parser.add_argument("--channels", default="EMAIL,SMS")
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args(argv)
    channels = tuple(Channel(name.strip()) for name in args.channels.split(","))

    with tempfile.TemporaryDirectory(prefix="homeroom-bench-") as scratch:
        engine = make_engine(args.database_url or f"sqlite:///{scratch}/send.db")
        backend = engine.dialect.name
        if backend == "postgresql":
            SQLModel.metadata.drop_all(engine)
        SQLModel.metadata.create_all(engine)
        seed_district(engine, students=args.students, seed=args.seed)
        with session_scope(engine) as session:
            admin = session.execute(select(User).where(User.login == "admin")).scalars().one()
            viewer = load_viewer(session, admin.id)
            student_ids = tuple(session.execute(select(Student.id).where(Student.status == "ACTIVE")).scalars())
            started = time.perf_counter()
            message = create_message(session, viewer, SendMessageRequest(
                subject="Bench", html_body="<p>Bench</p>", channels=channels,
                recipient_type=StudentRecipientType.PRIMARY_CONTACTS, student_ids=student_ids))
        stored = time.perf_counter() - started
        started = time.perf_counter()
        with session_scope(engine) as session:
            rows = fan_out(session, message.id).deliveries_written
        with session_scope(engine) as session:
            chunks = queued_delivery_chunks(session, message.id, args.chunk)
        fanned = time.perf_counter() - started
        registry = ChannelRegistry({kind: NoopChannel(NoopChannel.Config()) for kind in ChannelKind})
        services = build_runtime(load_settings(environment="development"), registry=registry).delivery
        started = time.perf_counter()
        sent = sum(dispatch_deliveries(engine, registry, chunk, services).sent for chunk in chunks)
        dispatched = time.perf_counter() - started
        with session_scope(engine) as session:
            by_status = dict(session.execute(select(Delivery.status, func.count()).where(
                Delivery.message_id == message.id).group_by(Delivery.status)).all())
        engine.dispose()

    print(f"backend {backend}: {len(student_ids):,} students, channels {','.join(c.value for c in channels)}")
    print(f"  store message + selection  {stored:6.2f} s")
    print(f"  fan-out                    {fanned:6.2f} s  {rows:,} delivery rows ({rows / fanned:,.0f} rows/s)")
    print(f"  dispatch (no-op plugin)    {dispatched:6.2f} s  {sent:,} sent in {len(chunks)} chunks "
          f"({sent / dispatched:,.0f} deliveries/s)")
    print("  statuses: " + ", ".join(f"{status}={count}" for status, count in sorted(by_status.items())))
    print(f"bench=send backend={backend} students={len(student_ids)} deliveries={rows} sent={sent} "
          f"fan_out_s={fanned:.2f} fan_out_rows_per_s={rows / fanned:.0f} dispatch_s={dispatched:.2f} "
          f"dispatch_per_s={sent / dispatched:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
