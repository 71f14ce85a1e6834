"""GraphQL for re-enrolment forms.

- ``forms``: The re-enrolment forms the Communication Status Updates job publishes (JOB-06, JOB-07).
"""
