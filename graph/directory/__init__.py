"""GraphQL for the directory: schools, people, sections, groups, user settings, district preferences, push devices.

- ``inputs``: Directory inputs: the viewer's settings to change, a browser's push subscription.
- ``queries``: Directory queries, scoped to what the viewer may reach (RCP-17, RCP-19, RCP-20, RCP-21); the district's default user preferences (SET-09); the Web Push key.
- ``settings``: The viewer's own settings (SET-03..SET-07) and the district's defaults for them (SET-09): the types queries and mutations answer with.
- ``types``: Directory types: schools, students, staff, sections and groups.
- ``mutations/``: Directory mutations, one a module; ``DirectoryMutations`` composes them for graph.schema.
"""
