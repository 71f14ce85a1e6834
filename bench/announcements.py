"""Time a parent's announcement feed over HTTP beside a plain FastAPI endpoint (ANN-16…ANN-18).

    python bench/announcements.py [--database-url URL] [--redis-url URL] [--requests 300] [--reuse]

Builds its own PostgreSQL database (``homeroom_bench_ann``, created if missing, schema by the
migrations): 50 schools, 50,000 students in sibling families with two contact cards each, a
parent account per family, and 5,000 announcements with random profiles, schools, grade levels,
Student Contacts options, dates, sort orders and deletions. The measured parent has three children
at two schools. Serves the app with uvicorn (a subprocess) and, in a second uvicorn process, a plain
FastAPI endpoint (``response_model``) that reads the same page from the same domain functions the
resolver calls (domain.announcements.visibility.feed_page and portal.portal_views), so the ratio is
what the GraphQL layer costs on top of the SQL. Requests alternate, sequentially, over keep-alive
connections. ``--reuse`` keeps a database already loaded. Last line:
``feed_p95_ms=… base_p95_ms=… ratio=…``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pathlib
import random
import statistics
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from bench.dispatch import DEFAULT_REDIS, configure  # noqa: E402
from bench.inbox import ensure_database, percentile, serve  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/homeroom_bench_ann"
SCHOOLS, STUDENTS, ANNOUNCEMENTS = 50, 50_000, 5_000
GRADES = ["K", *map(str, range(1, 13))]
PROFILES = [(1, "Parent", "PARENT"), (2, "Student", "STUDENT"), (3, "Teacher", "TEACHER"), (4, "Admin", "ADMIN")]
PAGE = 20
FEED = f"""{{ announcementFeed(first: {PAGE}) {{ pageInfo {{ hasNextPage endCursor }}
  edges {{ cursor node {{ id title subtitle htmlBody startDate endDate fileNames }} }} }} }}"""
#: The measured parent's login.
PARENT_LOGIN = "bench.parent"


def loaded(engine) -> bool:
    from sqlalchemy import text

    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM announcement")).scalar_one() >= ANNOUNCEMENTS
    except Exception:  # noqa: BLE001  (no tables yet)
        return False


def _chunks(rows: list[dict], size: int = 5_000):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def load(engine, rng: random.Random) -> None:
    """The district, its families and announcements, in bulk inserts; then statistics."""
    from sqlalchemy import insert, text

    from models.announcements import (Announcement, AnnouncementGradeLevel, AnnouncementProfile,
                                      AnnouncementSchool)
    from models.directory import (Contact, District, Profile, ProfileGrant, School, Student, StudentLink, User,
                                  UserProfile, UserSchool)

    started = time.perf_counter()
    today = dt.date.today()
    students, links, contacts, users, user_profiles = [], [], [], [], []
    users.append({"id": 1, "login": "bench.admin", "role": "ADMIN", "first_name": "Ada", "last_name": "Admin"})
    user_profiles.append({"user_id": 1, "profile_id": 4})
    next_student, next_user = 1, 2

    def family(schools: list[int], login: str | None = None) -> None:
        nonlocal next_student, next_user
        parent = next_user
        next_user += 1
        users.append({"id": parent, "login": login or f"parent.{parent}", "role": "PARENT", "first_name": "Pat",
                      "last_name": f"Family{parent}"})
        user_profiles.append({"user_id": parent, "profile_id": 1})
        members = []
        for school in schools:
            sid = next_student
            next_student += 1
            members.append(sid)
            students.append({"id": sid, "school_id": school, "grade_level": rng.choice(GRADES), "first_name": "Kid",
                             "last_name": f"Family{parent}"})
            contacts.append({"student_id": sid, "first_name": "Pat", "last_name": f"Family{parent}", "custodial": True,
                             "sort_order": 1, "user_id": parent})
            contacts.append({"student_id": sid, "first_name": "Sam", "last_name": f"Family{parent}",
                             "custodial": rng.random() < 0.5, "sort_order": 2, "user_id": None})
        links.extend({"student_id": a, "linked_student_id": b} for a in members for b in members if a != b)

    family([1, 1, 2], login=PARENT_LOGIN)  # the measured parent: three children, two schools
    while next_student <= STUDENTS:
        home = rng.randrange(1, SCHOOLS + 1)
        family([home if rng.random() < 0.8 else rng.randrange(1, SCHOOLS + 1)
                for _ in range(min(rng.choice([1, 1, 2, 2, 3]), STUDENTS - next_student + 1))])
    staff = [{"user_id": 1, "school_id": s} for s in range(1, SCHOOLS + 1)]

    announcements, ann_profiles, ann_schools, ann_grades = [], [], [], []
    for n in range(1, ANNOUNCEMENTS + 1):
        start = today - dt.timedelta(days=rng.randrange(0, 90)) if rng.random() < 0.9 else today + dt.timedelta(
            days=rng.randrange(1, 30))
        end = rng.choice([None, None, None, today - dt.timedelta(days=rng.randrange(1, 30)),
                          today + dt.timedelta(days=rng.randrange(1, 60))])
        announcements.append({
            "id": n, "author_id": 1, "title": f"Announcement {n}", "html_body": f"<p>News number {n}</p>",
            "start_date": start, "end_date": end, "sort_order": rng.randrange(1, 20) if rng.random() < 0.2 else None,
            "student_contacts": rng.choice([None, None, "PRIMARY", "ALL", "ONCE_PER_FAMILY", "TEACHERS_OF"]),
            "family_seed": rng.randrange(0, 2**31 - 1), "public": rng.random() < 0.1,
            "deleted_at": dt.datetime.now(dt.UTC) if rng.random() < 0.05 else None})
        chosen = [p for p, _, _ in PROFILES if rng.random() < (0.6 if p == 1 else 0.3)]
        ann_profiles += [{"announcement_id": n, "profile_id": p} for p in chosen]
        if rng.random() > 0.2:
            ann_schools += [{"announcement_id": n, "school_id": s}
                            for s in rng.sample(range(1, SCHOOLS + 1), rng.randrange(1, 4))]
        if rng.random() < 0.3:
            ann_grades += [{"announcement_id": n, "grade_level": g} for g in rng.sample(GRADES, rng.randrange(1, 4))]

    with engine.begin() as connection:
        connection.execute(insert(District), [{"id": 1, "name": "Bench District"}])
        connection.execute(insert(School), [{"id": s, "district_id": 1, "name": f"School {s:02d}", "sort_order": s}
                                            for s in range(1, SCHOOLS + 1)])
        connection.execute(insert(Profile), [{"id": p, "name": name, "role": role} for p, name, role in PROFILES])
        connection.execute(insert(ProfileGrant), [{"profile_id": p, "permission": "communication", "level": "VIEW"}
                                                  for p, _, _ in PROFILES])
        for table, rows in ((Student, students), (User, users), (UserProfile, user_profiles), (UserSchool, staff),
                            (StudentLink, links), (Contact, contacts), (Announcement, announcements),
                            (AnnouncementProfile, ann_profiles), (AnnouncementSchool, ann_schools),
                            (AnnouncementGradeLevel, ann_grades)):
            for chunk in _chunks(rows):
                connection.execute(insert(table), chunk)
        for table in ("school", "student", "app_user", "contact", "announcement"):
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT max(id) FROM {table}))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    print(f"loaded {len(students):,} students, {len(contacts):,} contacts, {len(users):,} users, "
          f"{len(announcements):,} announcements in {time.perf_counter() - started:.0f} s")


def plain_app():
    """The baseline: the page the resolver reads, from the same domain functions, behind a plain
    FastAPI endpoint with a response model."""
    from fastapi import FastAPI
    from pydantic import BaseModel
    from sqlmodel import Session

    from domain.access.viewer import load_viewer
    from domain.announcements.portal import portal_views
    from domain.announcements.visibility import feed_page
    from models.db import engine_for

    engine = engine_for(os.environ["HOMEROOM_DATABASE_URL"])

    class Item(BaseModel):
        id: str
        title: str
        subtitle: str
        htmlBody: str
        startDate: str
        endDate: str | None
        fileNames: list[str]

    app = FastAPI()

    @app.get("/feed/{user_id}", response_model=list[Item])
    def feed(user_id: int):
        with Session(engine) as session:
            viewer = load_viewer(session, user_id)
            page = feed_page(session, viewer, size=PAGE)
            return [view.public_fields() for view in portal_views(session, page.announcements)]

    @app.get("/rows", response_model=list[Item])
    def rows(ids: str):
        """Not a target: the same page read by its ids, without deciding who sees what; how much
        of the feed's time is the visibility statement itself."""
        from sqlalchemy import select

        from domain.support.global_ids import Kind, pk_of
        from models.announcements import Announcement

        wanted = [pk_of(value, Kind.ANNOUNCEMENT) for value in ids.split(",")]
        with Session(engine) as session:
            found = {row.id: row for row in session.execute(
                select(Announcement).where(Announcement.id.in_(wanted))).scalars()}
            return [view.public_fields() for view in portal_views(session, [found[pk] for pk in wanted])]

    return app


