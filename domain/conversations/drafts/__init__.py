"""Drafts between users: assignment with a note, and the portal alerts it raises.

- ``draft_assignment``: Assigning a draft to another user (DRF-03..DRF-08, PERM-42, MRG-03): the draft moves to the assignee with the note as its title and a portal alert; assign back in one step.
- ``portal_alerts``: Portal alerts: notices on a user's portal until they have seen them (DRF-05).
"""
