"""OneRoster 1.1 CSV: read, plan, import, export, and the import report.

- ``export``: OneRoster 1.1 CSV export of the directory: the bundle that ``homeroom import oneroster`` reads.
- ``importer``: OneRoster 1.1 CSV import: ``homeroom import oneroster DIR`` fills the directory from a bundle.
- ``people``: Planning the people of a OneRoster import: users.csv rows and the contacts their agents make.
- ``plan``: Planning a OneRoster import: check every reference and build the wanted rows, by sourcedId.
- ``read``: Reading a OneRoster 1.1 CSV bundle: the manifest, the files, headers and per-row checks.
- ``report``: What a OneRoster import reports: per entity, rows created, updated, unchanged, removed, skipped and rejected; the row-level errors; notes such as the files it ignored; and the time taken.
- ``write``: Writing a checked OneRoster import plan: each directory table synchronised in bulk, with one batch of inserts (COPY on PostgreSQL), one executemany UPDATE and one executemany DELETE; no statement runs per row (``domain.integrations.oneroster.importer`` holds the mapping).
"""
