"""GraphQL for re-enrolment forms.

- ``queries``: The configured re-enrolment forms (JOB-06).
- ``types``: Re-enrolment form types (JOB-06, JOB-07).
- ``mutations/``: Re-enrolment form mutations, one a module; ``ReenrolmentMutations`` composes them for graph.schema.
"""
