"""Announcements (ANN-*): fields and validation, who sees which (visibility computed in SQL from
the recipient rules), management lists, activation by the queue, and the public mobile feed."""
