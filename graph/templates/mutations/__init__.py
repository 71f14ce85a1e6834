"""Template mutations, one a module; ``TemplateMutations`` composes them for graph.schema (issue 18).

- ``create_template``: createTemplate: a new template of yours (TPL-01).
- ``update_template``: updateTemplate: change the fields given (TPL-04, TPL-13, TPL-14).
- ``delete_template``: deleteTemplate: remove it unless something uses it (TPL-15).
- ``use_template``: useTemplate: copy it into a new draft or one of yours (TPL-11, CMP-35).
- ``create_letterhead``: createLetterhead: a letterhead for messages, templates or other uses (CMP-03).
"""

from __future__ import annotations

import strawberry

from graph.templates.mutations.create_letterhead import CreateLetterheadMutation
from graph.templates.mutations.create_template import CreateTemplateMutation
from graph.templates.mutations.delete_template import DeleteTemplateMutation
from graph.templates.mutations.update_template import UpdateTemplateMutation
from graph.templates.mutations.use_template import UseTemplateMutation


@strawberry.type
class TemplateMutations(CreateTemplateMutation, UpdateTemplateMutation, DeleteTemplateMutation, UseTemplateMutation,
                        CreateLetterheadMutation):
    pass
