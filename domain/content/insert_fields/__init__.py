"""Insert fields (CMP-25, SMS-05, VOI-08, EDT-05): placeholders such as ``{{student.first_name}}``
that a message stores as written and that are filled in for each recipient when the delivery is
sent or the letter printed. This package is the area's public face: other areas import from here.

- ``registry``: The catalogue (the union of registered sources), ``register``, search, validation and rendering.
- ``directory_fields``: The built-in recipient, student and user fields.
- ``finance_fields``: The built-in finance fields: the fixed assets a student or custodian holds.
- ``marking_period_fields``: The built-in marking-period fields (CMP-33): the period a one-time message's sign-in year or a recurring message's dispatch day falls in.
- ``subjects``: Whom each delivery is filled in for, and its values, one statement per source used.
"""

from domain.content.insert_fields import directory_fields, finance_fields, marking_period_fields
from domain.content.insert_fields.registry import (
    FIELD, ID_CHUNK, InsertFieldConflict, InsertField, InsertFieldCategory, InsertFieldSource, Loader, Subject,
    catalogue, field_values, fields_in, id_chunks, known_names, register, render, sources, sources_for,
    unknown_fields, unregister,
)
from domain.content.insert_fields.subjects import delivery_subjects, delivery_values

for _source in (directory_fields.RECIPIENT, directory_fields.STUDENT, directory_fields.USER, finance_fields.FINANCE,
                marking_period_fields.MARKING_PERIOD):
    register(_source)

__all__ = [
    "FIELD", "ID_CHUNK", "InsertFieldConflict", "InsertField", "InsertFieldCategory", "InsertFieldSource", "Loader",
    "Subject", "catalogue", "delivery_subjects", "delivery_values", "field_values", "fields_in", "id_chunks",
    "known_names", "register", "render", "sources", "sources_for", "unknown_fields", "unregister",
]
