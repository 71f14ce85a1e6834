"""Printed letters read the same catalogue (CMP-25, CMP-30): a student's letter gets the student's
fields and assets, a staff member's their own user fields and the assets in their custody, escaped
in the HTML; only the sources a letter uses are read."""

from __future__ import annotations

from domain.letters.addressees import AddresseeKind, addressees
from domain.letters.content import letter_content
from domain.letters.preview import preview_letter
from domain.messages.send import create_message
from factories import add_student, add_user, first_school_id
from helpers import count_statements
from insert_field_steps import add_asset
from models.db import session_scope
from models.messaging import Message
from resolve import request, viewer_for

BODY = ("<p>Dear {{recipient.name}}: {{user.full_name}} / {{student.first_name}} holds {{finance.asset_tags}} "
        "({{finance.asset_descriptions}}).</p>")


def _message(engine, student_ids, staff_ids, html_body: str) -> int:
    with session_scope(engine) as session:
        return create_message(session, viewer_for(session, "admin"), request(
            "STUDENTS", student_ids, subject="Assets", html_body=html_body, staff_ids=tuple(staff_ids))).id


def test_cmp_25_cmp_30_a_letter_carries_its_addressees_student_user_and_finance_values(engine):
    """Covers CMP-25, CMP-30: Ana's letter names her asset (escaped) and no user; Dana's (staff) names
    Dana's account and the projector in her custody, and no student."""
    school = first_school_id(engine)
    ana = add_student(engine, school, first_name="Ana", last_name="Aaberg")
    dana = add_user(engine, "TEACHER", school_ids=[school], profile="Teacher", first_name="Dana", last_name="Lee")
    ana_tag = add_asset(engine, "Chromebook <11>", student_id=ana)
    dana_tag = add_asset(engine, "Projector", user_id=dana)
    message_id = _message(engine, [ana], [dana], BODY)
    with session_scope(engine) as session:
        viewer = viewer_for(session, "admin")
        ana_html = preview_letter(session, viewer, message_id, recipient=(AddresseeKind.STUDENT, ana)).html
        dana_html = preview_letter(session, viewer, message_id, recipient=(AddresseeKind.USER, dana)).html
    assert f"Dear Ana Aaberg:  / Ana holds {ana_tag} (Chromebook &lt;11&gt;)." in ana_html
    assert f"Dear Dana Lee: Dana Lee /  holds {dana_tag} (Projector)." in dana_html


def test_cmp_25_a_letter_with_student_fields_only_reads_no_other_source(engine):
    """Covers CMP-25: the addressees of a letter that uses student fields cost one statement for their
    values, and none reads fixed assets or accounts; with finance fields, one more."""
    school = first_school_id(engine)
    kids = [add_student(engine, school, first_name=f"Kid{n}") for n in range(3)]
    student_only = _message(engine, kids, [], "<p>{{student.first_name}} {{recipient.name}}</p>")
    with_assets = _message(engine, kids, [], "<p>{{student.first_name}} {{finance.asset_count}}</p>")
    counts = {}
    with session_scope(engine) as session:
        for message_id in (student_only, with_assets):
            message = session.get(Message, message_id)
            content = letter_content(session, message)
            with count_statements(engine, this_thread_only=True) as statements:
                people = addressees(session, message, fields=content.fields)
            assert sorted(person.values["student.first_name"] for person in people) == ["Kid0", "Kid1", "Kid2"]
            counts[message_id] = statements
    assert not [s for s in counts[student_only] if "fixed_asset" in s]
    assert len([s for s in counts[with_assets] if "fixed_asset" in s]) == 1
    assert len(counts[with_assets]) == len(counts[student_only]) + 1
