"""File uploads and downloads of announcement files (ANN-12), with the /graphql bearer token.

    POST   /announcements/{id}/attachments          multipart/form-data, field "file" → 201 {id, filename, contentType, size}
    GET    /announcements/{id}/attachments/{fid}    the file
    DELETE /announcements/{id}/attachments/{fid}    remove one;  DELETE /announcements/{id}/attachments  remove all

{id} and {fid} are the Announcement's and the AnnouncementFile's global ids, as ``announcement(id).files``
shows them. Uploads and removals are for those who may change the announcement (its author, or
"Announcements" at Edit over its schools; a teacher's own class announcement); downloads for those who
manage it and for every reader who sees it on their feed (ANN-12; a Public one's files are also at
/public/announcements/{id}/files/{fid}, homeroom.routes.public_announcements). A missing announcement, one the caller does not manage and a path id that is not one all
answer the same 404; a caller who may change no announcement at all is answered 403. The same checks
as message attachments apply (domain.support.file_uploads), with their 422 body.
"""

from __future__ import annotations

from fastapi import APIRouter, Header, HTTPException, UploadFile
from fastapi.responses import Response
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from domain.announcements import files
from domain.announcements.rules import AnnouncementNotFound
from domain.support import file_uploads
from domain.delivery.progress_events import ProgressBus
from domain.support.errors import AuthorizationError, InvalidInput
from domain.support.global_ids import Kind, global_id
from graph.pagination import parse_id
from homeroom.routes.attachments import field_errors, file_download, signed_in_viewer
from homeroom.routes.path_ids import path_pk
from homeroom.settings import Settings
from models.db import session_scope

#: One body for a missing, hidden or malformed announcement id, so it tells nothing about what exists.
NOT_YOURS = "no announcement you can change has that id"


def announcement_file_router(settings: Settings, engine: Engine, events: ProgressBus | None = None) -> APIRouter:
    router = APIRouter()

    @router.post("/announcements/{announcement_id}/attachments", status_code=201,
                 max_body_size=settings.max_upload_request_bytes)
    async def upload(announcement_id: str, file: UploadFile, authorization: str | None = Header(default=None)):
        pk = path_pk(announcement_id, Kind.ANNOUNCEMENT, "announcement", missing=NOT_YOURS)
        data = await file.read(file_uploads.MAX_FILE_BYTES + 1)

        def store() -> dict:  # on a worker thread: hashing, database
            with session_scope(engine) as session:
                viewer = signed_in_viewer(settings, session, authorization)
                stored = files.attach(session, viewer, pk, file.filename or "", file.content_type, data,
                                      events=events)
                return {"id": global_id(Kind.ANNOUNCEMENT_FILE, stored.id), "filename": stored.filename,
                        "contentType": stored.content_type, "size": stored.size}

        try:
            return await run_in_threadpool(store)
        except AuthorizationError as denied:
            raise HTTPException(status_code=403, detail=str(denied)) from None
        except AnnouncementNotFound:  # before InvalidInput, which it is: hidden answers like missing
            raise HTTPException(status_code=404, detail=NOT_YOURS) from None
        except InvalidInput as invalid:
            return field_errors(invalid)

    @router.get("/announcements/{announcement_id}/attachments/{file_id}")
    def download(announcement_id: str, file_id: str, authorization: str | None = Header(default=None)) -> Response:
        pk = path_pk(announcement_id, Kind.ANNOUNCEMENT, "announcement", missing="no such file")
        file_pk = path_pk(file_id, Kind.ANNOUNCEMENT_FILE, "file", missing="no such file")
        with Session(engine) as session:
            found = files.readable(session, signed_in_viewer(settings, session, authorization), pk, file_pk)
            if found is None:
                raise HTTPException(status_code=404, detail="no such file")
            return file_download(found)

    @router.delete("/announcements/{announcement_id}/attachments/{file_id}")
    def remove_one(announcement_id: str, file_id: str, authorization: str | None = Header(default=None)):
        # a path id that is no AnnouncementFile id names no file of the announcement: it removes nothing
        return _remove(announcement_id, parse_id(file_id, Kind.ANNOUNCEMENT_FILE), authorization)

    @router.delete("/announcements/{announcement_id}/attachments")
    def remove_all(announcement_id: str, authorization: str | None = Header(default=None)):
        return _remove(announcement_id, None, authorization)

    def _remove(announcement_id: str, file_pk: int | None, authorization: str | None) -> dict:
        pk = path_pk(announcement_id, Kind.ANNOUNCEMENT, "announcement", missing=NOT_YOURS)
        try:
            with session_scope(engine) as session:
                removed = files.remove(session, signed_in_viewer(settings, session, authorization), pk, file_pk,
                                       events=events)
        except AuthorizationError as denied:
            raise HTTPException(status_code=403, detail=str(denied)) from None
        except AnnouncementNotFound:
            raise HTTPException(status_code=404, detail=NOT_YOURS) from None
        return {"removed": removed}

    return router
