"""The audit trail (issue 16 point 8)."""
