"""Announcements (ANN-*): fields and validation, who sees which (visibility computed in SQL from
the recipient rules), management lists, activation by the queue, and the public mobile feed.

- ``audience``: who an announcement targets, as set-based SQL (ANN-04, ANN-06, ANN-08, ANN-18,
  ANN-22); ``audience_select`` gives activation its recipients;
- ``visibility``: the announcements a signed-in viewer sees, one statement a page (ANN-16…ANN-18);
- ``calendar``: when one is active and the listing order (ANN-02, ANN-09);
- ``subtitles``: the portal subtitle (ANN-15);
- ``portal``: what a reader sees (title, subtitle, body, dates, file names);
- ``public_feed``: the public mobile feed (ANN-10) and its ETag;
- ``events``: ``publish_announcement_changed``, the notice the ``announcements`` subscription follows;
- ``request``: the fields a create or edit gives (KEEP: not given);
- ``validation``: every field problem at once (ANN-01, ANN-03, ANN-05, SMS-04, VOI-06, TRN-04);
- ``rules``: who manages which announcement, and each field's permission (PERM-22, PERM-25…PERM-29,
  PERM-48…PERM-53);
- ``editing``: create, inline and full edit, re-post, delete, with the ANN-07 confirmation;
- ``listing``: the management list (ANN-19), its columns per page, the form's school options (ANN-05);
- ``files``: an announcement's files (ANN-12);
- ``activation``: the queue posts each (announcement, posting number) once, with its message (ANN-13).
"""
