"""Translations in the API (TRN-*): the manual translation input and type every carrier shares."""
