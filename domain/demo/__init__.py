"""Demo: the synthetic district generator and its word lists.

- ``names``: Built-in word lists and shares for the synthetic district generator (names, grades, school levels), and how a name becomes an address.
- ``seeding``: The synthetic district generator: a realistic, deterministic directory for demos and benches.
- ``staff_and_classes``: The generator's staff users, sections with rosters and teachers, and student and user groups (a mixin of the seeding builder).
"""
