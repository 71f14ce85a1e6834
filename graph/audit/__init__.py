"""The audit trail in GraphQL (issue 16 point 8): ``auditLog`` for district administrators
(queries, types), and the disclosures graph records as it answers (disclosures: contact data shown,
partner-key reads)."""
