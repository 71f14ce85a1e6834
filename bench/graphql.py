"""The GraphQL layer's cost: Homeroom's /graphql against a plain FastAPI endpoint serving the same rows.

    python bench/graphql.py [--students 20000] [--database-url URL] [--seconds 6] [--rounds 3]
                            [--concurrency 8] [--reuse]

A district of ``--students`` on PostgreSQL (database ``homeroom_bench_graphql``, seeded unless
``--reuse`` finds it), with one email to every student fanned out (its deliveries are the rows
read). Two uvicorn processes: the app, and a plain FastAPI app (``plain_app``) whose endpoints
authenticate the same bearer token, load the viewer the same way and run the same SQL, answering
through a ``response_model`` with the same opaque global ids and cursors (issue 17 point 1: the
message is named by its global id in the path, each row by its own), so both do the same work.
Three reads: a page of 100 deliveries of that message (the district administrator), a teacher's
sections with their students, and ``viewer``. Each read is first
checked to return the same rows from both, and its statements are counted in each server (a
SQLAlchemy event per request, reported in a response header); then each runs at fixed
concurrency over keep-alive connections, the two servers taking turns for ``--rounds`` rounds of
``--seconds`` each, so both see the same machine. Last line: ``deliveries_ratio=…
sections_ratio=… viewer_ratio=… statements_equal=0|1`` (ratio: GraphQL requests a second over the
plain endpoint's), after the per-read figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import dataclasses
import datetime as dt
import os
import pathlib
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from bench.dispatch import DEFAULT_REDIS, configure  # noqa: E402
from bench.inbox import serve  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/homeroom_bench_graphql"
SUBJECT = "bench/graphql.py: every student"
PAGE = 100
STATEMENTS_HEADER = "x-bench-statements"

DELIVERIES = """query($id: ID!) { message(id: $id) { deliveries(first: 100) {
  pageInfo { hasNextPage endCursor } edges { node { id channel recipientName address status sentAt } } } } }"""
SECTIONS = """{ sections(first: 100) { pageInfo { hasNextPage endCursor }
  nodes { id name courseCode students { id firstName lastName gradeLevel } } } }"""
VIEWER = """{ viewer { id login firstName lastName role } }"""

_statements: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("bench_statements", default=None)


def counted(app):
    """``app`` answering every HTTP response with the number of SQL statements its request ran."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    def count(*_args) -> None:
        box = _statements.get()
        if box is not None:
            box[0] += 1

    event.listen(Engine, "before_cursor_execute", count)

    async def wrapper(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        box = [0]
        _statements.set(box)  # threads the request runs on copy this context, and the list with it

        async def send_counted(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []),
                                                  (STATEMENTS_HEADER.encode(), str(box[0]).encode())]}
            await send(message)

        await app(scope, receive, send_counted)

    return wrapper


