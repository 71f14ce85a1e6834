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
    public: bool = strawberry.field(description="Offered to users of its schools, or to every user when it has no schools (CID-02).")
    school_ids: list[strawberry.ID]
    student_attendance: bool = strawberry.field(description="The single number used for student attendance calls (CID-04).")
    school_default: bool = strawberry.field(description="The default number for users at its schools (CID-05).")
    district_default: bool = strawberry.field(description="The district-wide default; when several are flagged, the newest one is used (CID-06).")

    @classmethod
    def of(cls, row: CallerIdRow, school_ids: list[int]) -> CallerId:
        return cls(id=strawberry.ID(str(row.id)), title=row.title, phone=row.phone, public=row.public,
                   school_ids=[strawberry.ID(str(s)) for s in school_ids], student_attendance=row.student_attendance,
                   school_default=row.school_default, district_default=row.district_default)


@strawberry.type(description="The numbers a sender may put on a call, and the one used when none is picked.")
class AvailableCallerIds:
    numbers: list[CallerId]
    default_id: strawberry.ID | None = strawberry.field(description="The number used when the sender picks none; null when calls are unavailable (VOI-02, VOI-03).")


@strawberry.input
class CallerIdInput:
    title: str
    phone: str
    public: bool = False
    school_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    student_attendance: bool = False
    school_default: bool = False
    district_default: bool = gated("The district-wide default number: calls need one; when several are flagged, the "
                                   "newest one is used (CID-06).", Perm.DISTRICT_SETTINGS, default=False)


@strawberry.input(description="Which CSV column (counted from 0) holds each field; flag columns hold 1, 0 or "
                              "nothing (CID-08).")
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


@strawberry.type(description="The test call was handed to the voice provider (or refused by it) (VOI-09).")
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
    @strawberry.field(**requires("Every caller ID number (CID-01).", Perm.CALLER_ID_PHONE_NUMBERS))
    def caller_ids(self, info: Info) -> list[CallerId]:
        from sqlalchemy import select

        rows = info.context.session.execute(select(CallerIdRow).order_by(CallerIdRow.title, CallerIdRow.id))
        return _shown(info, list(rows.scalars()))

    @strawberry.field(**requires("The numbers you may put on a call, and your default (VOI-03, CID-03).",
                                 Perm.PHONE_CALLS))
    def available_caller_ids(self, info: Info) -> AvailableCallerIds:
        available = rules.available_to(info.context.session, info.context.viewer)
        if available.district_default is None:  # VOI-02
            return AvailableCallerIds(numbers=[], default_id=None)
        return AvailableCallerIds(numbers=_shown(info, available.numbers), default_id=strawberry.ID(
            str(available.default.id)) if available.default else None)


@strawberry.type
class CallerIdMutations:
    @strawberry.mutation(**requires("Add a caller ID number (CID-01).", Perm.CALLER_ID_PHONE_NUMBERS))
    def create_caller_id(self, info: Info, input: CallerIdInput) -> SaveResult:
        authorize_input(info.context.viewer, input)
        return _saved(info, lambda session: rules.create(session, _data(input)))

    @strawberry.mutation(**requires(
        "Change a caller ID number (CID-01); a District Default number also needs "
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

    @strawberry.mutation(**requires("Call a number you type with the call text as composed; it reaches no "
                                    "recipient and writes no delivery (VOI-09).", Perm.PHONE_CALLS))
    def place_test_call(self, info: Info, phone: str, call_text: str,
                        caller_id_id: strawberry.ID | None = None) -> TestCallResult:
        from channels.base import ChannelKind, Sent
        from domain.telephony.trial_calls import test_call
        from jobs.runtime import channel_registry

        try:
            outcome = test_call(info.context.session, info.context.viewer,
                                channel_registry().for_kind(ChannelKind.VOICE), phone=phone, call_text=call_text,
                                caller_id_id=_ids([caller_id_id])[0] if caller_id_id is not None else None)
        except InvalidInput as invalid:
            return to_errors(invalid.problems)
        if isinstance(outcome, Sent):
            return TestCallPlaced(placed=True, provider_id=outcome.provider_id)
        return TestCallPlaced(placed=False, code=getattr(outcome, "code", None))

    @strawberry.mutation(**requires("Import caller IDs from CSV; every bad row is reported (path "
                                    "row.N.column) and then nothing is imported (CID-08).", Perm.CALLER_ID_PHONE_NUMBERS))
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
