"""Translations (TRN-*): manual texts per language, the language each recipient reads, and machine
translation through the configured translator plugin once per (message, language) at fan-out."""
