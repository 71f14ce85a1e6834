"""importCallerIds: caller IDs from CSV; every bad row is reported, then nothing is imported (CID-08)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.permissions import Perm
from domain.telephony import caller_ids as rules
from graph.context import Info
from graph.errors import CALLER_ID_CODES, field_errors, perform
from graph.permissions import authorize_input, requires
from graph.telephony.inputs import CallerIdColumnsInput
from graph.telephony.types import CallerId, shown


@strawberry.type(description="Every row of the file became a caller ID number (CID-08).")
class CallerIdsImported:
    caller_ids: list[CallerId] = strawberry.field(description="The numbers created, in the file's order.")


ImportCallerIdsErrors = field_errors("ImportCallerIds", CALLER_ID_CODES)
ImportCallerIdsResult = Annotated[CallerIdsImported | ImportCallerIdsErrors, strawberry.union(
    "ImportCallerIdsResult", description="What importCallerIds answers: the numbers created, or every bad row's "
                                         "errors (then nothing was imported).")]


@strawberry.type
class ImportCallerIdsMutation:
    @strawberry.mutation(**requires("Import caller IDs from CSV; every bad row is reported (path "
                                    "row.N.column) and then nothing is imported (CID-08).", Perm.COMMUNICATION,
                                    Perm.CALLER_ID_PHONE_NUMBERS))
    def import_caller_ids(self, info: Info,
                          csv: Annotated[str, strawberry.argument(description="The CSV file's text, comma-separated.")],
                          columns: Annotated[CallerIdColumnsInput, strawberry.argument(
                              description="Which column holds each field.")],
                          has_header: Annotated[bool, strawberry.argument(
                              description="The first line names the columns and is skipped.")] = True) -> ImportCallerIdsResult:
        authorize_input(info.context.viewer, columns)
        mapping = rules.CsvColumns(**{name: getattr(columns, name) for name in (
            "title", "phone", "schools", "public", "student_attendance", "school_default", "district_default")})
        return perform(info, lambda: rules.import_csv(info.context.session, csv, mapping, has_header=has_header),
                       refused=ImportCallerIdsErrors.of, done=lambda rows: CallerIdsImported(caller_ids=shown(info, rows)))
