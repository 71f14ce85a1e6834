"""Announcements in the API (ANN-*): the management list, form and mutations (types, inputs,
queries, mutations/), and the portal feed and the subscription (feed.py, subscriptions.py with
portal_types.py)."""
