"""SYS-08: the school year a user works in is chosen per sign-in. A new sign-in works in the
district's current year; selectSchoolYear changes only the sign-in it is called in; families and
credentials without a sign-in session (partner keys) always work in the current year."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import delete, func, insert, select
from sqlmodel import Session

from domain.access import refresh_tokens
from domain.access.viewer import load_viewer
from domain.directory.school_years import NOT_FOUND_MESSAGE, select_school_year
from domain.support.errors import FieldProblem, InvalidInput
from domain.support.signed_ids import signing_keys
from factories import unique
from harness import USES_POSTGRES
from helpers import gid, gql, make_user
from homeroom.settings import get_settings
from models.db import session_scope, utcnow
from models.directory import District, Role, SchoolYear, User
from models.sign_in import SignInSession
from partner_key_steps import create_key
from school_year_steps import SELECT, SEND, YEARS, recorded_year, select_year, sign_in, working_year
from shared_steps import family, message_input


def session_rows(engine) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(SignInSession)).scalar_one()


def test_sys_08_a_new_sign_in_works_in_the_current_year(client, engine, years):
    """Covers SYS-08: schoolYears lists the district's years, the latest first; a sign-in that chose
    nothing works in the current year (isSelected), and only the year before it is prior."""
    body = gql(client, YEARS, token=make_user(engine, Role.TEACHER))["data"]
    assert body["schoolYears"] == [
        {"id": years.gid("later"), "name": "2027-2028", "isCurrent": False, "isSelected": False, "isPrior": False},
        {"id": years.gid("current"), "name": "2026-2027", "isCurrent": True, "isSelected": True, "isPrior": False},
        {"id": years.gid("prior"), "name": "2025-2026", "isCurrent": False, "isSelected": False, "isPrior": True}]
    assert body["viewer"]["schoolYear"] == {"id": years.gid("current"), "name": "2026-2027", "isSelected": True}


def test_sys_08_the_year_is_chosen_per_sign_in(client, engine, years):
    """Covers SYS-08: two sign-ins of one user work in different years; selecting in one leaves the
    other as it was, and the user's next sign-in starts at the current year again."""
    login = unique("admin.years.")
    make_user(engine, Role.ADMIN, login=login)
    first, second = sign_in(engine, login), sign_in(engine, login)
    assert select_year(client, first, years.gid("prior")) == {
        "id": years.gid("prior"), "name": "2025-2026", "isCurrent": False, "isSelected": True, "isPrior": True}
    assert select_year(client, second, years.gid("later"))["isSelected"] is True
    assert (working_year(client, first), working_year(client, second)) == ("2025-2026", "2027-2028")
    assert working_year(client, sign_in(engine, login)) == "2026-2027"
    selected = [row["name"] for row in gql(client, YEARS, token=first)["data"]["schoolYears"] if row["isSelected"]]
    assert selected == ["2025-2026"]
    kid = family(engine)  # the prior-year sign-in is refused (SYS-08) while the other one sends
    assert gql(client, SEND, {"input": message_input(kid)}, first)["data"]["sendMessage"]["errors"][0]["code"] == \
        "PRIOR_SCHOOL_YEAR"
    assert gql(client, SEND, {"input": message_input(kid)}, second)["data"]["sendMessage"]["__typename"] == \
        "SendMessageSuccess"


def test_sys_08_a_missing_malformed_or_other_kind_of_id_answers_not_found_alike(client, engine, years):
    """Covers SYS-08: selectSchoolYear answers an id that names no school year of the district (a
    missing one, another kind's, a malformed one) with the same NOT_FOUND, and changes nothing."""
    token = make_user(engine, Role.TEACHER)
    before = session_rows(engine)
    answers = [gql(client, SELECT, {"id": value}, token)["data"]["selectSchoolYear"]
               for value in (gid("SchoolYear", 987654), gid("School", years.current), "not-an-id")]
    assert answers == [{"__typename": "SelectSchoolYearErrors", "errors": [{
        "field": "id", "path": ["id"], "code": "NOT_FOUND",
        "message": "No school year of your district has that id."}]}] * 3
    assert session_rows(engine) == before and working_year(client, token) == "2026-2027"


