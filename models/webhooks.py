"""Outbound webhook endpoints, messages and attempts (issue 16 point 5)."""
