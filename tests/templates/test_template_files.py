"""A template's files through the real routes (TPL-01, ATT-01, ATT-04): upload, list, download,
remove; copied once by useTemplate (CMP-35) and carried by the email sent from the draft (ATT-02)."""

from __future__ import annotations

from sqlalchemy import func, select

from domain.access.permissions import Perm
from domain.delivery.fan_out import fan_out, queued_delivery_chunks
from domain.messages.send import send_draft
from domain.support.file_uploads import MAX_FILE_BYTES
from domain.templates.files import MAX_TEMPLATE_FILES
from helpers import gid, gql, pk_of
from models.attachments import MessageAttachment
from models.db import session_scope
from models.templates import MessageTemplateAttachment
from peers.smtp_sink import dispatch_chunks
from resolve import viewer_for
from shared_steps import PDF, draft, families, upload
from template_steps import USE, create, staff, upload_to_template

FILES = """query($id: ID!) { template(id: $id) { files { id filename contentType size downloadPath } } }"""
LISTED = """query($title: String) { templates(titleContains: $title) { edges { node { id files { filename size } } } } }"""
DRAFT_FILES = """query($id: ID!) { draft(id: $id) { attachments { filename size } } }"""

#: The smallest Windows program header: "MZ", and at 0x3C the offset of "PE\0\0".
PE_PROGRAM = b"MZ" + b"\0" * 0x3A + (0x40).to_bytes(4, "little") + b"PE\0\0" + b"\0" * 64


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def stored_files(engine, template_id: str) -> list[tuple[str, int]]:
    with session_scope(engine) as session:
        return [tuple(row) for row in session.execute(
            select(MessageTemplateAttachment.filename, MessageTemplateAttachment.size).where(
                MessageTemplateAttachment.template_id == pk_of(template_id)).order_by(MessageTemplateAttachment.id))]


def template_file_count(engine) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(MessageTemplateAttachment)).scalar_one()


def files_of_draft(client, token, draft_id) -> list[tuple[str, int]]:
    found = gql(client, DRAFT_FILES, {"id": draft_id}, token)["data"]["draft"]["attachments"]
    return [(f["filename"], f["size"]) for f in found]


def test_tpl_01_att_02_a_file_uploaded_to_a_template_is_listed_used_and_emailed(client, engine, mailbox):
    """Covers TPL-01 (a template's optional file), ATT-01, ATT-02, CMP-35: uploaded through the route,
    listed by template and templates, downloaded byte for byte, copied into the draft useTemplate
    fills, and attached to the email that draft sends, read from a real SMTP server."""
    admin, login = staff(engine)
    template = create(client, admin, subject="Field trip", htmlBody="<p>The form is attached.</p>")
    uploaded = upload_to_template(client, admin, template["id"])
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    assert (body["filename"], body["contentType"], body["size"]) == ("trip-form.pdf", "application/pdf", len(PDF))
    [listed] = gql(client, FILES, {"id": template["id"]}, admin)["data"]["template"]["files"]
    assert listed == {"id": body["id"], "filename": "trip-form.pdf", "contentType": "application/pdf",
                      "size": len(PDF), "downloadPath": f"/templates/{template['id']}/attachments/{body['id']}"}
    edges = gql(client, LISTED, {"title": template["title"]}, admin)["data"]["templates"]["edges"]
    assert [e["node"]["files"] for e in edges] == [[{"filename": "trip-form.pdf", "size": len(PDF)}]]
    got = client.get(listed["downloadPath"], headers=auth(admin))
    assert got.status_code == 200 and got.content == PDF and "trip-form.pdf" in got.headers["content-disposition"]

    draft_id = draft(client, admin, families(engine, 1), subject="Draft")
    used = gql(client, USE, {"id": template["id"], "draftId": draft_id}, admin)["data"]["useTemplate"]
    assert used["draft"]["attachments"] == [{"filename": "trip-form.pdf", "size": len(PDF)}]
    with session_scope(engine) as session:
        send_draft(session, viewer_for(session, login), pk_of(draft_id), None)  # sent, not handed to the worker
        fan_out(session, pk_of(draft_id))
        chunks = queued_delivery_chunks(session, pk_of(draft_id), 500)
    dispatch_chunks(engine, mailbox, chunks)
    [(_recipients, email)] = mailbox.received
    assert email["Subject"] == "Field trip"
    [part] = list(email.iter_attachments())
    assert part.get_filename() == "trip-form.pdf" and part.get_content() == PDF


