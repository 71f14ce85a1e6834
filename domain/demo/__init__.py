"""Demo: the synthetic district generator and its word lists.

- ``names``: Built-in word lists and shares for the synthetic district generator, and how a name becomes an address (``domain.demo.seeding``).
- ``seeding``: The synthetic district generator: a realistic, deterministic directory for demos and benches.
- ``staff_and_classes``: The synthetic district generator's staff and classes: staff users, sections with their rosters and teachers, and student and user groups. Mixed into the builder of ``domain.demo.seeding``, whose row helpers (``_add``, ``_user``, ``_next_id``) and random source they use.
"""
