"""Re-enrolment: the Communication Status Updates job and its forms.

- ``forms``: The re-enrolment forms the Communication Status Updates job publishes, at most one per audience (JOB-06, JOB-07).
- ``status_updates``: The Communication Status Updates job (JOB-06, JOB-07; add-on callout), run by every queue run.
"""
