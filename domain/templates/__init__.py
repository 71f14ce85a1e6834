"""Message templates (issue 18; TPL-*, CMP-35); letterheads are domain.content.letterheads (CMP-03).

- ``rules``: who may see, use, change and publish a template (TPL-02…TPL-04, PERM-30…PERM-33);
- ``editing``: create, change and delete, with every field's checks (TPL-01, TPL-13…TPL-15);
- ``listing``: the picker and the Templates list, the schools offered, the tabs (TPL-05…TPL-08, TPL-12);
- ``use``: a template loaded into a new or existing draft, as a copy (TPL-11, TPL-14, CMP-35);
- ``files``: a template's files: upload, download, remove (TPL-01, ATT-01, ATT-04);
- ``references``: what uses a template, so deleting it is refused (TPL-15, TPL-09).
"""
