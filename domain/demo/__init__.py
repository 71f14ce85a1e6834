"""Demo: the synthetic district generator and its word lists.

- ``names``: Built-in word lists and shares for the synthetic district generator, and how a name becomes an address (``domain.demo.seeding``).
- ``seeding``: The synthetic district generator: a realistic, deterministic directory for demos and benches.
"""
