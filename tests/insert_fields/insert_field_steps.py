"""What the insert-field tests share: fixed assets, a family whose contact has an account, and
reading what dispatch handed to the SMTP server and the outbox."""

from __future__ import annotations

import json

from sqlalchemy import update

from domain.delivery.fan_out import fan_out, queued_delivery_chunks
from domain.messages.send import create_message
from factories import add_contact, add_student, add_user, email, phone, unique
from harness import OUTBOX_DIR
from models.db import session_scope
from models.directory import Contact
from models.finance import FixedAsset
from peers.smtp_sink import dispatch_chunks
from resolve import request, viewer_for

SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename
  ... on SendMessageErrors { errors { field code message } } } }"""


def add_asset(engine, description: str, *, student_id: int | None = None, user_id: int | None = None) -> str:
    """A fixed asset as an integration would write it; returns its (unique) tag."""
    tag = unique("CB-").upper()
    with session_scope(engine) as session:
        session.add(FixedAsset(asset_tag=tag, description=description, student_id=student_id, user_id=user_id))
    return tag


def family(engine, school_id: int, kid_name: str, parent_name: str, *, account_name: str | None = None) -> dict:
    """A student with one custodial contact (email and mobile); ``account_name``: the contact also
    has a user account under that first name."""
    kid = add_student(engine, school_id, first_name=kid_name, last_name="Okafor")
    address, mobile = email(parent_name.lower()), phone()
    contact = add_contact(engine, kid, custodial=True, first_name=parent_name, last_name="Parent", email=address,
                          mobile_phone=mobile)
    account = None
    if account_name:
        account = add_user(engine, "PARENT", first_name=account_name, last_name="Parent")
        with session_scope(engine) as session:
            session.execute(update(Contact).where(Contact.id == contact).values(user_id=account))
    return {"student": kid, "contact": contact, "account": account, "email": address, "phone": mobile}


def queued_message(engine, student_ids, *, login: str = "admin", **fields) -> tuple[int, list[list[int]]]:
    """A message sent now to the students' primary contacts (and any staff_ids), fanned out; its
    queued delivery chunks, for the test to dispatch in this process."""
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, login), request("PRIMARY_CONTACTS", student_ids,
                                                                              **fields))
        fan_out(session, message.id)
        return message.id, queued_delivery_chunks(session, message.id, 500)


def dispatch(engine, mailbox, chunks) -> None:
    dispatch_chunks(engine, mailbox, chunks)


def emails_by_address(mailbox) -> dict[str, object]:
    return {address: message for addresses, message in mailbox.received for address in addresses}


def outbox_lines(kind: str, delivery_ids) -> dict[int, dict]:
    """The outbox's lines (``sms`` or ``voice``) of these deliveries, by delivery id."""
    wanted = {str(delivery_id) for delivery_id in delivery_ids}
    path = OUTBOX_DIR / f"{kind}.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return {int(line["reference"]): line for line in lines if line["reference"] in wanted}
