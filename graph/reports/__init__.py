"""GraphQL for reports: the communication report, resend and recall.

- ``reports``: The communication report (RPT-*): communicationReport, resendToFailed, recallMessage; the CSV export is an HTTP route (homeroom.routes.reports).
"""
