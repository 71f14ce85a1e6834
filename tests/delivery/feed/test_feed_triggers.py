"""The delivery feed's events are written by the database itself (issue 16 point 4): one event per
inserted delivery and per status change, in the writer's transaction, whatever statement made it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select, text, update

from feed_steps import fanned_out, feed_head, finish, read_all, school_admin, settle, students_of, two_schools
from helpers import make_user
from models.db import session_scope
from models.directory import Role, Student, User
from models.messaging import Delivery


def _deliveries(engine, message_id: int) -> dict[int, tuple]:
    with session_scope(engine) as session:
        return {row.id: (row.status, row.channel, row.student_id) for row in session.execute(
            select(Delivery.id, Delivery.status, Delivery.channel, Delivery.student_id)
            .where(Delivery.message_id == message_id)).all()}


def test_fan_out_and_each_status_update_write_one_event_per_changed_row(engine):
    """issue 16 point 4: every inserted delivery is an event with its status, channel and the
    student's school; one UPDATE of many rows is one event per row whose status changed, and an
    UPDATE that leaves the status alone (a read time, a repeat of the same status) writes none."""
    first_school, _ = two_schools(engine)
    login, _ = school_admin(engine, first_school)
    start = feed_head(engine)
    message_id = fanned_out(engine, login, students_of(engine, first_school, 4), channels=("EMAIL", "SMS"))
    try:
        ledger = _deliveries(engine, message_id)
        events, after_fan_out = read_all(engine, start)
        mine = [event for event in events if event.message_id == message_id]
        assert sorted(event.delivery_id for event in mine) == sorted(ledger)
        assert all((event.status, event.channel) == ledger[event.delivery_id][:2] for event in mine)
        with session_scope(engine) as session:
            schools = dict(session.execute(select(Student.id, Student.school_id)).all())
        assert {event.school_id for event in mine} == {first_school}
        assert all(event.school_id == schools[ledger[event.delivery_id][2]] for event in mine)

        queued = [delivery_id for delivery_id, (status, _, _) in ledger.items() if status == "QUEUED"]
        assert len(queued) >= 4
        with session_scope(engine) as session:
            session.execute(update(Delivery).where(Delivery.id.in_(queued)).values(status="SENDING"))
            session.execute(update(Delivery).where(Delivery.id.in_(queued)).values(status="SENDING", attempts=1))
            session.execute(update(Delivery).where(Delivery.message_id == message_id).values(reason="unchanged"))
        changed, _ = read_all(engine, after_fan_out)
        changed = [event for event in changed if event.message_id == message_id]
        assert sorted(event.delivery_id for event in changed) == sorted(queued)
        assert {event.status for event in changed} == {"SENDING"}
        assert [event.position for event in changed] == sorted(event.position for event in changed)
    finally:
        finish(engine, message_id)


def test_a_rolled_back_change_leaves_no_event(engine):
    """issue 16 point 4: the event is written in the change's transaction, so a rollback takes it too."""
    first_school, _ = two_schools(engine)
    login, _ = school_admin(engine, first_school)
    message_id = fanned_out(engine, login, students_of(engine, first_school, 2))
    try:
        start = feed_head(engine)
        with pytest.raises(RuntimeError), session_scope(engine) as session:
            session.execute(update(Delivery).where(Delivery.message_id == message_id).values(status="FAILED"))
            raise RuntimeError("rolled back")
        events, _ = read_all(engine, start)
        assert [event for event in events if event.message_id == message_id and event.status == "FAILED"] == []
    finally:
        finish(engine, message_id)


def test_a_staff_recipient_belongs_to_their_first_school_by_sort_order(engine):
    """issue 16 point 4: a delivery to a user (no student) carries that user's first school in the
    district's sort order; an imported recipient has none."""
    first_school, second_school = two_schools(engine)
    login, _ = school_admin(engine, first_school)
    staff_login = f"feed.staff.{first_school}.{second_school}"
    make_user(engine, Role.TEACHER, school_ids=[second_school, first_school], login=staff_login)
    message_id = fanned_out(engine, login, students_of(engine, first_school, 1))
    fanned = set(_deliveries(engine, message_id))
    start = feed_head(engine)
    try:
        with session_scope(engine) as session:
            staff_id = session.execute(select(User.id).where(User.login == staff_login)).scalar_one()
            session.execute(insert(Delivery), [
                {"message_id": message_id, "channel": "EMAIL", "recipient_kind": "USER", "recipient_id": staff_id,
                 "recipient_name": "Staff", "address": "staff@example.org", "status": "QUEUED"},
                {"message_id": message_id, "channel": "SMS", "recipient_kind": "IMPORTED", "recipient_id": 1,
                 "recipient_name": "Imported", "address": "+13125550199", "status": "QUEUED"}])
        events, _ = read_all(engine, start)
        by_kind = {event.channel: event.school_id for event in events
                   if event.message_id == message_id and event.delivery_id not in fanned}
        first_by_sort_order = min(first_school, second_school)  # the seed's sort order follows the school id
        assert by_kind == {"EMAIL": first_by_sort_order, "SMS": None}
    finally:
        finish(engine, message_id)


@pytest.mark.postgres
def test_transactions_committing_out_of_id_order_lose_nothing_on_postgresql(engine):
    """issue 16 point 4: on PostgreSQL two transactions commit in the opposite order of their event
    ids; a reader paging by id alone would pass the lower id before it commits and skip it. The
    feed reads only below the oldest running transaction, in (tx, id) order, and loses nothing."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: ids are in commit order")
    first_school, _ = two_schools(engine)
    login, _ = school_admin(engine, first_school)
    message_id = fanned_out(engine, login, students_of(engine, first_school, 2), channels=("EMAIL", "SMS"))
    ids = sorted(_deliveries(engine, message_id))
    start = feed_head(engine)
    seen, position = [], start

    def read_more():
        nonlocal position
        events, position = read_all(engine, position, settled=False)  # `late` is still running
        seen.extend(event for event in events if event.message_id == message_id and event.status == "SENT")

    early, late = engine.connect(), engine.connect()
    try:
        early_tx, late_tx = early.begin(), late.begin()
        early.execute(text("SELECT pg_current_xact_id()"))  # the early transaction's xid is the older one
        late.execute(update(Delivery).where(Delivery.id == ids[0]).values(status="SENT"))  # the lower event id
        early.execute(update(Delivery).where(Delivery.id == ids[1]).values(status="SENT"))  # a higher event id
        early_tx.commit()  # the higher id commits first
        read_more()
        with session_scope(engine) as session:  # an id-only reader would have moved past the late one's id
            committed = session.execute(select(func.max(text("id"))).select_from(text("delivery_event"))
                                        .where(text("message_id = :m")).params(m=message_id)).scalar_one()
        assert [event.delivery_id for event in seen] in ([], [ids[1]])
        late_tx.commit()
        settle(engine)  # (any other transaction on the server may hold the horizon back a moment)
        read_more()
    finally:
        early.close()
        late.close()
        finish(engine, message_id)
    assert sorted(event.delivery_id for event in seen) == [ids[0], ids[1]]
    assert len({event.position for event in seen}) == 2
    late_event = next(event for event in seen if event.delivery_id == ids[0])
    assert late_event.position.event_id < committed  # its id was lower than one already committed