def plain_app():
    """The baseline: the same authentication, viewer and SQL behind plain endpoints with response models."""
    from fastapi import FastAPI, Header, HTTPException
    from pydantic import BaseModel
    from sqlalchemy import and_, select
    from sqlmodel import Session

    from domain.access.scope import student_scope
    from domain.access.viewer import load_viewer
    from domain.audit.actions import Actor, AuditAction
    from domain.audit.trail import AuditEntry, append
    from domain.reports.communication_report import readable_deliveries, visible_message
    from domain.support.global_ids import Kind, global_id
    from graph.pagination import encode_cursor
    from homeroom.routes.path_ids import path_pk
    from homeroom.auth import HomeroomTokens, bearer_token
    from homeroom.settings import get_settings
    from models.db import engine_for
    from models.directory import AccountStatus, Enrollment, Role, Section, SectionTeacher, Student
    from models.messaging import Delivery

    engine = engine_for(os.environ["HOMEROOM_DATABASE_URL"])
    tokens = HomeroomTokens(get_settings())

    class DeliveryOut(BaseModel):
        id: str
        channel: str
        recipientName: str
        address: str | None
        status: str
        sentAt: dt.datetime | None

    class DeliveryPage(BaseModel):
        hasNextPage: bool
        endCursor: str | None
        deliveries: list[DeliveryOut]

    class StudentOut(BaseModel):
        id: str
        firstName: str
        lastName: str
        gradeLevel: str

    class SectionOut(BaseModel):
        id: str
        name: str
        courseCode: str | None
        students: list[StudentOut]

    class ViewerOut(BaseModel):
        id: str
        login: str
        firstName: str
        lastName: str
        role: str

    def viewer_of(session: Session, authorization: str | None):
        credentials = tokens.verify(bearer_token(authorization) or "")
        if credentials is None:
            raise HTTPException(401)
        return load_viewer(session, credentials.user_id)

    app = FastAPI()

    @app.get("/deliveries/{message_gid}", response_model=DeliveryPage)
    def deliveries(message_gid: str, authorization: str | None = Header(default=None)):
        message_id = path_pk(message_gid, Kind.MESSAGE, "message")
        with Session(engine, expire_on_commit=False) as session:
            viewer = viewer_of(session, authorization)
            message = visible_message(session, viewer, message_id)
            if message is None:
                raise HTTPException(404)
            rows = session.execute(select(Delivery).where(Delivery.message_id == message_id,
                                                          *readable_deliveries(viewer, message.sender_id))
                                   .order_by(Delivery.id).limit(PAGE + 1)).scalars().all()
            page = rows[:PAGE]
            students = {row.student_id for row in page if row.student_id is not None}
        if students:  # addresses shown are audited, as the GraphQL field does (issue 16 point 8)
            append(engine, [AuditEntry.now(Actor.of(viewer), AuditAction.CONTACT_DATA_VIEWED, object_type="message",
                                           object_ids=[message_id], students=students)])
        return DeliveryPage(hasNextPage=len(rows) > PAGE,
                            endCursor=encode_cursor("delivery", page[-1].id) if page else None,
                            deliveries=[DeliveryOut(id=global_id(Kind.DELIVERY, r.id), channel=r.channel,
                                                    recipientName=r.recipient_name, address=r.address or None,
                                                    status=r.status, sentAt=r.sent_at)
                                        for r in page])

    @app.get("/sections", response_model=list[SectionOut])
    def sections(authorization: str | None = Header(default=None)):
        with Session(engine) as session:
            viewer = viewer_of(session, authorization)
            query = select(Section)
            if viewer.role == Role.TEACHER:
                query = query.join(SectionTeacher, SectionTeacher.section_id == Section.id).where(
                    SectionTeacher.user_id == viewer.id)
            else:
                query = query.where(Section.school_id.in_(viewer.school_ids))
            found = session.execute(query.order_by(Section.name, Section.id).limit(PAGE + 1)).scalars().all()[:PAGE]
            students: dict[int, list[StudentOut]] = {row.id: [] for row in found}
            for section_id, student in session.execute(
                    select(Enrollment.section_id, Student).join(Student, Student.id == Enrollment.student_id)
                    .where(Enrollment.section_id.in_(list(students)),
                           and_(student_scope(viewer), Student.status == AccountStatus.ACTIVE))
                    .order_by(Student.last_name, Student.first_name, Student.id)).all():
                students[section_id].append(StudentOut(id=global_id(Kind.STUDENT, student.id),
                                                       firstName=student.first_name,
                                                       lastName=student.last_name, gradeLevel=student.grade_level))
            return [SectionOut(id=global_id(Kind.SECTION, row.id), name=row.name, courseCode=row.course_code or None,
                               students=students[row.id]) for row in found]

    @app.get("/viewer", response_model=ViewerOut)
    def viewer(authorization: str | None = Header(default=None)):
        with Session(engine) as session:
            found = viewer_of(session, authorization)
            return ViewerOut(id=global_id(Kind.USER, found.id), login=found.user.login, firstName=found.user.first_name,
                             lastName=found.user.last_name, role=found.role.value)

    return app


