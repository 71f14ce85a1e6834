"""Time machine translation at fan-out (issue 19, TRN-01): a 20,000-recipient message in 12
languages through the Translator stand-in, against the same message untranslated in the same run.

    python bench/translation.py [--database-url URL] [--students N] [--runs N]

PostgreSQL in a database of its own (default ``homeroom_bench_trn``, created and seeded with
``--students`` students on first use; reused after). Every student reads one of 12 languages (their
card and their own account), the district reads the display language (setting 1), and the message
goes by email to every student. Each run stores the message and writes its rows as a request does
(create_message + fan_out), then runs the hand-on job's domain step (hand_on): with translation it
asks the ``azure`` plugin, pointed at the in-process stand-in (tests/peers/translator.py on
pytest-httpserver), for each language once before handing out any chunk. The clock stops when the
dispatch chunks are handed out (recorded, not enqueued: both runs meet the same queue cost, none).
Runs alternate translated / untranslated (the add-on off), ``--runs`` each, and the figures are
medians; each run's rows are deleted after it. Last line:
``languages=… requests=… fanout_s=… base_fanout_s=… ratio=…`` (requests: per translated message).
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/homeroom_bench_trn"
LANGUAGES = ("es", "vi", "so", "ar", "zh-Hans", "ht", "pt", "ru", "ko", "fr", "fil", "am")


def configure(database_url: str) -> None:
    os.environ.update({
        "HOMEROOM_DATABASE_URL": database_url, "HOMEROOM_ENVIRONMENT": "production",
        "HOMEROOM_JWT_SECRET": "bench-only-secret-bench-only-secret", "HOMEROOM_PLUGIN_CONFIG": "{}",
        "HOMEROOM_CHANNEL_PLUGINS": '{"email": "discard", "sms": "discard", "voice": "discard", "push": "discard"}',
    })
    os.environ.pop("HOMEROOM_REDIS_URL", None)  # embedded broker and bus: nothing is enqueued here


def ensure_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def give_languages(engine) -> None:
    """Each student (and their own account) reads one of LANGUAGES, round robin by id; every
    student is active with a primary email, so the message reaches one recipient per student."""
    from sqlalchemy import String, case, cast, func, literal, select, update

    from models.db import session_scope
    from models.directory import Student, User

    spoken = case(*[(Student.id % len(LANGUAGES) == n, language) for n, language in enumerate(LANGUAGES)])
    address = func.coalesce(func.nullif(func.trim(Student.primary_email), ""),
                            literal("student-") + cast(Student.id, String) + "@bench.example.org")
    with session_scope(engine) as session:
        session.execute(update(Student).values(language=spoken, status="ACTIVE", primary_email=address))
        session.execute(update(User).where(User.student_id.is_not(None)).values(
            language=select(Student.language).where(Student.id == User.student_id).scalar_subquery()))


class RecordedJobs:
    """A JobQueue noting when the chunks are handed out instead of enqueueing them."""

    def __init__(self):
        from domain.delivery.policy import ChunkSizes

        self.sizes, self.handed_at, self.chunks = ChunkSizes.of(500), None, 0

    def chunk_sizes(self):
        return self.sizes

    def dispatch(self, chunks):
        self.chunks += len(list(chunks))
        self.handed_at = time.perf_counter()

    def hand_on(self, message_id, lane):
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--students", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3, help="sends of each kind; the figures are their medians")
    args = parser.parse_args(argv)
    configure(args.database_url)
    ensure_database(args.database_url)

    import logging

    from pytest_httpserver import HTTPServer
    from sqlalchemy import func, select

    from bench.recipients import ensure_district, forget_messages
    from channels.translators.azure import AzureTranslator
    from domain.delivery.fan_out import fan_out, hand_on
    from domain.messages.send import SendMessageRequest, create_message
    from domain.access.viewer import load_viewer
    from homeroom.runtime import start_runtime
    from models.db import engine_for, session_scope
    from models.directory import District, TranslationLanguageSource, User
    from models.messaging import Channel, Delivery, StudentRecipientType
    from models.translations import MessageTranslation
    from tests.peers.translator import TranslatorStandIn

    engine = engine_for(args.database_url)
    ensure_district(engine, args.students, reuse=True)
    give_languages(engine)
    runtime = start_runtime()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    stand_in = TranslatorStandIn(server)
    translator = AzureTranslator.from_mapping(stand_in.plugin_config())
    with session_scope(engine) as session:
        admin_id = session.execute(select(User.id).where(User.login == "admin")).scalar_one()
        district = session.execute(select(District)).scalars().one()
        district.translation_language_source = TranslationLanguageSource.DISPLAY_LANGUAGE
        district.translation_glossary = ["Lincoln High"]
    request = SendMessageRequest(
        subject="Lincoln High: picture day on Friday",
        html_body="<p>Dear {{student.first_name}},</p><p>Picture day at Lincoln High is this Friday. Please "
                  "wear your uniform and bring the order form.</p>",
        channels=(Channel.EMAIL,), recipient_type=StudentRecipientType.STUDENTS, all_students=True)

    def send(translated: bool) -> tuple[float, int, int, int]:
        with session_scope(engine) as session:
            session.execute(District.__table__.update().values(addon_translations=translated))
        stand_in.reset()
        jobs = RecordedJobs()
        started = time.perf_counter()
        with session_scope(engine) as session:  # what the send mutation's transaction does
            message = create_message(session, load_viewer(session, admin_id), request)
            fan_out(session, message.id, in_app_now=False)
            message_id = message.id
        hand_on(engine, jobs, runtime.events, message_id, translator=translator)
        elapsed = jobs.handed_at - started
        with session_scope(engine) as session:
            rows = session.execute(select(func.count()).select_from(Delivery).where(
                Delivery.message_id == message_id, Delivery.channel == "EMAIL",
                Delivery.status == "QUEUED")).scalar_one()
            languages = session.execute(select(func.count(func.distinct(Delivery.language))).where(
                Delivery.message_id == message_id, Delivery.channel == "EMAIL",
                Delivery.language != "en")).scalar_one()
            session.execute(MessageTranslation.__table__.delete().where(MessageTranslation.message_id == message_id))
        forget_messages(engine, [message_id])
        return elapsed, len(stand_in.requests), rows, languages

    translated_runs, base_runs = [], []
    try:
        send(False)  # warm-up: statement caches, the connection pool
        for _ in range(args.runs):
            for translated, runs in ((True, translated_runs), (False, base_runs)):
                elapsed, requests, rows, languages = send(translated)
                runs.append((elapsed, requests, rows, languages))
                print(f"{'translated' if translated else 'original  '}: {rows:,} emails queued in {languages} "
                      f"languages, {requests} translator requests, chunks handed out in {elapsed:.2f} s")
    finally:
        server.clear()
        if server.is_running():
            server.stop()
    fanout_s = statistics.median(run[0] for run in translated_runs)
    base_s = statistics.median(run[0] for run in base_runs)
    requests = max(run[1] for run in translated_runs)
    languages = max(run[3] for run in translated_runs)  # besides the original's
    print(f"recipients={translated_runs[-1][2]} runs={args.runs}")
    print(f"languages={languages} requests={requests} fanout_s={fanout_s:.2f} base_fanout_s={base_s:.2f} "
          f"ratio={fanout_s / base_s:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
