"""A Student Info tab's templates (TPL-06, TPL-07, TPL-08): offered to print with Communication
alone; emailing one needs "Send Messages", and emailable says whether the caller has it."""

from __future__ import annotations

from domain.access.permissions import Perm
from factories import unique
from helpers import gid, gql
from models.directory import Role
from template_steps import PDF, TEMPLATES, create, forbidden, profile_of, staff, upload_to_template

TAB_TEMPLATES = """query($tab: TabTarget!) { tabTemplates(tab: $tab) { edges { node { printable emailable
  emailableToLinkedUsers template { id title } } } } }"""


def offered(client, token: str, template_id: str) -> dict:
    edges = gql(client, TAB_TEMPLATES, {"tab": "MEDICAL"}, token)["data"]["tabTemplates"]["edges"]
    return next(edge["node"] for edge in edges if edge["node"]["template"]["id"] == template_id)


def test_tpl_07_tpl_06_without_send_messages_a_tab_offers_its_template_to_print_only(client, engine):
    """TPL-06: a user with Communication but without "Send Messages" is offered a tab's template to
    print; TPL-07: emailable is false for them and true for a holder of "Send Messages" (TPL-08:
    never to linked users). The template picker itself still needs "Send Messages" (TPL-11)."""
    admin, _ = staff(engine)
    reader, reader_login = staff(engine, Role.TEACHER, perms=[Perm.COMMUNICATION])
    sender, sender_login = staff(engine, Role.TEACHER, perms=[Perm.COMMUNICATION, Perm.SEND_MESSAGES])
    template = create(client, admin, title=unique("Medication form "), tabTarget="MEDICAL", profileIds=[
        gid("Profile", profile_of(engine, reader_login)), gid("Profile", profile_of(engine, sender_login))])
    for_reader = offered(client, reader, template["id"])
    assert (for_reader["printable"], for_reader["emailable"], for_reader["emailableToLinkedUsers"]) == \
        (True, False, False)
    for_sender = offered(client, sender, template["id"])
    assert (for_sender["printable"], for_sender["emailable"], for_sender["emailableToLinkedUsers"]) == \
        (True, True, False)
    assert forbidden(gql(client, TEMPLATES, {}, reader))


def test_tpl_06_a_tab_needs_communication(client, engine):
    """TPL-06: without Communication the tab's templates are refused as an authorization error."""
    outsider, _ = staff(engine, Role.TEACHER, perms=[Perm.SEND_MESSAGES])
    body = gql(client, TAB_TEMPLATES, {"tab": "MEDICAL"}, outsider)
    assert forbidden(body) and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


TAB_FILES = """query($tab: TabTarget!) { tabTemplates(tab: $tab) { edges { node { template { id
  files { filename downloadPath } } } } } }"""


def test_tpl_06_a_tab_offers_its_templates_files_to_whom_it_offers_the_template(client, engine):
    """TPL-06, TPL-01: the files tabTemplates lists with a template download for a user with
    Communication alone (they answered 403: downloads needed "Send Messages"); a template not on a
    tab still refuses them as an authorization error, and a user without Communication is refused."""
    admin, _ = staff(engine)
    reader, reader_login = staff(engine, Role.TEACHER, perms=[Perm.COMMUNICATION])
    shared = [gid("Profile", profile_of(engine, reader_login))]
    on_tab = create(client, admin, title=unique("Allergy plan "), tabTarget="MEDICAL", profileIds=shared)
    off_tab = create(client, admin, title=unique("Newsletter "), profileIds=shared)
    for template in (on_tab, off_tab):
        assert upload_to_template(client, admin, template["id"]).status_code == 201
    edges = gql(client, TAB_FILES, {"tab": "MEDICAL"}, reader)["data"]["tabTemplates"]["edges"]
    [listed] = [edge["node"]["template"]["files"] for edge in edges if edge["node"]["template"]["id"] == on_tab["id"]]
    [path] = [file["downloadPath"] for file in listed]
    downloaded = client.get(path, headers={"Authorization": f"Bearer {reader}"})
    assert (downloaded.status_code, downloaded.content) == (200, PDF)
    off_tab_path = path.replace(on_tab["id"], off_tab["id"])  # its own file id would do as well: refused first
    refused = client.get(off_tab_path, headers={"Authorization": f"Bearer {reader}"})
    assert refused.status_code == 403, refused.text
    outsider, _ = staff(engine, Role.TEACHER, perms=[Perm.SEND_MESSAGES])
    assert client.get(path, headers={"Authorization": f"Bearer {outsider}"}).status_code == 403