_LAUNCH = {
    "graphql": "from homeroom.app import create_app, server_options\nfrom homeroom.settings import get_settings\n"
               "from bench.graphql import counted\n"
               "app = counted(create_app(run_worker=False))\noptions = server_options(get_settings())\n",
    "plain": "from bench.graphql import counted, plain_app\napp = counted(plain_app())\noptions = {}\n",
}


def ensure_message(engine) -> int:
    """The benchmark's message to every student, fanned out once (kept for --reuse)."""
    from sqlalchemy import select

    from bench.recipients import every_student
    from domain.access.viewer import load_viewer
    from domain.delivery.fan_out import fan_out
    from domain.messages.send import create_message
    from models.db import session_scope
    from models.directory import User
    from models.messaging import Message, StudentRecipientType

    with session_scope(engine) as session:
        found = session.execute(select(Message.id).where(Message.subject == SUBJECT)).scalar()
        if found is not None:
            return found
        admin = session.execute(select(User.id).where(User.login == "admin")).scalar_one()
        request = dataclasses.replace(every_student(StudentRecipientType.ALL_CONTACTS), subject=SUBJECT)
        message = create_message(session, load_viewer(session, admin), request)
        session.flush()
        fan_out(session, message.id)
        return message.id


def busiest_teacher(engine) -> tuple[int, str]:
    """The teacher with the most sections (id, login)."""
    from sqlalchemy import func, select

    from models.db import session_scope
    from models.directory import SectionTeacher, User

    with session_scope(engine) as session:
        row = session.execute(select(User.id, User.login).join(SectionTeacher, SectionTeacher.user_id == User.id)
                              .group_by(User.id, User.login).order_by(func.count().desc(), User.id).limit(1)).one()
        return row.id, row.login


async def _hammer(call, seconds: float, concurrency: int) -> int:
    """Requests completed by ``concurrency`` workers calling ``call`` for ``seconds``."""
    done = 0
    deadline = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal done
        while time.monotonic() < deadline:
            await call()
            done += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done


async def measure(api: str, plain: str, reads: dict, args) -> dict[str, float]:
    """Requests a second for each read on each server, the servers taking turns."""
    import aiohttp

    connector = aiohttp.TCPConnector(limit=args.concurrency * 2)
    async with aiohttp.ClientSession(connector=connector) as client:
        def caller(base: str, request: dict):
            async def call() -> None:
                async with client.request(request["method"], base + request["path"], json=request.get("json"),
                                          headers=request["headers"]) as response:
                    await response.read()
                    if response.status != 200:
                        raise SystemExit(f"{base}{request['path']} answered {response.status}")
            return call

        rates: dict[str, float] = {}
        for name, (graphql_request, plain_request) in reads.items():
            calls = {"graphql": caller(api, graphql_request), "plain": caller(plain, plain_request)}
            for call in calls.values():  # warm both
                await _hammer(call, 1.0, args.concurrency)
            totals = {kind: 0 for kind in calls}
            for _ in range(args.rounds):
                for kind, call in calls.items():
                    totals[kind] += await _hammer(call, args.seconds, args.concurrency)
            for kind, total in totals.items():
                rates[f"{name}_{kind}"] = total / (args.seconds * args.rounds)
    return rates


def check(reads: dict, api: str, plain: str) -> dict[str, tuple[int, int]]:
    """Both servers return the same rows for each read; the statements each ran (GraphQL, plain)."""
    import httpx

    statements = {}
    for name, (graphql_request, plain_request) in reads.items():
        answered = httpx.post(api + graphql_request["path"], json=graphql_request["json"],
                              headers=graphql_request["headers"], timeout=60)
        baseline = httpx.get(plain + plain_request["path"], headers=plain_request["headers"], timeout=60)
        body = answered.json()
        assert answered.status_code == 200 and "errors" not in body, (name, answered.text[:500])
        assert baseline.status_code == 200, (name, baseline.text[:500])
        assert same_rows(name, body["data"], baseline.json()), f"{name}: the two servers returned different rows"
        statements[name] = (int(answered.headers[STATEMENTS_HEADER]), int(baseline.headers[STATEMENTS_HEADER]))
    return statements


