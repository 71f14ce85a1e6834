"""File uploads and downloads of message attachments (ATT-01..ATT-04), with the /graphql bearer token.

    POST   /messages/{id}/attachments          multipart/form-data, field "file" → 201 {id, filename, contentType, size}
    GET    /messages/{id}/attachments/{aid}    the file
    DELETE /messages/{id}/attachments/{aid}    remove one;  DELETE /messages/{id}/attachments  remove all
    PUT    /messages/{id}/call-recording       multipart, field "file": the call's WAV recording (VOI-04)
    DELETE /messages/{id}/call-recording       remove it (the call reads its text again)

{id} and {aid} are the Message's and the AttachedFile's global ids (issue 17 point 1); a path id that
is not one is 404 like a missing row, except that removing a file the draft does not have, under any
id, answers {"removed": 0}.

Uploads and removals are for the sender's own drafts and scheduled messages; downloads for anyone
who may read the message (as message(id)). The upload routes take bodies up to
``HOMEROOM_MAX_UPLOAD_REQUEST_BYTES``; their checks and conversions run on a worker thread.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Header, HTTPException, UploadFile
from fastapi.responses import JSONResponse, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from domain.messages import attachments
from domain.telephony import call_recordings
from domain.support import file_uploads
from domain.support.errors import AuthenticationError, InvalidInput
from domain.support.global_ids import Kind, global_id
from domain.messages.send import MessageNotFound
from domain.access.permissions import Perm
from domain.access.viewer import Viewer, load_viewer
from homeroom.auth import bearer_token, user_id_from_token
from graph.pagination import parse_id
from homeroom.routes.path_ids import path_pk
from homeroom.settings import Settings
from models.db import session_scope


def field_errors(invalid: InvalidInput) -> JSONResponse:
    """The 422 of an upload the rules refused: each problem with its field, code and message."""
    return JSONResponse(status_code=422, content={"errors": [
        {"field": ".".join(map(str, p.path)), "code": p.code, "message": p.message} for p in invalid.problems]})


def _not_yours(message_id: str) -> str:
    """The 404 of an upload or removal whose message is missing, another's, sent, or no message id."""
    return f"no draft or scheduled message {message_id} of yours"


def signed_in_viewer(settings: Settings, session: Session, authorization: str | None) -> Viewer:
    """The viewer the /graphql bearer token names, or 401."""
    try:
        return load_viewer(session, user_id_from_token(settings, bearer_token(authorization)))
    except AuthenticationError as error:
        raise HTTPException(status_code=401, detail=str(error)) from None


def file_download(found) -> Response:
    """A stored file (a message's or a template's) as a download under its own name (RFC 6266)."""
    return Response(content=bytes(found.data), media_type=found.content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.filename)}"})


def attachment_router(settings: Settings, engine: Engine) -> APIRouter:
    router = APIRouter()

    def viewer_of(session: Session, authorization: str | None) -> Viewer:
        viewer = signed_in_viewer(settings, session, authorization)
        if not viewer.permissions.has(Perm.COMMUNICATION):
            raise HTTPException(status_code=403, detail='Requires "Communication" (View) [PERM-06]')
        return viewer

    @router.post("/messages/{message_id}/attachments", status_code=201,
                 max_body_size=settings.max_upload_request_bytes)
    async def upload(message_id: str, file: UploadFile, authorization: str | None = Header(default=None)):
        message_pk = path_pk(message_id, Kind.MESSAGE, "message",
                             missing=_not_yours(message_id))
        data = await file.read(file_uploads.MAX_FILE_BYTES + 1)

        def store() -> dict:  # on a worker thread: checks, database
            with session_scope(engine) as session:
                stored = attachments.attach(session, viewer_of(session, authorization), message_pk,
                                            file.filename or "", file.content_type, data)
                return {"id": global_id(Kind.FILE, stored.id), "filename": stored.filename, "contentType": stored.content_type,
                        "size": stored.size}

        try:
            body = await run_in_threadpool(store)
        except MessageNotFound:
            raise HTTPException(status_code=404, detail=_not_yours(message_id)) from None
        except InvalidInput as invalid:
            return field_errors(invalid)
        return body

    @router.get("/messages/{message_id}/attachments/{attachment_id}")
    def download(message_id: str, attachment_id: str, authorization: str | None = Header(default=None)) -> Response:
        message_pk = path_pk(message_id, Kind.MESSAGE, "message", missing="no such file")
        attachment_pk = path_pk(attachment_id, Kind.FILE, "attachment", missing="no such file")
        with Session(engine) as session:
            found = attachments.readable(session, viewer_of(session, authorization), message_pk, attachment_pk)
            if found is None:
                raise HTTPException(status_code=404, detail="no such file")
            return file_download(found)

    @router.delete("/messages/{message_id}/attachments/{attachment_id}")
    def remove_one(message_id: str, attachment_id: str, authorization: str | None = Header(default=None)):
        # a path id that is no File id names no file of the message: it removes nothing, as a missing file's does
        return _remove(message_id, parse_id(attachment_id, Kind.FILE), authorization)

    @router.delete("/messages/{message_id}/attachments")
    def remove_all(message_id: str, authorization: str | None = Header(default=None)):
        return _remove(message_id, None, authorization)

    @router.put("/messages/{message_id}/call-recording", status_code=201,
                max_body_size=settings.max_upload_request_bytes)
    async def upload_recording(message_id: str, file: UploadFile, authorization: str | None = Header(default=None)):
        """VOI-04/VOI-05: the call's recording (a 16-bit PCM WAV within the call-minute limit)."""
        message_pk = path_pk(message_id, Kind.MESSAGE, "message",
                             missing=_not_yours(message_id))
        data = await file.read(call_recordings.MAX_UPLOAD_BYTES + 1)

        def store() -> dict:  # on a worker thread: the WAV conversion is seconds of CPU
            with session_scope(engine) as session:
                stored = call_recordings.record(session, viewer_of(session, authorization), message_pk, data)
                return {"messageId": global_id(Kind.MESSAGE, stored.message_id), "seconds": stored.seconds}

        try:
            body = await run_in_threadpool(store)
        except PermissionError as denied:
            raise HTTPException(status_code=403, detail=str(denied)) from None
        except MessageNotFound:
            raise HTTPException(status_code=404, detail=_not_yours(message_id)) from None
        except InvalidInput as invalid:
            return field_errors(invalid)
        return body

    @router.delete("/messages/{message_id}/call-recording")
    def remove_recording(message_id: str, authorization: str | None = Header(default=None)):
        message_pk = path_pk(message_id, Kind.MESSAGE, "message",
                             missing=_not_yours(message_id))
        try:
            with session_scope(engine) as session:
                removed = call_recordings.remove(session, viewer_of(session, authorization), message_pk)
        except MessageNotFound:
            raise HTTPException(status_code=404, detail=_not_yours(message_id)) from None
        return {"removed": int(removed)}

    def _remove(message_id: str, attachment_pk: int | None, authorization: str | None):
        message_pk = path_pk(message_id, Kind.MESSAGE, "message", missing=_not_yours(message_id))
        try:
            with session_scope(engine) as session:
                removed = attachments.remove(session, viewer_of(session, authorization), message_pk, attachment_pk)
        except MessageNotFound:
            raise HTTPException(status_code=404, detail=_not_yours(message_id)) from None
        return {"removed": removed}

    return router
