"""Re-enrolment: the Communication Status Updates job and its forms.

- ``status_updates``: The Communication Status Updates job (JOB-06, JOB-07; add-on callout), run by every queue run.
"""
