"""Integrations with outside systems, one folder each.

- ``oneroster/``: OneRoster 1.1 CSV: read, plan, import, export, and the import report.
"""
