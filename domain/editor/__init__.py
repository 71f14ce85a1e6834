"""The text editor (issue 18 point 5; EDT-01…EDT-03): which editor the district uses, the one-way
switch to the new one, and the HTML the new editor keeps.

- ``html``: New-editor HTML (EDT-02, EDT-03): legacy presentational markup converted, insert fields and imported HTML blocks (EDT-04) kept; idempotent.
- ``mode``: Which editor the district uses (EDT-01) and the form a template's HTML is saved in (EDT-03).
- ``switch``: The one-way switch to the new editor (EDT-02): every template converted, the preference removed.
"""
