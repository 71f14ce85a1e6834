"""Support: signed ids, bulk row writes, the two kinds of domain error, the checks of uploaded files, inserts that skip duplicates, keyset pages, spreadsheet cells, wall-clock times, channel kinds.

- ``bulk_rows``: Bulk writes of plain row dicts: COPY on PostgreSQL with psycopg, chunked executemany elsewhere.
- ``channel_kinds``: Which kind of channel plugin serves each ledger channel: dispatch groups claimed deliveries by it, recovery asks the right plugins, and provider webhooks find the deliveries a plugin may update.
- ``errors``: The two kinds of failure the domain reports (STYLE "Two kinds of error").
- ``file_uploads``: The checks every uploaded file passes, whatever it attaches to (ATT-01, ATT-03): a message's files and a template's go into the same emails, so one set of rules serves both: not empty, a bounded size per file and per item, and no programs or scripts.
- ``insert_once``: INSERTs that skip rows a unique key already holds (ON CONFLICT DO NOTHING on SQLite and PostgreSQL).
- ``keyset``: Keyset pages of a list ordered by row id, in either direction (issue 17 point 1).
- ``signed_ids``: Ids signed for one purpose and a limited time: every link and address Homeroom hands out that stands in for a login (unsubscribe links, reply and bounce addresses, re-enrolment form links, the URLs a voice provider fetches).
- ``spreadsheet_cells``: Cells of the CSV files people open in a spreadsheet (issue 13 point 9).
- ``wall_clock``: Wall-clock times of a district's time zone as instants, correct across daylight-saving changes.
"""
