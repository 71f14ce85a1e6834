"""GraphQL for the directory: schools, people, sections, groups, user settings, push devices.

- ``push``: Web Push subscriptions: registerPushSubscription, removePushSubscription, pushApplicationServerKey.
- ``queries``: Directory queries, scoped to what the viewer may reach (RCP-17, RCP-19, RCP-20, RCP-21).
- ``settings``: The viewer's own settings (SET-03..SET-07) and the district's defaults for them (SET-09).
- ``types``: Directory types: schools, students, staff, sections and groups.
"""
