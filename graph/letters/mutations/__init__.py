"""Letter mutations, one a module; ``LetterMutations`` composes them for graph.schema (issue 18 point 4).

- ``print_message``: printMessage: print a message as one PDF of letters, made by a job (CMP-31).
"""

from __future__ import annotations

import strawberry

from graph.letters.mutations.print_message import PrintMessageMutation


@strawberry.type
class LetterMutations(PrintMessageMutation):
    pass
