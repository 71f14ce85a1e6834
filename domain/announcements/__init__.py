"""Announcements (ANN-*): fields and validation, who sees which (visibility computed in SQL from
the recipient rules), management lists, activation by the queue, and the public mobile feed.

- ``activation``: The queue posts an announcement once per posting number on its start date, after the call window opens, with the ordinary message that sends its email, SMS, call and push (ANN-11, ANN-13, ANN-14, ANN-23).
- ``audience``: Who an announcement targets, as set-based SQL (ANN-04, ANN-06, ANN-08, ANN-18, ANN-22); audience_select gives activation its recipients.
- ``calendar``: When an announcement is active and the listing order (ANN-02, ANN-09).
- ``events``: publish_announcement_changed, the notice the announcements subscription follows.
- ``portal``: What a reader sees of announcements (title, subtitle, body, dates, file names).
- ``public_feed``: The public mobile feed (ANN-10) and its ETag.
- ``subtitles``: The portal subtitle (ANN-15).
- ``visibility``: The announcements a signed-in viewer sees, one statement a page (ANN-16…ANN-18).
"""
