"""Translations (TRN-*): manual texts per language, the language each recipient reads, and machine
translation through the configured translator plugin once per (message, language) at fan-out.

- ``languages``: The languages a message can be translated into, and the original's.
- ``manual``: The rules every manual translation follows, whatever carries it (TRN-04).
- ``recipient_language``: The language each recipient's copy is in, as SQL for the resolution (TRN-01).
- ``machine``: Each (message, language) machine-translated once, before dispatch (TRN-01, TRN-02, TRN-08).
- ``protect``: Insert fields and glossary names marked not to translate.
- ``batching``: Texts into translator requests within the plugin's limits.
- ``copies``: The texts a delivery's copy reads: its language's, else the original (TRN-03, TRN-04, TRN-08).
"""
