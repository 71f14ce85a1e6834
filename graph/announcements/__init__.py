"""Announcements in GraphQL (ANN-*): the portal feed, the public mobile feed and the subscription
(feed.py, public_feed.py, subscriptions.py with portal_types.py), and their management."""
