"""The demo as a new user meets it: start, take the printed token, send to a section, check outbox;
the README walkthrough as written; and a demo started by a plugin author with settings of their own."""

from __future__ import annotations

import email
import json
import os
import re
import shlex
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import httpx
import pytest

from channels.outbox import outbox_signature
from harness import USES_POSTGRES
from helpers import pk_of

pytestmark = pytest.mark.skipif(USES_POSTGRES, reason="the demo runs on embedded defaults only")

JWT = re.compile(r"^[\w-]+\.[\w-]+\.[\w-]+$")
README = Path(__file__).resolve().parents[2] / "README.md"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_demo(data_dir: Path, **settings: str):
    """Starts `homeroom demo` with no HOMEROOM_ setting but ``settings``; yields it once it answers."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOMEROOM_")} | settings
    process = subprocess.Popen([sys.executable, "-m", "homeroom.cli", "demo", "--port", str(port),
                                "--data-dir", str(data_dir)], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    lines, token = [], None
    deadline = time.monotonic() + 180
    while token is None and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if JWT.match(line.strip()):
            token = line.strip()
    assert token, "".join(lines)
    base = f"http://127.0.0.1:{port}"
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield {"base": base, "token": token, "data_dir": data_dir, "output": "".join(lines), "env": env}
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    yield from _run_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def plugin_author_demo(tmp_path_factory):
    """A demo started with SMS on the discard plugin (with a journal) and a webhook secret for the
    outbox, as a plugin author would try their own plugin and the README's webhook example."""
    journal = tmp_path_factory.mktemp("provider") / "sms-journal.txt"
    secret = "outbox-webhook-" + uuid.uuid4().hex
    config = {"outbox": {"webhook_secret": secret}, "discard": {"journal": str(journal)}}
    for running in _run_demo(tmp_path_factory.mktemp("configured-demo"),
                             HOMEROOM_CHANNEL_PLUGINS=json.dumps({"sms": "discard"}),
                             HOMEROOM_PLUGIN_CONFIG=json.dumps(config)):
        yield {**running, "journal": journal, "webhook_secret": secret}


def _gql(demo, query, variables=None, token=None):
    response = httpx.post(demo["base"] + "/graphql", json={"query": query, "variables": variables or {}},
                          headers={"Authorization": f"Bearer {token or demo['token']}"}, timeout=30)
    return response.json()


def _wait_until_completed(demo, query, variables, token=None) -> dict:
    for _ in range(300):
        message = _gql(demo, query, variables, token=token)["data"]["message"]
        if message["status"] == "COMPLETED":
            return message
        time.sleep(0.1)
    raise AssertionError(f"the message did not complete: {message}")


DELIVERIES_PAGE = """query($id: ID!, $after: String) { message(id: $id) {
  deliveries(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { %s } } } } }"""


def _every_delivery(demo, message_id, fields: str, token=None) -> list[dict]:
    """Every delivery of the message, page by page (a page is at most 100, issue 17 point 1)."""
    found, after = [], None
    while True:
        page = _gql(demo, DELIVERIES_PAGE % fields, {"id": message_id, "after": after},
                    token=token)["data"]["message"]["deliveries"]
        found += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def _outbox_name(delivery: dict) -> str:
    """The reference the outbox (and the discard journal) files a delivery under: its row, the
    number inside the delivery's global id (the channel plugins see rows, not API ids)."""
    return str(pk_of(delivery["id"]))


