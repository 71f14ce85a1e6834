"""Migration 0042 (issue 20): the feed's PostgreSQL triggers look each event's student school up
by index instead of a join over the whole student table. Run through the real migrations on a
PostgreSQL database of its own: the functions are the new ones at head, the 0029 ones after a
downgrade to 0041, and the new ones again after the upgrade. (SQLite's row triggers are unchanged.)"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from harness import USES_POSTGRES
from migration_databases import fresh_database

pytestmark = pytest.mark.skipif(not USES_POSTGRES, reason="the migration changes PostgreSQL's triggers only")

FUNCTIONS = ("homeroom_delivery_inserted", "homeroom_delivery_status_changed")


def _bodies(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [connection.execute(text("SELECT prosrc FROM pg_proc WHERE proname = :name"),
                                       {"name": name}).scalar_one() for name in FUNCTIONS]
    finally:
        engine.dispose()


def test_the_feed_triggers_look_the_school_up_by_index_and_go_back_down(tmp_path):
    from homeroom.migrate import downgrade, upgrade

    with fresh_database(tmp_path, "postgresql", "m0042") as url:
        upgrade(url)
        assert all("WHERE st.id = n.student_id" in body and "LEFT JOIN student st" not in body
                   for body in _bodies(url))
        downgrade(url, "0041")
        assert all("LEFT JOIN student st ON st.id = n.student_id" in body for body in _bodies(url))
        upgrade(url)
        assert all("WHERE st.id = n.student_id" in body for body in _bodies(url))
