"""GraphQL for reports: the communication report and resend.

- ``inputs``: The communication report's filter.
- ``queries``: The communication report (RPT-*): communicationReport; the CSV export is an HTTP route (homeroom.routes.reports).
- ``types``: Communication report types (RPT-*).
- ``mutations/``: Report mutations, one a module; ``ReportMutations`` composes them for graph.schema.
"""
