"""Caller ID phone numbers (CID-*): the list and its management for PERM-40, and the numbers a
sender may put on a call (VOI-03)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.telephony import caller_ids as rules
from domain.support.errors import AuthorizationError, InvalidInput
from domain.access.permissions import CATALOGUE, Perm
from graph.context import Info
from graph.messages.inputs import SendMessageErrors, _ids, to_errors
from graph.permissions import authorize_input, denied, gated, requires
from models.caller_ids import CallerId as CallerIdRow


@strawberry.type(description="A caller ID number. The title is internal: the people called never see it (CID-01).")
class CallerId:
    id: strawberry.ID
    title: str
    phone: str = strawberry.field(description="E.164.")
    public: bool = strawberry.field(description="CID-02: offered to users of its schools, or of all with none.")
    school_ids: list[strawberry.ID]
    student_attendance: bool = strawberry.field(description="CID-04: the one Student Attendance number.")
    school_default: bool = strawberry.field(description="CID-05: the default of users at its schools.")
    district_default: bool = strawberry.field(description="CID-06: the newest one flagged is the effective one.")

    @classmethod
    def of(cls, row: CallerIdRow, school_ids: list[int]) -> CallerId:
        return cls(id=strawberry.ID(str(row.id)), title=row.title, phone=row.phone, public=row.public,
                   school_ids=[strawberry.ID(str(s)) for s in school_ids], student_attendance=row.student_attendance,
                   school_default=row.school_default, district_default=row.district_default)


@strawberry.type(description="The numbers a sender may put on a call, and the one used when none is picked.")
class AvailableCallerIds:
    numbers: list[CallerId]
    default_id: strawberry.ID | None = strawberry.field(description="VOI-03: null when calls are unavailable (VOI-02).")


@strawberry.input
class CallerIdInput:
    title: str
    phone: str
    public: bool = False
    school_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    student_attendance: bool = False
    school_default: bool = False
    district_default: bool = gated("CID-06: calls need a District Default number; the newest one is the "
                                   "effective one.", Perm.DISTRICT_SETTINGS, default=False)


@strawberry.input(description="CID-08: 0-based column positions of the CSV; flags hold 1, 0 or nothing.")
class CallerIdColumnsInput:
    title: int
    phone: int
    schools: int | None = strawberry.field(default=None, description='School names or ids, separated by ";".')
    public: int | None = None
    student_attendance: int | None = None
    school_default: int | None = None
    district_default: int | None = gated("The District Default flag (CID-06).", Perm.DISTRICT_SETTINGS,
                                         default=None)


@strawberry.type
class CallerIdSaved:
    caller_id: CallerId


@strawberry.type
class CallerIdsImported:
    caller_ids: list[CallerId]


@strawberry.type(description="VOI-09: the test call was handed to the voice provider (or refused by it).")
class TestCallPlaced:
    placed: bool
    provider_id: str | None = None
    code: str | None = strawberry.field(default=None, description="The provider's code when it refused the call.")


TestCallResult = Annotated[TestCallPlaced | SendMessageErrors, strawberry.union("PlaceTestCallResult")]
SaveResult = Annotated[CallerIdSaved | SendMessageErrors, strawberry.union("SaveCallerIdResult")]
ImportResult = Annotated[CallerIdsImported | SendMessageErrors, strawberry.union("ImportCallerIdsResult")]


def _data(input: CallerIdInput) -> rules.CallerIdInput:
    return rules.CallerIdInput(title=input.title, phone=input.phone, public=input.public,
                               school_ids=_ids(input.school_ids), student_attendance=input.student_attendance,
                               school_default=input.school_default, district_default=input.district_default)


def _shown(info: Info, rows: list[CallerIdRow]) -> list[CallerId]:
    schools = rules.schools_of(info.context.session, [row.id for row in rows])
    return [CallerId.of(row, schools[row.id]) for row in rows]


def _may_change(info: Info, caller_id: int) -> None:
    try:
        rules.refuse_district_default_change(info.context.session, info.context.viewer, caller_id)
    except AuthorizationError as refused:
        raise denied(refused) from None


def _saved(info: Info, action) -> SaveResult:
    session = info.context.session
    try:
        row = action(session)
    except InvalidInput as invalid:
        session.rollback()
        return to_errors(invalid.problems)
    session.commit()
    return CallerIdSaved(caller_id=_shown(info, [row])[0])


@strawberry.type
class CallerIdQueries:
    @strawberry.field(**requires("CID-01: every caller ID number.", Perm.CALLER_ID_PHONE_NUMBERS))
    def caller_ids(self, info: Info) -> list[CallerId]:
        from sqlalchemy import select

        rows = info.context.session.execute(select(CallerIdRow).order_by(CallerIdRow.title, CallerIdRow.id))
        return _shown(info, list(rows.scalars()))

    @strawberry.field(**requires("VOI-03 / CID-03: the numbers you may put on a call, and your default.",
                                 Perm.PHONE_CALLS))
    def available_caller_ids(self, info: Info) -> AvailableCallerIds:
        available = rules.available_to(info.context.session, info.context.viewer)
        if available.district_default is None:  # VOI-02
            return AvailableCallerIds(numbers=[], default_id=None)
        return AvailableCallerIds(numbers=_shown(info, available.numbers), default_id=strawberry.ID(
            str(available.default.id)) if available.default else None)


@strawberry.type
class CallerIdMutations:
    @strawberry.mutation(**requires("CID-01: add a caller ID number.", Perm.CALLER_ID_PHONE_NUMBERS))
    def create_caller_id(self, info: Info, input: CallerIdInput) -> SaveResult:
        authorize_input(info.context.viewer, input)
        return _saved(info, lambda session: rules.create(session, _data(input)))

    @strawberry.mutation(**requires(
        "CID-01: change a caller ID number; a District Default number also needs "
        f"{CATALOGUE[Perm.DISTRICT_SETTINGS].describe()}.", Perm.CALLER_ID_PHONE_NUMBERS))
    def update_caller_id(self, info: Info, id: strawberry.ID, input: CallerIdInput) -> SaveResult:
        authorize_input(info.context.viewer, input)
        _may_change(info, _ids([id])[0])
        return _saved(info, lambda session: rules.edit(session, _ids([id])[0], _data(input)))

    @strawberry.mutation(**requires(
        "Delete a caller ID number; false when it did not exist. A District Default number also needs "
        f"{CATALOGUE[Perm.DISTRICT_SETTINGS].describe()}.", Perm.CALLER_ID_PHONE_NUMBERS))
    def delete_caller_id(self, info: Info, id: strawberry.ID) -> bool:
        _may_change(info, _ids([id])[0])
        removed = rules.remove(info.context.session, _ids([id])[0])
        info.context.session.commit()
        return removed

    @strawberry.mutation(**requires("VOI-09: call a number you type with the call text as composed; it reaches no "
                                    "recipient and writes no delivery.", Perm.PHONE_CALLS))
    def place_test_call(self, info: Info, phone: str, call_text: str,
                        caller_id_id: strawberry.ID | None = None) -> TestCallResult:
        from channels.base import Sent
        from domain.telephony.trial_calls import place_test_call

        try:
            outcome = place_test_call(info.context.session, info.context.viewer, info.context.registry, phone=phone,
                                      call_text=call_text,
                                      caller_id_id=_ids([caller_id_id])[0] if caller_id_id is not None else None)
        except InvalidInput as invalid:
            return to_errors(invalid.problems)
        if isinstance(outcome, Sent):
            return TestCallPlaced(placed=True, provider_id=outcome.provider_id)
        return TestCallPlaced(placed=False, code=getattr(outcome, "code", None))

    @strawberry.mutation(**requires("CID-08: import caller IDs from CSV; every bad row is reported (path "
                                    "row.N.column) and then nothing is imported.", Perm.CALLER_ID_PHONE_NUMBERS))
    def import_caller_ids(self, info: Info, csv: str, columns: CallerIdColumnsInput,
                          has_header: bool = True) -> ImportResult:
        authorize_input(info.context.viewer, columns)
        session = info.context.session
        mapping = rules.CsvColumns(**{name: getattr(columns, name) for name in (
            "title", "phone", "schools", "public", "student_attendance", "school_default", "district_default")})
        try:
            rows = rules.import_csv(session, csv, mapping, has_header=has_header)
        except InvalidInput as invalid:
            session.rollback()
            return to_errors(invalid.problems)
        session.commit()
        return CallerIdsImported(caller_ids=_shown(info, rows))
