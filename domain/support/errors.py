"""The two kinds of failure the domain reports (STYLE "Two kinds of error")."""

from __future__ import annotations

import dataclasses


class AuthenticationError(Exception):
    """No valid credentials: missing, expired or forged token."""

    code = "UNAUTHENTICATED"


class AuthorizationError(Exception):
    """The caller lacks a permission or add-on; nothing was written."""

    code = "FORBIDDEN"

    def __init__(self, message: str, *, requirement: str | None = None):
        super().__init__(message)
        self.requirement = requirement


@dataclasses.dataclass(frozen=True)
class FieldProblem:
    """One user-fixable problem with the input: where, a stable code, and a sentence."""

    path: tuple[str | int, ...]
    code: str
    message: str


class Refusal(Exception):
    """An expected refusal the caller can act on (bad input, a count to confirm, a rejected file):
    the mutation answers it in its payload (graph.errors.perform) and nothing is written."""


class InvalidInput(Refusal):
    """Expected, user-fixable problems; returned in the mutation payload, nothing written."""

    def __init__(self, problems: list[FieldProblem]):
        super().__init__("; ".join(problem.message for problem in problems))
        self.problems = problems
