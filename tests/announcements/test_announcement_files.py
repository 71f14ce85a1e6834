"""An announcement's files through the real routes (ANN-12): upload, list, download, remove one or
all; refused uploads write nothing; another's announcement answers like a missing one."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from announcement_steps import ONE, clean_announcements, create, parent_profile_id, staff  # noqa: F401
from domain.access.permissions import Perm
from domain.announcements.files import MAX_ANNOUNCEMENT_FILES
from domain.support.global_ids import Kind
from factories import first_school_id
from helpers import gid, gql
from models.announcements import AnnouncementAttachment
from models.db import session_scope
from models.directory import Role
from shared_steps import PDF

pytestmark = pytest.mark.usefixtures("clean_announcements")


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def upload(client, token, announcement_id, name="menu.pdf", data=PDF, content_type="application/pdf"):
    return client.post(f"/announcements/{announcement_id}/attachments", files={"file": (name, data, content_type)},
                       headers=auth(token))


def file_count(engine) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(AnnouncementAttachment)).scalar_one()


def _announcement(client, engine, token) -> str:
    return create(client, token, title="With files", profileIds=[gid(Kind.PROFILE, parent_profile_id(engine))],
                  schoolIds=[gid(Kind.SCHOOL, first_school_id(engine))])["announcement"]["id"]


def test_ann12_a_file_is_uploaded_listed_downloaded_and_removed(client, engine):
    """Covers ANN-12 (files): the upload is listed on the type and downloaded byte for byte; a second
    copy is a DUPLICATE; removing it deletes it, one or all."""
    token, _ = staff(engine)
    announcement = _announcement(client, engine, token)
    uploaded = upload(client, token, announcement)
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    [listed] = gql(client, ONE, {"id": announcement}, token)["data"]["announcement"]["files"]
    assert listed == {"id": body["id"], "filename": "menu.pdf", "size": len(PDF),
                      "downloadPath": f"/announcements/{announcement}/attachments/{body['id']}"}
    got = client.get(listed["downloadPath"], headers=auth(token))
    assert got.status_code == 200 and got.content == PDF and "menu.pdf" in got.headers["content-disposition"]
    again = upload(client, token, announcement, name="copy.pdf")
    assert again.status_code == 422 and "DUPLICATE" in again.text
    assert upload(client, token, announcement, name="note.txt", data=b"Bring a coat").status_code == 201
    removed = client.delete(listed["downloadPath"], headers=auth(token))
    assert removed.json() == {"removed": 1}
    assert [f["filename"] for f in gql(client, ONE, {"id": announcement}, token)["data"]["announcement"]["files"]] \
        == ["note.txt"]
    assert client.delete(f"/announcements/{announcement}/attachments", headers=auth(token)).json() == {"removed": 1}
    assert gql(client, ONE, {"id": announcement}, token)["data"]["announcement"]["files"] == []


def test_ann12_perm25_files_of_an_announcement_you_may_not_change_answer_like_a_missing_one(client, engine):
    """Covers ANN-12 with PERM-25 and PERM-48: a teacher (who manages only their own class
    announcements) gets the 404 of a missing id; a viewer at View downloads but may not upload
    (403); nothing is written by a refused request."""
    token, _ = staff(engine)
    announcement = _announcement(client, engine, token)
    assert upload(client, token, announcement).status_code == 201
    [file] = gql(client, ONE, {"id": announcement}, token)["data"]["announcement"]["files"]
    before = file_count(engine)
    teacher, _ = staff(engine, Role.TEACHER)
    for announcement_id in (announcement, gid(Kind.ANNOUNCEMENT, 999_999), "garbage"):
        refused = upload(client, teacher, announcement_id, name="x.txt", data=b"x")
        assert (refused.status_code, refused.json()) == (404, {"detail": "no announcement you can change has that id"})
    assert client.get(file["downloadPath"], headers=auth(teacher)).status_code == 404
    viewer, _ = staff(engine, view_only=[Perm.ANNOUNCEMENTS])
    assert client.get(file["downloadPath"], headers=auth(viewer)).status_code == 200
    assert upload(client, viewer, announcement, name="x.txt", data=b"x").status_code == 403
    assert client.delete(file["downloadPath"], headers=auth(viewer)).status_code == 403
    assert file_count(engine) == before


def test_ann12_an_announcement_carries_at_most_its_files(client, engine):
    """Covers ANN-12's bound: the file past MAX_ANNOUNCEMENT_FILES is TOO_MANY and not stored."""
    token, _ = staff(engine)
    announcement = _announcement(client, engine, token)
    for index in range(MAX_ANNOUNCEMENT_FILES):
        assert upload(client, token, announcement, name=f"{index}.txt", data=f"file {index}".encode()).status_code \
            == 201
    refused = upload(client, token, announcement, name="more.txt", data=b"one more")
    assert refused.status_code == 422 and "TOO_MANY" in refused.text
    assert len(gql(client, ONE, {"id": announcement}, token)["data"]["announcement"]["files"]) == \
        MAX_ANNOUNCEMENT_FILES