def test_cmp_35_applying_a_template_twice_copies_each_of_its_files_once(client, engine):
    """Covers CMP-35, TPL-01 (the issue's point 2): applying the same template to a draft again adds
    no file the draft already has (same content); the draft's own files stay, and a file the
    template gained in between is added."""
    admin, _ = staff(engine)
    template = create(client, admin)
    assert upload_to_template(client, admin, template["id"]).status_code == 201
    used = gql(client, USE, {"id": template["id"]}, admin)["data"]["useTemplate"]["draft"]
    assert upload(client, admin, used["id"], name="menu.txt", data=b"Pizza Friday", content_type="").status_code == 201
    again = gql(client, USE, {"id": template["id"], "draftId": used["id"]}, admin)["data"]["useTemplate"]
    assert again["__typename"] == "TemplateUsed", again
    assert sorted(files_of_draft(client, admin, used["id"])) == [("menu.txt", 12), ("trip-form.pdf", len(PDF))]
    assert upload_to_template(client, admin, template["id"], name="map.txt", data=b"Bus leaves at 8").status_code == 201
    gql(client, USE, {"id": template["id"], "draftId": used["id"]}, admin)
    assert sorted(files_of_draft(client, admin, used["id"])) == [("map.txt", 15), ("menu.txt", 12),
                                                                 ("trip-form.pdf", len(PDF))]


def test_tpl_04_perm_31_files_of_a_template_you_may_not_change_answer_404_like_a_missing_one(client, engine):
    """Covers TPL-02, TPL-04, PERM-30, PERM-31: another user's private template without "Templates
    Created by Others" answers upload, download and removal exactly like a missing id; at View it is
    downloadable but not changeable (an authorization error, 403, as updateTemplate answers); at Edit
    the file goes on. Nothing is written by a refused request."""
    author, _ = staff(engine)
    template = create(client, author)
    assert upload_to_template(client, author, template["id"]).status_code == 201
    [file] = gql(client, FILES, {"id": template["id"]}, author)["data"]["template"]["files"]
    missing_template = gid("MessageTemplate", 999_999_999)
    stranger, _ = staff(engine, without=[Perm.TEMPLATES_CREATED_BY_OTHERS])
    viewer, _ = staff(engine, view_only=[Perm.TEMPLATES_CREATED_BY_OTHERS])
    before = template_file_count(engine)
    not_found = (404, {"detail": "no template you can change has that id"})
    forbidden_to_change = (403, {"detail": "Changing another user's template needs Templates Created by Others "
                                           "(Edit)."})
    for token in (stranger, viewer):
        for template_id in (template["id"], missing_template, "garbage"):
            expected = forbidden_to_change if (token, template_id) == (viewer, template["id"]) else not_found
            refused = upload_to_template(client, token, template_id, name="other.txt", data=b"mine now")
            assert (refused.status_code, refused.json()) == expected
            for path in (f"/templates/{template_id}/attachments/{file['id']}", f"/templates/{template_id}/attachments"):
                removed = client.delete(path, headers=auth(token))
                assert (removed.status_code, removed.json()) == expected
    hidden = client.get(file["downloadPath"], headers=auth(stranger))
    missing = client.get(f"/templates/{missing_template}/attachments/{file['id']}", headers=auth(stranger))
    assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json()) == (404, {"detail": "no such file"})
    assert client.get(file["downloadPath"], headers=auth(viewer)).content == PDF  # PERM-30: View uses it
    assert upload_to_template(client, None, template["id"]).status_code == 401
    assert template_file_count(engine) == before and stored_files(engine, template["id"]) == [("trip-form.pdf", len(PDF))]
    editor, _ = staff(engine)  # "Templates Created by Others" at Edit
    assert upload_to_template(client, editor, template["id"], name="other.txt", data=b"added").status_code == 201
    assert stored_files(engine, template["id"]) == [("trip-form.pdf", len(PDF)), ("other.txt", 5)]


