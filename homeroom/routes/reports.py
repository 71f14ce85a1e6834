"""GET /reports/messages/{id}/deliveries.csv: a message's per-recipient report as CSV (RPT-02),
for whoever may read that message's report, with the same bearer token as /graphql; someone else's
message lists only the recipients in the reader's own scope (domain.reports.communication_report). Its cells are safe to
open in a spreadsheet (domain.support.spreadsheet_cells). Any bearer credential the API accepts
works, a partner key too when it holds `messages:read` (issue 16 point 3)."""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter, Header, HTTPException, Path
from fastapi.responses import StreamingResponse
from sqlalchemy.engine import Engine
from sqlalchemy import select
from sqlmodel import Session

from domain.audit.actions import Actor, AuditAction
from domain.audit.trail import record
from domain.support.errors import AuthenticationError
from domain.support.global_ids import Kind, global_id
from domain.access.permissions import Perm
from domain.reports.communication_report import CSV_COLUMNS, delivery_csv_rows, readable_deliveries, visible_message
from domain.support.spreadsheet_cells import spreadsheet_row
from domain.access.viewer import load_viewer
from domain.access.scopes import Scope
from homeroom.auth import Authenticator, bearer_token
from homeroom.routes.path_ids import path_pk
from models.messaging import Delivery


def report_router(engine: Engine, authenticate: Authenticator) -> APIRouter:
    router = APIRouter()

    @router.get("/reports/messages/{message_id}/deliveries.csv")
    def deliveries_csv(message: str = Path(alias="message_id"),
                       authorization: str | None = Header(default=None)) -> StreamingResponse:
        message_id = path_pk(message, Kind.MESSAGE, "message", missing=f"message {message} not found")
        session = Session(engine)
        try:
            found = authenticate.verify(bearer_token(authorization))
            viewer = load_viewer(session, found.user_id, found.key)
        except AuthenticationError as error:
            session.close()
            raise HTTPException(status_code=401, detail=str(error)) from None
        if viewer.key is not None and not viewer.key.allows(Scope.MESSAGES_READ):
            session.close()
            raise HTTPException(status_code=403, detail="This partner key needs the messages:read scope.")
        if not viewer.permissions.has(Perm.COMMUNICATION):
            session.close()
            raise HTTPException(status_code=403, detail='Requires "Communication" (View) [PERM-06]')
        message = visible_message(session, viewer, message_id)
        if message is None:
            session.close()
            raise HTTPException(status_code=404, detail=f"message {message} not found")
        scope = readable_deliveries(viewer, message.sender_id)  # another's message: their own scope's rows
        # Issue 16 point 8: the export is audited, with the students whose rows it holds, before a byte goes out.
        record(session, Actor.of(viewer), AuditAction.REPORT_EXPORTED, object_type="message", object_ids=[message_id],
               students=select(Delivery.student_id).where(Delivery.message_id == message_id, *scope))
        session.commit()

        def lines():
            try:
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                writer.writerow(CSV_COLUMNS)
                for n, row in enumerate(delivery_csv_rows(session, message_id, scope), start=1):
                    writer.writerow(spreadsheet_row(row))  # no cell runs as a formula (issue 13 point 9)
                    if n % 1000 == 0:
                        yield buffer.getvalue()
                        buffer.seek(0)
                        buffer.truncate()
                yield buffer.getvalue()
            finally:
                session.close()

        filename = f"message-{global_id(Kind.MESSAGE, message_id)}-deliveries.csv"
        return StreamingResponse(lines(), media_type="text/csv",
                                 headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    return router
