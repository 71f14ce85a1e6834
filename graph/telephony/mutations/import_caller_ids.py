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


@strawberry.type
class CallerIdsImported:
    caller_ids: list[CallerId]


ImportCallerIdsErrors = field_errors("ImportCallerIds", CALLER_ID_CODES)
ImportCallerIdsResult = Annotated[CallerIdsImported | ImportCallerIdsErrors, strawberry.union("ImportCallerIdsResult")]


@strawberry.type
class ImportCallerIdsMutation:
    @strawberry.mutation(**requires("Import caller IDs from CSV; every bad row is reported (path "
                                    "row.N.column) and then nothing is imported (CID-08).", Perm.COMMUNICATION,
                                    Perm.CALLER_ID_PHONE_NUMBERS))
    def import_caller_ids(self, info: Info, csv: str, columns: CallerIdColumnsInput,
                          has_header: bool = True) -> ImportCallerIdsResult:
        authorize_input(info.context.viewer, columns)
        mapping = rules.CsvColumns(**{name: getattr(columns, name) for name in (
            "title", "phone", "schools", "public", "student_attendance", "school_default", "district_default")})
        return perform(info, lambda: rules.import_csv(info.context.session, csv, mapping, has_header=has_header),
                       refused=ImportCallerIdsErrors.of, done=lambda rows: CallerIdsImported(caller_ids=shown(info, rows)))