def test_sys_08_families_have_no_year_selector_and_work_in_the_current_year(client, engine, years):
    """Covers SYS-08: a parent may not list or select school years (FORBIDDEN, nothing written); their
    viewer works in the current year."""
    token = make_user(engine, Role.PARENT)
    before = session_rows(engine)
    body = gql(client, SELECT, {"id": years.gid("prior")}, token)
    assert body["data"] is None and [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    listed = gql(client, "{ schoolYears { id } }", token=token)
    assert [e["extensions"]["code"] for e in listed["errors"]] == ["FORBIDDEN"]
    assert gql(client, "{ viewer { schoolYear { name } } }", token=token)["data"]["viewer"]["schoolYear"] == {
        "name": "2026-2027"}
    assert session_rows(engine) == before


def test_sys_08_a_partner_key_has_no_session_and_sends_in_the_current_year(client, engine, years):
    """Covers SYS-08, CMP-33: a partner key acts for its creator but has no sign-in session: it cannot
    select a year (FORBIDDEN), and it sends in the current year even while its creator's own sign-in
    works in the prior one; the message records the current year."""
    creator = make_user(engine, Role.ADMIN)
    select_year(client, creator, years.gid("prior"))
    key = create_key(client, engine, scopes=("MESSAGES_SEND",), token=creator)["secret"]
    refused = gql(client, SELECT, {"id": years.gid("current")}, key)
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    sent = gql(client, SEND, {"input": message_input(family(engine))}, key)["data"]["sendMessage"]
    assert sent["__typename"] == "SendMessageSuccess", sent
    assert recorded_year(engine, sent["message"]["id"]) == years.current
    assert working_year(client, creator) == "2025-2026"


def test_sys_08_a_users_old_year_choices_go_when_they_next_sign_in(engine, years):
    """Covers SYS-08 (housekeeping): beginning a sign-in deletes the user's year choices made longer
    ago than a sign-in can last, and keeps their recent ones and other users'."""
    login, other = unique("admin.old."), unique("admin.other.")
    make_user(engine, Role.ADMIN, login=login)
    make_user(engine, Role.ADMIN, login=other)
    with session_scope(engine) as session:
        ids = dict(session.execute(select(User.login, User.id).where(User.login.in_([login, other]))).all())
        long_ago = utcnow() - dt.timedelta(days=31)
        session.execute(insert(SignInSession), [
            {"sid": unique("old-").ljust(32, "0"), "user_id": ids[login], "school_year_id": years.prior,
             "selected_at": long_ago},
            {"sid": unique("new-").ljust(32, "0"), "user_id": ids[login], "school_year_id": years.prior,
             "selected_at": utcnow()},
            {"sid": unique("oth-").ljust(32, "0"), "user_id": ids[other], "school_year_id": years.prior,
             "selected_at": long_ago}])
    with session_scope(engine) as session:
        refresh_tokens.issue(session, user_id=ids[login], keys=signing_keys(get_settings()),
                             lifetime=dt.timedelta(days=30))
    with session_scope(engine) as session:
        left = sorted(session.execute(select(SignInSession.sid).where(
            SignInSession.user_id.in_(ids.values()))).scalars())
    assert [sid[:4] for sid in left] == ["new-", "oth-"]


def test_sys_08_a_year_of_another_district_answers_like_a_missing_one(engine, years):
    """Covers SYS-08: selecting a year of another district (rows written in a transaction that is
    rolled back, so no other test sees a second district) refuses with the NOT_FOUND a missing id
    gets, and writes no session row."""
    with session_scope(engine) as session:
        admin = session.execute(select(User.id).where(User.login == "admin")).scalar_one()
    with Session(engine) as session:
        viewer = load_viewer(session, admin, sign_in_id=unique("sid-").ljust(32, "0"))
        other = District(name=unique("Other district "))
        session.add(other)
        session.flush()
        foreign = SchoolYear(district_id=other.id, name="2026-2027", start_date=dt.date(2026, 8, 15),
                             end_date=dt.date(2027, 6, 10), is_current=True)
        session.add(foreign)
        session.flush()
        refusals = []
        for year_id in (foreign.id, 987654):
            with pytest.raises(InvalidInput) as refused:
                select_school_year(session, viewer, year_id)
            refusals.append(refused.value.problems)
        assert refusals[0] == refusals[1] == [FieldProblem(("id",), "NOT_FOUND", NOT_FOUND_MESSAGE)]
        assert session.execute(select(func.count()).select_from(SignInSession).where(
            SignInSession.sid == viewer.sign_in_id)).scalar_one() == 0
        session.rollback()


@pytest.mark.skipif(not USES_POSTGRES, reason="SQLite has one writer: two selections never overlap there")
def test_sys_08_two_selections_racing_on_a_new_sign_in_end_as_one_choice(engine, years):
    """Covers SYS-08 (a double click on the year selector of a new sign-in): the first selection is
    not committed when the second arrives; the second waits, then updates the same sign-in's row
    instead of failing on its key (which answered a server error)."""
    with session_scope(engine) as session:
        user_id = session.execute(select(User.id).where(User.login == "admin")).scalar_one()
    sid = "race" + unique("")[-12:]
    first = Session(engine)
    try:
        select_school_year(first, load_viewer(first, user_id, sign_in_id=sid), years.current)
        second_result: list = []

        def second() -> None:
            with session_scope(engine) as session:
                second_result.append(select_school_year(session, load_viewer(session, user_id, sign_in_id=sid),
                                                        years.later).id)

        racer = threading.Thread(target=second)
        racer.start()
        racer.join(1.0)
        assert racer.is_alive(), "the second selection should wait for the first's row"
        first.commit()
    finally:
        first.close()
    racer.join(30)
    assert second_result == [years.later]
    with session_scope(engine) as session:
        assert session.execute(select(SignInSession.school_year_id).where(SignInSession.sid == sid)).all() == [
            (years.later,)]
        session.execute(delete(SignInSession).where(SignInSession.sid == sid))
