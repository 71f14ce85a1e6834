"""GraphQL for re-enrolment forms.

- ``queries``: The configured re-enrolment forms (JOB-06).
- ``types``: Re-enrolment form types (JOB-06, JOB-07).
- ``mutations/``: one module per mutation (see its map).
"""
