"""The example third-party plugin (examples/homeroom-ntfy), installed as its own package: Homeroom
discovers it through its entry point, it passes channels.testing, and it delivers a real message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from domain.delivery.fan_out import fan_out, queued_delivery_chunks
from domain.messages.send import create_message
from factories import add_app_device, add_user, first_school_id
from models.db import session_scope
from models.messaging import Delivery
from resolve import request, viewer_for

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "homeroom-ntfy"
sys.path.insert(0, str(EXAMPLE / "tests"))
from fake_ntfy import FakeNtfy  # noqa: E402


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The example, pip-installed into a folder of its own (as a district would install it)."""
    target = tmp_path_factory.mktemp("site")
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                             "--target", str(target), str(EXAMPLE)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (target / "homeroom_ntfy").is_dir() and list(target.glob("homeroom_ntfy-*.dist-info"))
    return target


def _env(installed: Path, **extra) -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(installed), os.environ.get("PYTHONPATH", "")]), **extra}


def test_the_example_passes_the_conformance_suite(installed):
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLE / "tests")],
                            capture_output=True, text=True, env=_env(installed), cwd=EXAMPLE, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout and "failed" not in result.stdout


def test_homeroom_discovers_the_installed_example_and_redacts_its_token(installed):
    config = {"ntfy": {"server_url": "https://ntfy.example.org", "topic_prefix": "lincoln", "token": "tk_very_secret"}}
    result = subprocess.run([sys.executable, "-m", "homeroom.cli", "plugins", "--json"], capture_output=True,
                            text=True, env=_env(installed, HOMEROOM_PLUGIN_CONFIG=json.dumps(config)), timeout=60)
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["ntfy"]["serves"] == ["push"] and rows["ntfy"]["status"] == "valid"
    assert "tk_very_secret" not in result.stdout and rows["ntfy"]["config"]["token"] == "**********"


def test_a_real_push_is_delivered_through_the_installed_example(installed, engine):
    """A message's push deliveries, dispatched by Homeroom's own code in a process configured with
    push → ntfy, reach the (fake) ntfy server and are recorded SENT with ntfy's id."""
    fake = FakeNtfy(200)
    try:
        colleague = add_user(engine, "TEACHER", school_ids=[first_school_id(engine)], profile="Teacher")
        add_app_device(engine, colleague)  # push reaches users of the app (CMP-08)
        with session_scope(engine) as session:
            message = create_message(session, viewer_for(session, "admin"),
                                     request(channels=("PUSH",), staff_ids=(colleague,)))
            fan_out(session, message.id)
            [ids] = queued_delivery_chunks(session, message.id, 500)
        plugins = {"email": "outbox", "sms": "outbox", "voice": "outbox", "push": "ntfy"}
        config = json.loads(os.environ.get("HOMEROOM_PLUGIN_CONFIG", "{}"))
        config["ntfy"] = {"server_url": fake.url, "topic_prefix": "lincoln"}
        script = ("import json, sys\n"
                  "from channels.registry import ChannelRegistry\n"
                  "from domain.delivery.dispatch import dispatch_deliveries\n"
                  "from homeroom.runtime import build_runtime\n"
                  "from homeroom.settings import get_settings\n"
                  "s = get_settings()\n"
                  "registry = ChannelRegistry.from_settings(s.channel_plugins, s.plugin_config)\n"
                  "runtime = build_runtime(s, registry=registry)\n"
                  "print(dispatch_deliveries(runtime.engine, registry, json.loads(sys.argv[1]), runtime.delivery).sent)\n")
        result = subprocess.run([sys.executable, "-c", script, json.dumps(ids)], capture_output=True, text=True,
                                env=_env(installed, HOMEROOM_CHANNEL_PLUGINS=json.dumps(plugins),
                                         HOMEROOM_PLUGIN_CONFIG=json.dumps(config)), cwd=ROOT, timeout=120)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "1"
        [posted] = fake.received
        assert posted["body"]["topic"] == f"lincoln-user-{colleague}" and posted["reference"] == str(ids[0])
        with session_scope(engine) as session:
            delivery = session.get(Delivery, ids[0])
        assert (delivery.status, delivery.provider_id) == ("SENT", "ntfy-1")
    finally:
        fake.close()
