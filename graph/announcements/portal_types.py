"""The portal's view of an announcement (ANN-09, ANN-15): what a reader sees, no targeting data."""

from __future__ import annotations

import datetime as dt

import strawberry

from domain.announcements.portal import PortalView
from domain.support.global_ids import Kind
from graph.pagination import node_id


@strawberry.type(description=(
    "An announcement as a reader sees it on the portal or in the mobile app: what it says and when it is shown, "
    "never whom it targets (profiles, schools, grade levels, sections, Student Contacts)."))
class PortalAnnouncement:
    id: strawberry.ID = strawberry.field(description="The announcement (Announcement.id).")
    title: str = strawberry.field(description="The title (ANN-01).")
    subtitle: str = strawberry.field(description=(
        "\"District Announcement\" when no school is selected, the school's name when one is, empty when several "
        "are (ANN-15)."))
    html_body: str = strawberry.field(description="The body, as HTML.")
    start_date: dt.date = strawberry.field(description="Shown from this date (ANN-02), in the district's time zone.")
    end_date: dt.date | None = strawberry.field(description="Shown through this date; null: no expiry (ANN-02).")
    file_names: list[str] = strawberry.field(description="The names of the attached files, in the order attached.")

    @classmethod
    def of(cls, view: PortalView) -> PortalAnnouncement:
        return cls(id=node_id(Kind.ANNOUNCEMENT, view.id), title=view.title, subtitle=view.subtitle,
                   html_body=view.html_body, start_date=view.start_date, end_date=view.end_date,
                   file_names=list(view.file_names))
