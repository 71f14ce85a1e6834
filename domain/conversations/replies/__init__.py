"""Answering in a thread: the one reply operation, its rules, and out-of-office answers.

- ``replies``: Answering in a thread: the one operation every reply path goes through (INB-14).
- ``reply_rules``: Who may answer in a thread (CMP-16, CMP-18, CMP-21, INB-16, INB-22).
- ``out_of_office``: Out-of-office settings and their automatic answers (SET-08).
"""