LAUNCH = {
    "graphql": "from homeroom.app import create_app, server_options\nfrom homeroom.settings import get_settings\n"
               "app = create_app(run_worker=False)\noptions = server_options(get_settings())\n",
    "plain": "from bench.announcements import plain_app\napp = plain_app()\noptions = {}\n",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--reuse", action="store_true", help="keep a database already loaded")
    args = parser.parse_args(argv)
    env = configure(args.database_url, args.redis_url)

    import httpx
    from sqlalchemy import select

    from bench.recipients import _rebuild_schema
    from homeroom.auth import mint_token
    from homeroom.settings import get_settings
    from models.db import engine_for, session_scope
    from models.directory import User

    ensure_database(args.database_url)
    engine = engine_for(args.database_url)
    if not (args.reuse and loaded(engine)):
        _rebuild_schema(engine)
        load(engine, random.Random(19))
    with session_scope(engine) as session:
        parent = session.execute(select(User.id).where(User.login == PARENT_LOGIN)).scalar_one()
    token = mint_token(get_settings(), user_id=parent, login=PARENT_LOGIN)
    logs = pathlib.Path(tempfile.mkdtemp(prefix="bench-announcements-"))
    with serve("graphql", env, logs / "graphql.log", LAUNCH) as api, \
            serve("plain", env, logs / "plain.log", LAUNCH) as plain, httpx.Client(timeout=30) as client:
        headers = {"Authorization": f"Bearer {token}"}
        calls = {"feed": lambda: client.post(f"{api}/graphql", json={"query": FEED}, headers=headers),
                 "base": lambda: client.get(f"{plain}/feed/{parent}")}
        checks = {name: call() for name, call in calls.items()}
        for name, response in checks.items():
            assert response.status_code == 200 and "errors" not in response.json(), (name, response.text[:500])
        shown = [edge["node"]["id"] for edge in checks["feed"].json()["data"]["announcementFeed"]["edges"]]
        assert shown == [item["id"] for item in checks["base"].json()] and len(shown) == PAGE, shown
        calls["rows"] = lambda: client.get(f"{plain}/rows", params={"ids": ",".join(shown)})
        assert [item["id"] for item in calls["rows"]().json()] == shown
        for _ in range(20):  # warm both processes
            for call in calls.values():
                call()
        timings: dict[str, list[float]] = {name: [] for name in calls}
        for _ in range(args.requests):
            for name, call in calls.items():
                started = time.perf_counter()
                call()
                timings[name].append((time.perf_counter() - started) * 1000)
    figures = {}
    for name, values in timings.items():
        figures[name] = percentile(values, 95)
        print(f"{name:5} p50 {statistics.median(values):7.2f} ms   p95 {figures[name]:7.2f} ms")
    print(f"visibility: the page read by its ids alone has p95 {figures['rows']:.2f} ms, so deciding who sees "
          f"what is {figures['base'] - figures['rows']:.2f} ms of the plain endpoint's p95 (not a target)")
    print(f"feed_p95_ms={figures['feed']:.2f} base_p95_ms={figures['base']:.2f} "
          f"ratio={figures['feed'] / figures['base']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
