"""What start-up built is out of the cyclic garbage collector's sight while the app serves, and
back in it after shutdown (homeroom.app.startup_objects_frozen; issue 17 Speed)."""

from __future__ import annotations

import gc

from starlette.testclient import TestClient


def test_issue_17_the_app_freezes_its_start_up_objects_while_it_serves(runtime):
    from homeroom.app import create_app

    app = create_app(runtime=runtime, run_worker=False)
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    with TestClient(app) as client:
        assert gc.get_freeze_count() > 10_000  # the schema, the modules, the settings
        assert client.get("/healthz").status_code == 200
    assert gc.get_freeze_count() == 0
