"""Directory: contact details people type in, user settings, push devices, school years, standard profiles, merging students.

- ``contact_details``: Phone numbers and email addresses people type in (CSV imports, re-enrolment forms), checked and written one way: phones in E.164, emails normalised.
- ``district_preferences``: Preferences a district (or one of its schools) sets for everyone: push with every message by default (SYS-05), the answer to an inbound SMS HELP, names on each printed page (SET-02) and the "Use Original Text Editor" preference with its one-way switch (EDT-01, EDT-02).
- ``merge_students``: Merging two records of one student (MRG-01, MRG-02): every registered reference moves to the survivor in one transaction; the merged student becomes DELETED.
- ``push_subscriptions``: Web Push subscriptions a signed-in user registers for their own browsers and devices.
- ``school_years``: The school year a sign-in works in (SYS-08: no new message from a prior year), and the marking period a message's insert fields name at dispatch (CMP-33).
- ``standard_profiles``: The profiles a new district starts with, and their grants: what the seeded district gets and what OneRoster gives each new user by role (domain.integrations.oneroster.importer). The names are the ones upgrades refer to (migration 0023 grants "Communication District Settings" to "District Administrator").
- ``student_references``: Every column that names a student, in one registry, with how its duplicates merge (MRG-01).
- ``user_settings``: A user's communication settings and the district's default user preferences (SET-03..SET-06, SET-09).
"""
