"""The school year a sign-in works in (SYS-08), and the marking period a message's insert fields
name at dispatch (CMP-33), which domain.content.insert_fields.marking_period_fields resolves.

Each sign-in has a session (models.sign_in.SignInSession, keyed by its Homeroom tokens' ``sid``).
Its user may choose the school year they work in for that session; until they do, and always for a
credential without a session (a partner key, a provider's own token), it is the district's current
year (the one marked current). A year is *prior* when it ended before the current year began; with
no year marked current, when it ended before today in the district's time zone. A future year and
the current one are never prior.

SYS-08: a new message is neither sent nor scheduled while the session works in a prior year, and
a message that is sent or scheduled records the session's year (``Message.school_year_id``), which
its marking-period insert fields then resolve against (CMP-33). A recurring message's occurrences
use the period current when each is dispatched instead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from domain.access.viewer import Viewer
from domain.support.errors import FieldProblem, InvalidInput
from models.db import utcnow
from models.directory import SchoolYear
from models.sign_in import SignInSession

PRIOR_SCHOOL_YEAR = "PRIOR_SCHOOL_YEAR"
NO_SIGN_IN_SESSION = "NO_SIGN_IN_SESSION"
NOT_FOUND_MESSAGE = "No school year of your district has that id."


@dataclasses.dataclass(frozen=True)
class SessionYear:
    """The school year a session works in, beside the district's current one (either may be None
    in a district without school years)."""

    year: SchoolYear | None
    current: SchoolYear | None
    prior: bool


def district_years(session: Session, viewer: Viewer) -> list[SchoolYear]:
    """The viewer's district's school years, the latest first."""
    return list(session.execute(select(SchoolYear).where(SchoolYear.district_id == viewer.district.id)
                                .order_by(SchoolYear.start_date.desc(), SchoolYear.id.desc())).scalars())


def session_year(session: Session, viewer: Viewer) -> SessionYear:
    """The year the viewer's session works in: the one it selected, else the district's current
    one; and whether it is prior (the module's rule). One statement."""
    wanted, chosen = SchoolYear.is_current.is_(True), literal(False)
    if viewer.sign_in_id is not None:
        selected = (select(SignInSession.school_year_id)
                    .where(SignInSession.sid == viewer.sign_in_id, SignInSession.user_id == viewer.id)
                    .scalar_subquery())
        wanted, chosen = or_(wanted, SchoolYear.id == selected), SchoolYear.id == selected
    rows = session.execute(select(SchoolYear, chosen.label("chosen"))
                           .where(SchoolYear.district_id == viewer.district.id, wanted)
                           .order_by(SchoolYear.id)).all()
    current = next((year for year, _ in rows if year.is_current), None)
    year = next((year for year, is_chosen in rows if is_chosen), current)
    return SessionYear(year, current, year is not None and is_prior(year, current, viewer))


def is_prior(year: SchoolYear, current: SchoolYear | None, viewer: Viewer) -> bool:
    """The module's rule: ``year`` ended before ``current`` began; with no current year, before
    today in the district's time zone."""
    if current is not None:
        return year.end_date < current.start_date
    return year.end_date < dt.datetime.now(ZoneInfo(viewer.district.time_zone)).date()


def working_year_id(session: Session, viewer: Viewer) -> int | None:
    """The id of the year the viewer's session works in (None in a district without years): what a
    draft records, so its preview and print name that year's marking periods (CMP-33) before it is
    sent (sending records the year again, SYS-08)."""
    year = session_year(session, viewer).year
    return year.id if year is not None else None


def school_year_to_send_in(session: Session, viewer: Viewer) -> int | None:
    """SYS-08: the id of the school year a new message records (the session's), refusing a prior
    one with PRIOR_SCHOOL_YEAR before anything is written. None: the district has no years."""
    found = session_year(session, viewer)
    if found.prior:
        assert found.year is not None
        raise InvalidInput([FieldProblem((), PRIOR_SCHOOL_YEAR, (
            f"You are working in the {found.year.name} school year, which has ended: new messages cannot be sent "
            "or scheduled from a prior year. Select the current school year (selectSchoolYear) first."))])
    return found.year.id if found.year is not None else None


def select_school_year(session: Session, viewer: Viewer, year_id: int) -> SchoolYear:
    """Work in ``year_id`` for the rest of this sign-in (flushed, the caller commits). A year of
    another district answers NOT_FOUND like a missing one; a credential without a session is
    refused with NO_SIGN_IN_SESSION."""
    if viewer.sign_in_id is None:
        raise InvalidInput([FieldProblem((), NO_SIGN_IN_SESSION, (
            "This credential has no sign-in session (a partner key, a provider's token used directly, or a token "
            "issued before sign-in sessions existed), so it "
            "always works in the current school year. Sign in through the token exchange (/auth/token) to "
            "choose another."))])
    year = session.execute(select(SchoolYear).where(SchoolYear.id == year_id,
                                                    SchoolYear.district_id == viewer.district.id)).scalars().first()
    if year is None:
        raise InvalidInput([FieldProblem(("id",), "NOT_FOUND", NOT_FOUND_MESSAGE)])
    # One statement, so two selections racing on a new sign-in (a double click) end as one row
    # rather than an IntegrityError on the sid; the sid is signed into the token, so it is the user's.
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    chosen = {"school_year_id": year.id, "selected_at": utcnow()}
    session.execute(dialect.insert(SignInSession).values(sid=viewer.sign_in_id, user_id=viewer.id, **chosen)
                    .on_conflict_do_update(index_elements=[SignInSession.sid], set_=chosen))
    session.flush()
    return year
