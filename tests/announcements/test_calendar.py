"""ANN-02 (active dates, default start in the district's zone) and ANN-09 (order), on real rows."""

import datetime as dt

from sqlmodel import Session, select

from domain.announcements.calendar import active_on, district_today, is_active_on, listing_order
from models.announcements import Announcement
from models.directory import District, User

TODAY = dt.date(2026, 3, 10)


def test_ann02_district_today_is_the_date_in_the_districts_zone():
    district = District(name="d", time_zone="America/Los_Angeles")
    late_evening_west = dt.datetime(2026, 3, 11, 5, 30, tzinfo=dt.UTC)  # 22:30 on the 10th in Los Angeles
    assert district_today(district, late_evening_west) == TODAY


def test_ann02_ann09_active_rows_in_listing_order(engine):
    with engine.connect() as connection, connection.begin() as transaction:
        _check_active_rows_in_listing_order(Session(connection))
        transaction.rollback()  # leaves nothing for other tests' feeds


def _check_active_rows_in_listing_order(session):
    author = session.exec(select(User)).first()
    rows = {
        "sorted-2": dict(sort_order=2, start_date=TODAY - dt.timedelta(days=9)),
        "sorted-1": dict(sort_order=1, start_date=TODAY - dt.timedelta(days=20)),
        "new": dict(start_date=TODAY),
        "old": dict(start_date=TODAY - dt.timedelta(days=3), end_date=TODAY),
        "expired": dict(start_date=TODAY - dt.timedelta(days=5), end_date=TODAY - dt.timedelta(days=1)),
        "future": dict(start_date=TODAY + dt.timedelta(days=1)),
        "deleted": dict(start_date=TODAY, deleted_at=dt.datetime(2026, 3, 9, tzinfo=dt.UTC)),
    }
    for title, fields in rows.items():
        session.add(Announcement(author_id=author.id, title=title, **fields))
    session.flush()
    shown = session.exec(select(Announcement.title).where(active_on(TODAY)).order_by(*listing_order())).all()
    assert shown == ["sorted-1", "sorted-2", "new", "old"]
    loaded = session.exec(select(Announcement)).all()
    assert sorted(row.title for row in loaded if is_active_on(row, TODAY)) == sorted(shown)


def test_ann15_subtitle_names_the_district_the_one_school_or_nothing(engine):
    from domain.announcements.subtitles import DISTRICT_SUBTITLE, subtitles
    from models.announcements import AnnouncementSchool
    from models.directory import School

    with engine.connect() as connection, connection.begin() as transaction:
        session = Session(connection)
        author = session.exec(select(User)).first()
        schools = session.exec(select(School).order_by(School.id)).all()[:2]
        district, one, several = (Announcement(author_id=author.id, title=title, start_date=TODAY)
                                  for title in ("district", "one", "several"))
        session.add_all([district, one, several])
        session.flush()
        session.add(AnnouncementSchool(announcement_id=one.id, school_id=schools[0].id))
        session.add_all(AnnouncementSchool(announcement_id=several.id, school_id=school.id) for school in schools)
        session.flush()
        assert subtitles(session, [district.id, one.id, several.id]) == {
            district.id: DISTRICT_SUBTITLE, one.id: schools[0].name, several.id: ""}
        transaction.rollback()
