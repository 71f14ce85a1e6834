"""Letters: a message printed or previewed as one letter per recipient (CMP-30, CMP-31, CMP-32, SET-02, CMP-10).

- ``addressees``: Who a message's letters are for: one per recipient student (addressed to the student for the student recipient types) and one per recipient staff member, set-based.
- ``content``: The message a viewer may print or preview, and what its letters are made of (body, letterhead).
- ``language``: The language a letter prints in (CMP-31, CMP-32): original, each recipient's (the district translation setting, TRN-01) or the first contact's user's, from the message's stored translations; a language without one prints the original, the reason recorded.
- ``layout``: Letters as HTML under the letterhead, each on a new page; SET-02's per-page name line in CSS paged media.
- ``pdf``: HTML to PDF with WeasyPrint in chunks merged with pypdf; nothing fetched but data: URIs.
- ``preview``: Preview (CMP-30): one recipient's letter as HTML, writing nothing.
- ``print_jobs``: Print (CMP-31): the print job (at most a few unfinished per user), its run with progress, the letter log (CMP-10) and the signed download link.
- ``print_upkeep``: The queue clock's upkeep of print jobs: QUEUED jobs whose queue message was lost are sent again; PDFs past their retention are deleted (the job stays, EXPIRED).
- ``jobs``: The port print work is handed to after the commit (jobs.printing implements it).
- ``letter_log``: The PRINTED letter-log entries of a print with Add Log Record (CMP-10).
"""
