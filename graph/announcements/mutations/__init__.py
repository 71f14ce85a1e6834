"""Announcement mutations, one a module; ``AnnouncementMutations`` composes them for graph.schema.

- ``create_announcement``: createAnnouncement: a new announcement (ANN-01…ANN-07, ANN-22).
- ``update_announcement``: updateAnnouncement: change the fields given, inline or in full, and re-post (ANN-20).
- ``delete_announcement``: deleteAnnouncement: it leaves every portal and list (ANN-21).
"""

from __future__ import annotations

import strawberry

from graph.announcements.mutations.create_announcement import CreateAnnouncementMutation
from graph.announcements.mutations.delete_announcement import DeleteAnnouncementMutation
from graph.announcements.mutations.update_announcement import UpdateAnnouncementMutation


@strawberry.type
class AnnouncementMutations(CreateAnnouncementMutation, UpdateAnnouncementMutation, DeleteAnnouncementMutation):
    pass
