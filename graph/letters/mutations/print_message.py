"""printMessage (CMP-31): print a message as one PDF of letters, made by a job; the answer is the
job, whose progress and download link printJob(id) shows."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.permissions import Perm
from domain.letters.language import PrintLanguage as PrintLanguageValue
from domain.letters.print_jobs import PrintOptions, request_print
from domain.support.global_ids import Kind
from graph.context import Info
from graph.errors import field_errors, perform
from graph.letters.types import PrintJob, PrintLanguage
from graph.pagination import parse_id
from graph.permissions import requires

PrintMessageErrors = field_errors("PrintMessage", ("NOT_FOUND", "RATE_LIMITED"))
PrintMessageResult = Annotated[PrintJob | PrintMessageErrors, strawberry.union(
    "PrintMessageResult", description="The print job, or why none was made (NOT_FOUND: no message you can see; "
                                      "RATE_LIMITED: you have the most prints queued or running at once, "
                                      "HOMEROOM_PRINT_MAX_UNFINISHED_JOBS).")]


@strawberry.input(description="What to print and how (CMP-31).")
class PrintMessageInput:
    message_id: strawberry.ID = strawberry.field(description="A message you can see (Message.id).")
    names_on_each_page: bool | None = strawberry.field(
        default=None, description="Each page's header carries the person's name and id, `Last, First Middle User_ID` "
                                  "(SET-02; not on a letter's first page under a letterhead header); null: the "
                                  "district's setting.")
    language: PrintLanguage = strawberry.field(default=PrintLanguageValue.RECIPIENT,
                                               description="The language letters print in (CMP-31, CMP-32).")


@strawberry.type
class PrintMessageMutation:
    @strawberry.mutation(**requires(
        "Print a message: one letter per recipient student (addressed to the student) or staff member, each "
        "starting on a new page, under the message's letterhead, as one PDF made by a job (never in this request). "
        "Poll printJob(id) for progress and the signed download link. With Add Log Record, the finished print "
        "logs a PRINTED letter on every student's record (CMP-10).", Perm.COMMUNICATION, Perm.SEND_MESSAGES))
    def print_message(self, info: Info, input: Annotated[PrintMessageInput, strawberry.argument(
            description="The message and the print options.")]) -> PrintMessageResult:
        session = info.context.session
        options = PrintOptions(names_on_each_page=input.names_on_each_page, language=PrintLanguageValue(input.language))
        return perform(info, lambda: request_print(session, info.context.viewer, parse_id(input.message_id, Kind.MESSAGE),
                                                   options, info.context.runtime.print_jobs,
                                                   policy=info.context.runtime.print_policy),
                       refused=_refused, done=lambda row: PrintJob.of(info, row))


def _refused(refusal):
    """The message id is an input field: its problem is at input.messageId."""
    return PrintMessageErrors.of_problems([
        type(problem)(("input", *problem.path), problem.code, problem.message) for problem in refusal.problems])
