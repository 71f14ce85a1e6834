"""HTTP routes beside /graphql: GraphQL itself, attachments, reports, forms, unsubscribe, voice, webhooks.

- ``attachments``: File uploads and downloads of message attachments (ATT-01..ATT-04), with the /graphql bearer token.
- ``graphql``: /graphql over HTTP and WebSocket: strawberry's FastAPI router, kept off the event loop.
- ``path_ids``: Ids in URL paths (issue 13 point 11): an id past the database's integer columns names no row, so it is 404 like a missing id, without reaching the database (SQLite cannot even bind one past 2^63, which used to answer 500).
- ``printing``: GET /printing/{token}/letters.pdf: a finished print job's PDF (CMP-31), through the signed, expiring link printJob(id).downloadUrl hands its requester.
- ``reenrolment``: /forms/reenrolment/{token}: the re-enrolment form a person whose number was unreachable fills in (JOB-06). The link in the form's email is the only key; a completed form cannot be reused.
- ``reports``: GET /reports/messages/{id}/deliveries.csv: a message's per-recipient report as CSV (RPT-02), for whoever may read that message's report, with the same bearer token as /graphql; someone else's message lists only the recipients in the reader's own scope (domain.reports.communication_report). Its cells are safe to open in a spreadsheet (domain.support.spreadsheet_cells).
- ``subscription_limits``: How many subscriptions a partner key and a district may hold at once in this process (issue 16 point 7).
- ``unsubscribe``: /unsubscribe/{token}: the one-click unsubscribe endpoint of List-Unsubscribe (RFC 8058).
- ``voice``: /voice/{token}/twiml: what a call says when it is answered (TwiML), per delivery; and /voice/audio/{token}: the synthesized audio it plays.
- ``webhooks``: POST /webhooks/{plugin}: status callbacks and inbound messages for channel plugins.
"""
