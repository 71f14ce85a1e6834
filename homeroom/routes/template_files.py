"""File uploads and downloads of template files (TPL-01, ATT-01, ATT-04), with the /graphql bearer token.

    POST   /templates/{id}/attachments          multipart/form-data, field "file" → 201 {id, filename, contentType, size}
    GET    /templates/{id}/attachments/{fid}    the file
    DELETE /templates/{id}/attachments/{fid}    remove one;  DELETE /templates/{id}/attachments  remove all

{id} and {fid} are the MessageTemplate's and the TemplateFile's global ids, as ``template(id).files``
shows them. Uploads and removals are for those who may change the template's content (its author,
"Templates Created by Others" at Edit); anyone else, a missing template and a path id that is not one
all answer the same 404. Downloads are for anyone who may use the template. Removing a file the
template does not have, under any id, answers {"removed": 0}. The same checks as message attachments
apply (domain.support.file_uploads), with their 422 body.
"""

from __future__ import annotations


from fastapi import APIRouter, Header, HTTPException, UploadFile
from fastapi.responses import Response
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from domain.support import file_uploads
from domain.support.errors import AuthorizationError, InvalidInput
from domain.support.global_ids import Kind, global_id
from domain.templates import files
from domain.templates.rules import TemplateNotFound
from graph.pagination import parse_id
from homeroom.routes.attachments import field_errors, file_download, signed_in_viewer
from homeroom.routes.path_ids import path_pk
from homeroom.settings import Settings
from models.db import session_scope


#: The 404 of an upload or removal whose template is missing, hidden, not the caller's to change, or
#: no template id: one body for all, so it tells nothing about what exists.
NOT_YOURS = "no template you can change has that id"


def template_file_router(settings: Settings, engine: Engine) -> APIRouter:
    router = APIRouter()

    @router.post("/templates/{template_id}/attachments", status_code=201,
                 max_body_size=settings.max_upload_request_bytes)
    async def upload(template_id: str, file: UploadFile, authorization: str | None = Header(default=None)):
        template_pk = path_pk(template_id, Kind.TEMPLATE, "template", missing=NOT_YOURS)
        data = await file.read(file_uploads.MAX_FILE_BYTES + 1)

        def store() -> dict:  # on a worker thread: hashing, database
            with session_scope(engine) as session:
                viewer = signed_in_viewer(settings, session, authorization)
                stored = files.attach(session, viewer, template_pk, file.filename or "", file.content_type, data)
                return {"id": global_id(Kind.TEMPLATE_FILE, stored.id), "filename": stored.filename,
                        "contentType": stored.content_type, "size": stored.size}

        try:
            return await run_in_threadpool(store)
        except AuthorizationError as denied:
            raise HTTPException(status_code=403, detail=str(denied)) from None
        except TemplateNotFound:  # before InvalidInput, which it is: hidden answers like missing
            raise HTTPException(status_code=404, detail=NOT_YOURS) from None
        except InvalidInput as invalid:
            return field_errors(invalid)

    @router.get("/templates/{template_id}/attachments/{file_id}")
    def download(template_id: str, file_id: str, authorization: str | None = Header(default=None)) -> Response:
        template_pk = path_pk(template_id, Kind.TEMPLATE, "template", missing="no such file")
        file_pk = path_pk(file_id, Kind.TEMPLATE_FILE, "file", missing="no such file")
        with Session(engine) as session:
            try:
                found = files.readable(session, signed_in_viewer(settings, session, authorization), template_pk,
                                       file_pk)
            except AuthorizationError as denied:
                raise HTTPException(status_code=403, detail=str(denied)) from None
            if found is None:
                raise HTTPException(status_code=404, detail="no such file")
            return file_download(found)

    @router.delete("/templates/{template_id}/attachments/{file_id}")
    def remove_one(template_id: str, file_id: str, authorization: str | None = Header(default=None)):
        # a path id that is no TemplateFile id names no file of the template: it removes nothing
        return _remove(template_id, parse_id(file_id, Kind.TEMPLATE_FILE), authorization)

    @router.delete("/templates/{template_id}/attachments")
    def remove_all(template_id: str, authorization: str | None = Header(default=None)):
        return _remove(template_id, None, authorization)

    def _remove(template_id: str, file_pk: int | None, authorization: str | None) -> dict:
        template_pk = path_pk(template_id, Kind.TEMPLATE, "template", missing=NOT_YOURS)
        try:
            with session_scope(engine) as session:
                removed = files.remove(session, signed_in_viewer(settings, session, authorization), template_pk,
                                       file_pk)
        except AuthorizationError as denied:
            raise HTTPException(status_code=403, detail=str(denied)) from None
        except TemplateNotFound:
            raise HTTPException(status_code=404, detail=NOT_YOURS) from None
        return {"removed": removed}

    return router
