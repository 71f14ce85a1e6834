"""Recall: nothing of a message is sent after recallMessage returns."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, insert, select, update

from harness import OUTBOX_DIR
from domain.messages.send import save_draft
from helpers import gid, gql, token_for
from models.db import session_scope
from models.messaging import Delivery, ImportedRecipient, Message
from resolve import request, viewer_for

RECALL = """mutation($id: ID!) { recallMessage(id: $id) { __typename ... on RecallMessageSuccess { cancelled sentBefore stillInFlight message { status } } ... on RecallMessageErrors { errors { field code message } } } }"""


def _outbox_references() -> set[str]:
    path = OUTBOX_DIR / "sms.jsonl"
    return {json.loads(line)["reference"] for line in path.read_text().splitlines()} if path.exists() else set()


def test_recall_mid_dispatch_cancels_everything_not_yet_with_the_provider(client, engine):
    """Recalling a 20,000-recipient SMS while it is being dispatched: every delivery ends SENT or
    CANCELLED, the provider saw exactly the SENT ones, and nothing more reaches it afterwards,
    although dispatch jobs for the cancelled deliveries were still queued."""
    token = token_for(engine, "admin")
    with session_scope(engine) as session:
        message = save_draft(session, viewer_for(session, "admin"), request(channels=("SMS",)))
        session.execute(insert(ImportedRecipient), [
            {"message_id": message.id, "name": f"Guardian {n}", "phone": f"+1875555{n:05d}", "source_row": n + 1}
            for n in range(20_000)])
        session.execute(update(Message).where(Message.id == message.id).values(status="QUEUED"))
    from domain.delivery.lanes import Lane
    from jobs import enqueue_hand_on

    enqueue_hand_on(message.id, Lane.NORMAL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until dispatch is under way
        with session_scope(engine) as session:
            sent = session.execute(select(func.count()).select_from(Delivery).where(
                Delivery.message_id == message.id, Delivery.status == "SENT")).scalar_one()
        if sent:
            break
        time.sleep(0.01)
    result = gql(client, RECALL, {"id": gid("Message", message.id)}, token)["data"]["recallMessage"]
    assert result["message"]["status"] == "CANCELLED" and result["stillInFlight"] == 0
    assert result["cancelled"] > 0 and result["sentBefore"] > 0
    assert result["cancelled"] + result["sentBefore"] == 20_000
    at_return = _outbox_references()
    time.sleep(2)  # the queued dispatch jobs of cancelled deliveries run and find nothing to send
    with session_scope(engine) as session:
        rows = dict(session.execute(select(Delivery.id, Delivery.status).where(Delivery.message_id == message.id)).all())
    sent_ids = {str(i) for i, status in rows.items() if status == "SENT"}
    assert set(rows.values()) == {"SENT", "CANCELLED"} and len(sent_ids) == result["sentBefore"]
    mine = {str(i) for i in rows}
    assert _outbox_references() & mine == at_return & mine == sent_ids


def test_recall_is_only_for_the_senders_own_messages(client, engine):
    from helpers import make_user
    from models.directory import Role

    token = token_for(engine, "admin")
    with session_scope(engine) as session:
        message = save_draft(session, viewer_for(session, "admin"), request(channels=("EMAIL",)))
        session.execute(update(Message).where(Message.id == message.id).values(status="QUEUED"))
    other = gql(client, RECALL, {"id": gid("Message", message.id)}, make_user(engine, Role.ADMIN))["data"]["recallMessage"]
    missing = gql(client, RECALL, {"id": gid("Message", 987654321)}, make_user(engine, Role.ADMIN))["data"]["recallMessage"]
    wrong = [gql(client, RECALL, {"id": bad}, token)["data"]["recallMessage"]  # the admin's own, as a number or
             for bad in (str(message.id), gid("Student", message.id))]  # another kind's id
    assert other == missing == wrong[0] == wrong[1] == {"__typename": "RecallMessageErrors", "errors": [{  # issue 17 point 2
        "field": "id", "code": "NOT_FOUND",
        "message": "No message of yours that is scheduled, queued or being sent has that id."}]}
    mine = gql(client, RECALL, {"id": gid("Message", message.id)}, token)["data"]["recallMessage"]
    assert mine["message"]["status"] == "CANCELLED"
    from domain.delivery.fan_out import fan_out

    with session_scope(engine) as session:
        assert fan_out(session, message.id).deliveries_written == 0  # a recalled message is never fanned out


def test_recall_while_a_chunk_is_claimed_and_settling_does_not_deadlock(engine):
    """A dispatch transaction holds the deliveries it claimed and then takes the message's row to
    lower its counter. A recall arriving in between must not hold the message's row while it waits
    for those deliveries (that was a deadlock on PostgreSQL): the claimed delivery stays with the
    dispatcher, every other one is cancelled, and both transactions finish."""
    import threading

    from domain.delivery.fan_out import fan_out
    from domain.messages.recall import recall_message

    with session_scope(engine) as session:
        viewer = viewer_for(session, "admin")
        message = save_draft(session, viewer, request(channels=("SMS",)))
        session.execute(insert(ImportedRecipient), [
            {"message_id": message.id, "name": f"Guardian {n}", "phone": f"+1875556{n:04d}", "source_row": n + 1}
            for n in range(5)])
        session.execute(update(Message).where(Message.id == message.id).values(status="QUEUED"))
        fan_out(session, message.id)
        first = session.execute(select(func.min(Delivery.id)).where(Delivery.message_id == message.id)).scalar_one()
    outcome: dict = {}

    def recall() -> None:
        try:
            outcome["recalled"] = recall_message(engine, viewer, message.id, wait_seconds=0.2)
        except Exception as error:  # noqa: BLE001  (the test reports it)
            outcome["error"] = error

    with engine.connect() as dispatcher:  # a claim transaction, held open
        dispatcher.execute(update(Delivery).where(Delivery.id == first).values(status="SENDING"))
        recalling = threading.Thread(target=recall)
        recalling.start()
        time.sleep(1.0)  # the recall is now waiting for the claimed delivery
        dispatcher.execute(update(Message).where(Message.id == message.id).values(
            open_deliveries=Message.open_deliveries - 0))  # the dispatcher settles its counter
        dispatcher.commit()
    recalling.join(timeout=30)
    assert "error" not in outcome, outcome.get("error")
    assert outcome["recalled"].cancelled == 4 and outcome["recalled"].still_in_flight == 1
    with session_scope(engine) as session:
        assert session.get(Message, message.id).status == "CANCELLED"
