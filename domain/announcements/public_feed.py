"""The public mobile feed (ANN-10): a district's active Public (Mobile App) announcements, for
clients without a token. Only what a reader sees (domain.announcements.portal), in listing order
(ANN-09), at most PUBLIC_FEED_LIMIT of them, read in the language asked for when a manual translation
into it exists (TRN-03, TRN-04); an unknown district is None (the route answers 404)."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select, true
from sqlmodel import Session

from domain.announcements.calendar import active_on, district_today, listing_order
from domain.announcements.portal import PortalView, portal_views, reader_language
from models.announcements import Announcement
from models.directory import District

#: The feed is a board, not an archive: the first this many in listing order.
PUBLIC_FEED_LIMIT = 100


def public_announcements(session: Session, district_id: int, lang: str | None = None) -> list[PortalView] | None:
    """The district's public announcements shown today, in ``lang`` where translated (an unsupported
    one reads the original); None when there is no such district.
    (Homeroom serves one district per database: every announcement is that district's.)"""
    district = session.get(District, district_id)
    if district is None:
        return None
    rows = session.execute(select(Announcement)
                           .where(Announcement.public == true(), active_on(district_today(district)))
                           .order_by(*listing_order()).limit(PUBLIC_FEED_LIMIT)).scalars().all()
    return portal_views(session, rows, reader_language(lang))


def feed_document(views: list[PortalView]) -> bytes:
    """The feed as the JSON a client receives: the same bytes for the same announcements."""
    return json.dumps({"announcements": [view.public_fields() for view in views]},
                      separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()


def entity_tag(document: bytes) -> str:
    """A strong ETag: a hash of exactly what is returned."""
    return '"' + hashlib.sha256(document).hexdigest()[:32] + '"'
