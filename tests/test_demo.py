"""The demo as a new user meets it: start, take the printed token, send to a section, check outbox."""

from __future__ import annotations

import email
import os
import re
import socket
import subprocess
import sys
import time

import httpx
import pytest

from conftest import USES_POSTGRES

pytestmark = pytest.mark.skipif(USES_POSTGRES, reason="the demo runs on embedded defaults only")

JWT = re.compile(r"^[\w-]+\.[\w-]+\.[\w-]+$")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("demo")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOMEROOM_")}
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


def _gql(demo, query, variables=None, token=None):
    response = httpx.post(demo["base"] + "/graphql", json={"query": query, "variables": variables or {}},
                          headers={"Authorization": f"Bearer {token or demo['token']}"}, timeout=30)
    return response.json()


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
    sections = _gql(demo, "{ sections { id name students { id } } }", token=token)["data"]["sections"]
    section = max(sections, key=lambda s: len(s["students"]))
    result = _gql(demo, """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
        ... on SendMessageSuccess { message { id } } ... on SendMessageErrors { errors { field code } } } }""",
                  {"input": {"subject": "Welcome back", "htmlBody": "<p>Classes start Monday.</p>",
                             "channels": ["EMAIL"], "recipientType": "PRIMARY_CONTACTS",
                             "studentIds": [s["id"] for s in section["students"]]}}, token=token)
    message_id = result["data"]["sendMessage"]["message"]["id"]
    query = """query($id: ID!) { message(id: $id) { status deliveryCounts { status count }
        deliveries(first: 500) { totalCount edges { node { id address status recipientKind } } } } }"""
    for _ in range(200):
        message = _gql(demo, query, {"id": message_id}, token=token)["data"]["message"]
        if message["status"] == "COMPLETED":
            break
        time.sleep(0.1)
    assert message["status"] == "COMPLETED"
    deliveries = [edge["node"] for edge in message["deliveries"]["edges"]]
    assert deliveries and {d["recipientKind"] for d in deliveries} == {"CONTACT"}
    sent = [d for d in deliveries if d["status"] == "SENT"]
    files = sorted((demo["data_dir"] / "outbox" / "email").glob("*.eml"))
    assert sorted(f.stem for f in files) == sorted(d["id"] for d in sent)
    for delivery in sent:
        parsed = email.message_from_bytes((demo["data_dir"] / "outbox" / "email" / f"{delivery['id']}.eml").read_bytes())
        assert delivery["address"] in parsed["To"] and parsed["Subject"] == "Welcome back"
    counts = {c["status"]: c["count"] for c in message["deliveryCounts"]}
    assert counts["SENT"] == len(sent) and sum(counts.values()) == message["deliveries"]["totalCount"]
