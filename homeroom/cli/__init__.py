"""The ``homeroom`` command line: main, demo, OneRoster import/export, the plugin report, and what commands share.

- ``audit``: ``homeroom audit verify``: walk the audit trail's hash chain (issue 16 point 8).
- ``demo``: ``homeroom demo``: everything on embedded defaults in one data dir, with a seeded district.
- ``main``: The ``homeroom`` command line.
- ``oneroster``: ``homeroom import oneroster DIR`` and ``homeroom export oneroster DIR``.
- ``plugin_report``: What ``homeroom plugins`` shows: each plugin, what it serves, and its redacted config.
- ``support``: What every ``homeroom`` command shares: one-line failures, settings, and the checks a command makes before it starts work (the port is free, the database exists).
"""