def same_rows(name: str, data: dict, baseline) -> bool:
    if name == "deliveries":
        edges = data["message"]["deliveries"]["edges"]
        return [edge["node"]["id"] for edge in edges] == [row["id"] for row in baseline["deliveries"]] \
            and len(edges) == PAGE and data["message"]["deliveries"]["pageInfo"]["endCursor"] == baseline["endCursor"]
    if name == "sections":
        return [(s["id"], [st["id"] for st in s["students"]]) for s in data["sections"]["nodes"]] == \
            [(s["id"], [st["id"] for st in s["students"]]) for s in baseline] and len(baseline) > 0
    return data["viewer"]["id"] == baseline["id"] and data["viewer"]["login"] == baseline["login"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    parser.add_argument("--seconds", type=float, default=6.0, help="length of one server's turn at one read")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--reuse", action="store_true", help="keep a district already seeded")
    args = parser.parse_args(argv)
    env = configure(args.database_url, args.redis_url)  # rate limits its load stays under

    from sqlalchemy import select

    from bench.inbox import ensure_database
    from bench.recipients import ensure_district
    from domain.support.global_ids import Kind, global_id
    from homeroom.auth import mint_token
    from homeroom.settings import get_settings
    from models.db import engine_for, session_scope
    from models.directory import User

    ensure_database(args.database_url)
    engine = engine_for(args.database_url)
    ensure_district(engine, args.students, args.reuse)
    message_id = ensure_message(engine)
    message = global_id(Kind.MESSAGE, message_id)  # what a client holds: the id the API showed it
    teacher_id, teacher_login = busiest_teacher(engine)
    with session_scope(engine) as session:
        admin_id = session.execute(select(User.id).where(User.login == "admin")).scalar_one()
    settings = get_settings()
    admin = {"Authorization": f"Bearer {mint_token(settings, user_id=admin_id, login='admin')}"}
    teacher = {"Authorization": f"Bearer {mint_token(settings, user_id=teacher_id, login=teacher_login)}"}

    def graphql(query: str, headers: dict, variables: dict | None = None) -> dict:
        return {"method": "POST", "path": "/graphql", "headers": headers,
                "json": {"query": query, **({"variables": variables} if variables else {})}}

    reads = {
        "deliveries": (graphql(DELIVERIES, admin, {"id": message}),
                       {"method": "GET", "path": f"/deliveries/{message}", "headers": admin}),
        "sections": (graphql(SECTIONS, teacher), {"method": "GET", "path": "/sections", "headers": teacher}),
        "viewer": (graphql(VIEWER, teacher), {"method": "GET", "path": "/viewer", "headers": teacher}),
    }
    logs = pathlib.Path(tempfile.mkdtemp(prefix="bench-graphql-"))
    with serve("graphql", env, logs / "graphql.log", _LAUNCH) as api, \
            serve("plain", env, logs / "plain.log", _LAUNCH) as plain:
        statements = check(reads, api, plain)
        rates = asyncio.run(measure(api, plain, reads, args))
    print(f"{args.students:,} students, message {message_id}, concurrency {args.concurrency}, "
          f"{args.rounds} rounds of {args.seconds:.0f} s per server and read")
    figures = []
    for name in reads:
        ratio = rates[f"{name}_graphql"] / rates[f"{name}_plain"]
        graphql_statements, plain_statements = statements[name]
        print(f"{name:11} graphql {rates[f'{name}_graphql']:7.1f}/s  plain {rates[f'{name}_plain']:7.1f}/s  "
              f"ratio {ratio:.2f}  statements {graphql_statements} vs {plain_statements}")
        figures.append(f"{name}_ratio={ratio:.2f}")
    equal = all(g == p for g, p in statements.values())
    print(" ".join(figures) + f" statements_equal={int(equal)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
