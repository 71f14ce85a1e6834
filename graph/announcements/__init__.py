"""Announcements in the API (ANN-*): the management list, form and mutations (types, inputs,
queries, mutations/); the portal and public feeds and the subscription live beside them."""
