"""Outbound webhooks (issue 16 point 5): endpoint, message, attempt and notice types (types.py),
the endpoint input (inputs.py), what administrators read (queries.py), and mutations/, one file per
mutation. Mirrors domain/webhooks."""
