"""Letters (issue 18 point 4): previewMessage and printJob (queries.py), printMessage (mutations/),
their types (types.py). Mirrors domain/letters.

- ``queries``: previewMessage (CMP-30) and printJob: one recipient's letter as HTML, and a print's progress.
- ``types``: Letter types: a previewed letter, a print job with its progress and download link, and the print options.
"""