def test_att_01_a_template_refuses_an_oversize_file_a_program_too_many_files_and_the_same_file_twice(client, engine):
    """Covers ATT-01, ATT-03 (the checks every upload passes) and the template's own bounds: an empty
    or over-10-MB file, a program by its name, its declared type or its first bytes, an eleventh
    file, and a second copy of a file it has are each refused with a field, a code and a message;
    nothing is written."""
    admin, _ = staff(engine)
    template = create(client, admin)
    assert upload_to_template(client, admin, template["id"]).status_code == 201
    refusals = [
        (("big.pdf", b"%PDF-1.4\n" + b"0" * MAX_FILE_BYTES, "application/pdf"), "TOO_LONG"),
        (("empty.txt", b"", "text/plain"), "REQUIRED"),
        (("setup.exe", b"installer", "application/octet-stream"), "BLOCKED_TYPE"),
        (("helper.txt", b"console.log(1)", "application/javascript"), "BLOCKED_TYPE"),
        (("form.pdf", PE_PROGRAM, "application/pdf"), "BLOCKED_TYPE"),
        (("copy-of-form.pdf", PDF, "application/pdf"), "DUPLICATE"),
    ]
    for (name, data, content_type), code in refusals:
        refused = upload_to_template(client, admin, template["id"], name=name, data=data, content_type=content_type)
        assert refused.status_code == 422, (name, refused.text)
        [error] = refused.json()["errors"]
        assert (error["field"], error["code"]) == ("file", code), name
        assert error["message"]
    assert stored_files(engine, template["id"]) == [("trip-form.pdf", len(PDF))]
    # a text file that merely starts with "MZ" is no program
    assert upload_to_template(client, admin, template["id"], name="mz.txt", data=b"MZ Lee's notes " * 8,
                              content_type="text/plain").status_code == 201
    for number in range(MAX_TEMPLATE_FILES - 2):
        assert upload_to_template(client, admin, template["id"], name=f"{number}.txt",
                                  data=f"note {number}".encode()).status_code == 201
    eleventh = upload_to_template(client, admin, template["id"], name="one-more.txt", data=b"one more")
    assert eleventh.status_code == 422
    assert [(e["field"], e["code"]) for e in eleventh.json()["errors"]] == [("file", "TOO_MANY")]
    assert len(stored_files(engine, template["id"])) == MAX_TEMPLATE_FILES


def test_att_01_a_message_refuses_a_program_with_the_same_check(client, engine):
    """Covers ATT-01: the type check is the one every upload passes, so a draft refuses a program too."""
    admin, _ = staff(engine)
    message_id = draft(client, admin, families(engine, 1))
    refused = upload(client, admin, message_id, name="report.pdf", data=PE_PROGRAM)
    assert refused.status_code == 422 and [e["code"] for e in refused.json()["errors"]] == ["BLOCKED_TYPE"]
    with session_scope(engine) as session:
        assert session.execute(select(func.count()).select_from(MessageAttachment).where(
            MessageAttachment.message_id == pk_of(message_id))).scalar_one() == 0


def test_att_04_tpl_14_template_files_are_removed_one_or_all_and_drafts_keep_their_copies(client, engine):
    """Covers ATT-04, TPL-14: one file removed by its id, then all at once; a file id the template
    does not have removes nothing; a draft made before keeps its copies."""
    admin, _ = staff(engine)
    template = create(client, admin)
    first = upload_to_template(client, admin, template["id"]).json()
    upload_to_template(client, admin, template["id"], name="map.txt", data=b"Bus leaves at 8")
    upload_to_template(client, admin, template["id"], name="menu.txt", data=b"Pizza Friday")
    made = gql(client, USE, {"id": template["id"]}, admin)["data"]["useTemplate"]["draft"]
    removed = client.delete(f"/templates/{template['id']}/attachments/{first['id']}", headers=auth(admin))
    assert (removed.status_code, removed.json()) == (200, {"removed": 1})
    assert [f["filename"] for f in gql(client, FILES, {"id": template["id"]}, admin)["data"]["template"]["files"]] == [
        "map.txt", "menu.txt"]
    for not_ours in (first["id"], gid("TemplateFile", 999_999_999), gid("File", pk_of(first["id"])), "garbage"):
        again = client.delete(f"/templates/{template['id']}/attachments/{not_ours}", headers=auth(admin))
        assert (again.status_code, again.json()) == (200, {"removed": 0}), not_ours
    cleared = client.delete(f"/templates/{template['id']}/attachments", headers=auth(admin))
    assert cleared.json() == {"removed": 2}
    assert gql(client, FILES, {"id": template["id"]}, admin)["data"]["template"]["files"] == []
    assert sorted(files_of_draft(client, admin, made["id"])) == [("map.txt", 15), ("menu.txt", 12),
                                                                 ("trip-form.pdf", len(PDF))]
