"""Time from sending an emergency to its first delivery attempt while a normal backlog is queued.

    python bench/emergency.py [--database-url URL] [--redis-url URL] [--processes 2] [--threads 4]

Uses the district of bench/recipients.py. Fans out an email to every student's contacts (~97,000
sendable deliveries) and enqueues all of it on the normal lane, with `homeroom worker`
processes running the ``discard`` plugin. Once the workers are busy, it stores an emergency SMS to
one family and enqueues its fan-out on the emergency lane, as sendMessage does, and times until the
emergency's first delivery attempt. Last line: ``first_attempt_s=… backlog=…`` where backlog is
the number of normal deliveries still queued when the emergency was sent, then where the time went
as the ledger stamps it (``fanned_out_s``, ``attempt_started_s``, ``recorded_s``: seconds after the
send; first_attempt_s is when this script saw the attempt, polling a loaded database).
"""

from __future__ import annotations

import argparse
import datetime as dt
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
HERE = pathlib.Path(__file__).resolve().parent
# Run as a file, this script's folder is first on sys.path, where bench/email.py would shadow the
# standard library's email; the project root goes there instead, and siblings are bench.<name>.
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from bench.dispatch import CHUNK, DEFAULT_REDIS, DEFAULT_URL, configure, start, stop, wait_for  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args(argv)
    env = configure(args.database_url, args.redis_url)

    import redis
    from sqlalchemy import func, select

    import jobs
    from homeroom.runtime import start_runtime
    from domain.delivery.fan_out import fan_out, queued_delivery_chunks
    from domain.delivery.lanes import Lane
    from domain.messages.send import SendMessageRequest, create_message
    from domain.access.viewer import load_viewer
    from models.db import engine_for, session_scope
    from models.directory import Contact, Student, User
    from models.messaging import Channel, Delivery, DeliveryAttempt, StudentRecipientType
    from bench.recipients import ensure_district, every_student, forget_messages

    start_runtime()  # the broker jobs.enqueue_* send on, from the environment configure() set
    engine = engine_for(args.database_url)
    ensure_district(engine, 50_000, reuse=True)
    redis.Redis.from_url(args.redis_url).flushdb()
    with session_scope(engine) as session:
        admin = session.execute(select(User.id).where(User.login == "admin")).scalar_one()
        viewer = load_viewer(session, admin)
        normal = create_message(session, viewer, every_student(StudentRecipientType.ALL_CONTACTS))
        session.flush()
        fan_out(session, normal.id)
        ids = [i for chunk in queued_delivery_chunks(session, normal.id, 10**9) for i in chunk]
        # A family whose custodial contact takes calls and texts.
        family = session.execute(
            select(Student.id).join(Contact, Contact.student_id == Student.id)
            .where(Student.status == "ACTIVE", Contact.custodial.is_(True), Contact.callout.is_(True),
                   Contact.sms.is_(True), Contact.blocked.is_(False), Contact.status == "ACTIVE",
                   Contact.mobile_phone.is_not(None)).limit(1)).scalar_one()

    def queued() -> int:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(Delivery).where(
                Delivery.message_id == normal.id, Delivery.status == "QUEUED")).scalar_one()

    worker = start([sys.executable, "-m", "homeroom.cli", "worker", "--processes", str(args.processes),
                    "--threads", str(args.threads)], env)
    try:
        jobs.enqueue_dispatch((Lane.NORMAL, ids[i:i + CHUNK]) for i in range(0, len(ids), CHUNK))
        wait_for(lambda: queued() < len(ids) - 5 * CHUNK, timeout=60, poll=0.01)  # the workers are busy
        backlog = queued()
        sent_wall = time.time()
        sent_at = time.perf_counter()
        with session_scope(engine) as session:
            emergency = create_message(session, load_viewer(session, admin), SendMessageRequest(
                subject="Emergency", html_body="<p>Shelter in place.</p>", channels=(Channel.SMS,),
                recipient_type=StudentRecipientType.PRIMARY_CONTACTS, student_ids=(family,), emergency=True))
        jobs.enqueue_hand_on(emergency.id, Lane.EMERGENCY)

        def attempted() -> bool:
            with engine.connect() as connection:
                return connection.execute(select(func.count()).select_from(DeliveryAttempt).join(
                    Delivery, Delivery.id == DeliveryAttempt.delivery_id).where(
                    Delivery.message_id == emergency.id)).scalar_one() > 0
        first_attempt = wait_for(attempted, timeout=60, poll=0.005)
        remaining = queued()
    finally:
        stop(worker)
    seconds = first_attempt - sent_at
    steps = where_the_time_went(engine, emergency.id, sent_wall)
    forget_messages(engine, [normal.id, emergency.id])
    print(f"emergency SMS first attempted {seconds:.3f} s after it was sent; normal backlog {backlog:,} queued "
          f"when sent, {remaining:,} still queued at its first attempt "
          f"({args.processes} worker processes × {args.threads} threads, discard plugin)")
    print(f"first_attempt_s={seconds:.3f} backlog={backlog} still_queued={remaining} "
          + " ".join(f"{name}={value:.3f}" for name, value in steps.items()))
    return 0


def where_the_time_went(engine, message_id: int, sent_wall: float) -> dict[str, float]:
    """Seconds after the send (wall clock, as the workers stamp the ledger) at which the emergency
    was fanned out (its hand-on job ran), its first attempt started (the plugin call; after the
    dispatch job was picked up and claimed its rows) and its first outcome was recorded."""
    from sqlalchemy import func, select

    from models.messaging import Delivery, DeliveryAttempt, Message

    with engine.connect() as connection:
        fanned_out = connection.execute(select(Message.fanned_out_at).where(Message.id == message_id)).scalar_one()
        recorded = connection.execute(select(func.min(Delivery.sent_at)).where(Delivery.message_id == message_id)
                                      ).scalar_one()
        started = connection.execute(select(func.min(DeliveryAttempt.started_at)).join(
            Delivery, Delivery.id == DeliveryAttempt.delivery_id).where(Delivery.message_id == message_id)).scalar_one()
    stamps = {"fanned_out_s": fanned_out, "attempt_started_s": started, "recorded_s": recorded}
    return {name: stamp.replace(tzinfo=dt.UTC).timestamp() - sent_wall
            for name, stamp in stamps.items() if stamp is not None}


if __name__ == "__main__":
    raise SystemExit(main())