def test_demo_prints_graphiql_url_and_admin_token(demo):
    assert f"GraphiQL:     {demo['base']}/graphql" in demo["output"]
    assert _gql(demo, "{ viewer { login } }")["data"]["viewer"]["login"] == "admin"
    page = httpx.get(demo["base"] + "/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()  # GraphiQL in development


def test_demo_primary_contacts_to_a_section_reaches_every_custodial_address(demo):
    """Covers RCP-06, CMP-26: the acceptance walk-through of the foundation issue, as a teacher."""
    token = subprocess.run([sys.executable, "-m", "homeroom.cli", "token", "--user", "teacher.1",
                            "--data-dir", str(demo["data_dir"])], capture_output=True, text=True,
                           env=demo["env"], timeout=60).stdout.strip()
    assert JWT.match(token)
    sections = _gql(demo, "{ sections { nodes { id name students { id } } } }",
                    token=token)["data"]["sections"]["nodes"]
    section = max(sections, key=lambda s: len(s["students"]))
    result = _gql(demo, """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
        ... on SendMessageSuccess { message { id } } ... on SendMessageErrors { errors { field code } } } }""",
                  {"input": {"subject": "Welcome back", "htmlBody": "<p>Classes start Monday.</p>",
                             "channels": ["EMAIL"], "recipientType": "PRIMARY_CONTACTS",
                             "studentIds": [s["id"] for s in section["students"]]}}, token=token)
    message_id = result["data"]["sendMessage"]["message"]["id"]
    query = """query($id: ID!) { message(id: $id) { status deliveryCounts { status count }
        deliveries(first: 1) { totalCount } } }"""
    message = _wait_until_completed(demo, query, {"id": message_id}, token=token)
    deliveries = _every_delivery(demo, message_id, "id address status recipientKind", token=token)
    assert len(deliveries) == message["deliveries"]["totalCount"]
    assert deliveries and {d["recipientKind"] for d in deliveries} == {"CONTACT"}
    sent = [d for d in deliveries if d["status"] == "SENT"]
    emls = {f.stem for f in (demo["data_dir"] / "outbox" / "email").glob("*.eml")}
    assert {_outbox_name(d) for d in sent} <= emls  # the README walkthrough's messages write theirs too
    assert not {_outbox_name(d) for d in deliveries if d["status"] != "SENT"} & emls
    for delivery in sent:
        parsed = email.message_from_bytes(
            (demo["data_dir"] / "outbox" / "email" / f"{_outbox_name(delivery)}.eml").read_bytes())
        assert delivery["address"] in parsed["To"] and parsed["Subject"] == "Welcome back"
    counts = {c["status"]: c["count"] for c in message["deliveryCounts"]}
    assert counts["SENT"] == len(sent) and sum(counts.values()) == message["deliveries"]["totalCount"]


def _walkthrough() -> list[tuple[str, str]]:
    """The fenced blocks of README "A first message in the demo", in order, as (language, text)."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## A first message in the demo\n", 1)[1].split("\n## ", 1)[0]
    return [(language, textwrap.dedent(body)) for language, body in
            re.findall(r"^[ ]*```(\w+)\n(.*?)^[ ]*```$", section, re.M | re.S)]


def _readme_token(demo, command: str) -> str:
    """Runs step 2's command as written, in a checkout whose demo data dir is the test's."""
    argv = shlex.split(command)
    assert argv[:2] == [".venv/bin/homeroom", "token"] and argv[-2:] == ["--data-dir", "homeroom-data"], argv
    result = subprocess.run([sys.executable, "-m", "homeroom.cli", *argv[1:-1], str(demo["data_dir"])],
                            capture_output=True, text=True, env=demo["env"], timeout=60)
    assert result.returncode == 0 and JWT.match(result.stdout.strip()), result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize("role", ["administrator", "teacher"])
def test_readme_walkthrough_works_as_written_for_each_role_it_offers(demo, role):
    """Covers issue 13 point 26 (and CMP-26: the message is dispatched at once): the README's demo
    walkthrough, its blocks parsed out of README.md, for the administrator (the printed token)
    and the teacher (step 2):
    step 3 returns the ids step 4 takes, step 4 returns the id step 5 takes, and every SENT
    delivery of step 5 has its .eml where the README says."""
    blocks = _walkthrough()
    assert [language for language, _ in blocks] == ["sh", "graphql", "graphql", "graphql"], blocks
    (_, token_command), (_, sections_query), (_, send_mutation), (_, ledger_query) = blocks
    token = demo["token"] if role == "administrator" else _readme_token(demo, token_command.strip())

    sections = _gql(demo, sections_query, token=token)["data"]["sections"]["nodes"]
    section = next(s for s in sections if len(s["students"]) >= 3)
    placeholders = re.findall(r'"<student id>"', send_mutation)
    assert len(placeholders) == 3, send_mutation
    mutation = send_mutation
    for student in section["students"][:len(placeholders)]:  # as the reader pastes them, one by one
        mutation = mutation.replace('"<student id>"', json.dumps(student["id"]), 1)
    sent = _gql(demo, mutation, token=token)["data"]["sendMessage"]
    assert "errors" not in sent, sent
    message_id = sent["message"]["id"]

    assert ledger_query.count('"<message id>"') == 1, ledger_query
    message = _wait_until_completed(demo, ledger_query.replace('"<message id>"', json.dumps(message_id)), None,
                                    token=token)
    deliveries = [edge["node"] for edge in message["deliveries"]["edges"]]
    # The email the mutation asked for, and the in-app inbox of each parent with an account.
    assert {d["channel"] for d in deliveries} == {"EMAIL", "INAPP"} and sent["recipientCount"] > 0
    assert {d["status"] for d in deliveries if d["channel"] == "INAPP"} <= {"DELIVERED", "DUPLICATE", "INACTIVE"}
    assert "`INAPP`" in README.read_text(encoding="utf-8")
    delivered = [d for d in deliveries if d["status"] == "SENT"]
    assert delivered
    assert "a file in `homeroom-data/outbox/email/`, an `.eml` with its\n   recipient's `To:` line" in README.read_text(
        encoding="utf-8")
    for delivery in delivered:
        parsed = email.message_from_bytes(
            (demo["data_dir"] / "outbox" / "email" / f"{_outbox_name(delivery)}.eml").read_bytes())
        assert delivery["address"] in parsed["To"] and parsed["Subject"] == "Field trip Friday"


def test_demo_keeps_the_channel_plugins_and_plugin_config_the_user_set(plugin_author_demo):
    """Covers issue 13 point 24: with HOMEROOM_CHANNEL_PLUGINS={"sms": "discard"} and an outbox
    webhook_secret set, the demo sends SMS through discard, email through the outbox in its data
    dir (the channel not named keeps its default plugin, and the demo's directory is merged under
    the user's outbox config), and accepts webhooks signed with the user's secret."""
    demo = plugin_author_demo
    assert ("Channels:     email: outbox (default), sms: discard, voice: outbox (default), "
            "push: outbox (default)") in demo["output"]
    # SMS waits for the district's call window (SYS-02); open it all day for this test.
    with sqlite3.connect(demo["data_dir"] / "homeroom.db", timeout=15) as connection:
        connection.execute("UPDATE district SET call_window_end = call_window_start")
    sections = _gql(demo, "{ sections { nodes { students { id } } } }")["data"]["sections"]["nodes"]
    students = [s["id"] for s in max(sections, key=lambda s: len(s["students"]))["students"]]
    result = _gql(demo, """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
        ... on SendMessageSuccess { message { id } } ... on SendMessageErrors { errors { field code } } } }""",
                  {"input": {"subject": "Plugin check", "htmlBody": "<p>Hello</p>", "smsText": "Hello",
                             "channels": ["EMAIL", "SMS"], "recipientType": "PRIMARY_CONTACTS",
                             "studentIds": students}})
    message_id = result["data"]["sendMessage"]["message"]["id"]
    _wait_until_completed(demo, """query($id: ID!) { message(id: $id) { status } }""", {"id": message_id})
    deliveries = _every_delivery(demo, message_id, "id channel status errorCode")
    assert not [d for d in deliveries if d["status"] == "FAILED"], deliveries
    sent = {channel: sorted(_outbox_name(d) for d in deliveries if d["channel"] == channel and d["status"] == "SENT")
            for channel in ("EMAIL", "SMS")}
    assert sent["EMAIL"] and sent["SMS"]
    outbox = demo["data_dir"] / "outbox"
    assert sorted(f.stem for f in (outbox / "email").glob("*.eml")) == sent["EMAIL"]
    assert sorted(demo["journal"].read_text().split()) == sent["SMS"] and not (outbox / "sms.jsonl").exists()

    body = json.dumps({"events": [{"type": "status", "reference": sent["EMAIL"][0], "status": "DELIVERED"}]}).encode()
    for secret, expected in (("not-the-secret", 403), (demo["webhook_secret"], 200)):
        response = httpx.post(demo["base"] + "/webhooks/outbox", content=body, timeout=30,
                              headers={"Content-Type": "application/json",
                                       "X-Outbox-Signature": outbox_signature(secret, body)})
        assert response.status_code == expected, response.text
    statuses = _every_delivery(demo, message_id, "id status")
    assert {_outbox_name(d): d["status"] for d in statuses}[sent["EMAIL"][0]] == "DELIVERED"
