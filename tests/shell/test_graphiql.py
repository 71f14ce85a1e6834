"""GraphiQL offline (issue 17 point 5): in development GET /graphql shows GraphiQL with every file
served by Homeroom itself (vendored from the npm packages ./run installs into .tools), so it works on
a network that blocks CDNs; without the packages the page says how to install them; production has
no IDE."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from harness import RUN_DIR
from homeroom.routes.graphiql import ASSETS, GraphiQLPage
from live_server import live_server

REPO = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO / ".tools" / "node_modules"
RENDER = REPO / "tests" / "peers" / "graphiql_render.cjs"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
CDN_HOSTS = ("unpkg", "jsdelivr", "esm.sh", "cdnjs")


class _References(HTMLParser):
    """The URLs a page makes the browser load: <script src> and <link href>, and inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self._in_script = "src" not in attributes
            if "src" in attributes:
                self.urls.append(attributes["src"])
        elif tag == "link" and attributes.get("href"):
            self.urls.append(attributes["href"])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts.append(data)


def _development_client(**overrides) -> TestClient:
    from homeroom.app import create_app
    from homeroom.settings import load_settings

    return TestClient(create_app(load_settings(environment="development", **overrides), run_worker=False))


def _references(page: str) -> _References:
    references = _References()
    references.feed(page)
    return references


@pytest.mark.skipif(GraphiQLPage().installed_versions() is None,
                    reason="graphiql 3, react 18 and react-dom 18 are not in .tools/node_modules (./run tools installs them)")
def test_issue_17_point_5_graphiql_loads_every_file_from_homeroom_itself(engine):
    with _development_client() as client:
        page = client.get("/graphql", headers=BROWSER)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        references = _references(page.text)
        assert len(references.urls) == len(ASSETS)  # React, ReactDOM, GraphiQL's script and stylesheet
        for url in references.urls:
            assert not urlsplit(url).scheme and not urlsplit(url).netloc and url.startswith("/"), url
            asset = client.get(url)
            assert asset.status_code == 200, url
            expected = "text/css" if url.endswith(".css") else "text/javascript"
            assert asset.headers["content-type"].startswith(expected), (url, asset.headers["content-type"])
            assert "immutable" in asset.headers["cache-control"]  # the URL carries the package's version
        # no CDN, and no absolute URL to any other host, anywhere in the page
        assert not any(host in page.text for host in CDN_HOSTS)
        assert not re.search(r"(https?:)?//[a-z0-9.-]+", page.text)
        # a file it does not serve, or of another version, is not found
        assert client.get("/graphiql/graphiql@0.0.1/graphiql.min.js").status_code == 404
        assert client.get("/graphiql/graphiql@3.8.3/package.json").status_code == 404


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_issue_17_point_5_the_page_script_is_valid_javascript(engine, tmp_path):
    with _development_client() as client:
        page = client.get("/graphql", headers=BROWSER).text
    script = tmp_path / "mount.js"
    script.write_text("\n".join(_references(page).inline_scripts))
    checked = subprocess.run(["node", "--check", str(script)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr


def _render_unavailable() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not (NODE_MODULES / "jsdom" / "package.json").exists():
        return f"the npm package jsdom is not installed in {NODE_MODULES} (./run tests installs it)"
    if GraphiQLPage().installed_versions() is None:
        return "graphiql 3, react 18 and react-dom 18 are not in .tools/node_modules (./run tools installs them)"
    return None


@pytest.mark.skipif(_render_unavailable() is not None, reason=_render_unavailable() or "")
def test_issue_17_point_5_graphiql_mounts_in_a_browser_from_homeroom_alone(engine):
    """jsdom (tests/peers/graphiql_render.cjs) opens a live development server's /graphql, runs the
    page's scripts and GraphiQL mounts its editors; everything it fetched came from that server, the
    last being GraphiQL's own schema request to /graphql."""
    with live_server(RUN_DIR / "live-server-graphiql.log", HOMEROOM_ENVIRONMENT="development") as server:
        run = subprocess.run(["node", str(RENDER)], capture_output=True, text=True, timeout=120,
                             env={**os.environ, "NODE_PATH": str(NODE_MODULES), "GRAPHIQL_URL": f"{server.base_url}/graphql"})
    assert run.returncode == 0, run.stderr
    rendered = json.loads(run.stdout)
    assert rendered["mounted"] and rendered["editors"] >= 2 and not rendered["errors"], rendered
    assert all(url.startswith(server.base_url + "/") for url in rendered["requests"]), rendered["requests"]
    assert len(rendered["requests"]) == 2 + len(ASSETS), rendered["requests"]  # page, its files, the schema
    assert rendered["requests"][-1] == f"{server.base_url}/graphql"


def test_issue_17_point_5_without_the_packages_the_page_says_how_to_install_them(engine, tmp_path: Path):
    with _development_client(graphiql_assets_dir=tmp_path) as client:
        page = client.get("/graphql", headers=BROWSER)
    assert page.status_code == 200 and "./run tools" in page.text and "HOMEROOM_GRAPHIQL_ASSETS_DIR" in page.text
    assert not _references(page.text).urls  # nothing to load, so no blank page waiting on a script


def test_issue_17_point_5_production_serves_no_ide(client):
    """The tests' app runs with HOMEROOM_ENVIRONMENT=production."""
    page = client.get("/graphql", headers=BROWSER)
    assert page.status_code >= 400 and "graphiql" not in page.text.lower()
    versions = GraphiQLPage().installed_versions() or {"graphiql": "3.8.3"}
    assert client.get(f"/graphiql/graphiql@{versions['graphiql']}/graphiql.min.js").status_code == 404


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None or GraphiQLPage().installed_versions() is None,
                    reason="needs Chromium (.ci/run installs Debian's chromium) and the GraphiQL packages (./run tools)")
def test_issue_17_point_5_graphiql_renders_in_chromium_with_every_other_host_unreachable(engine, tmp_path):
    """A real browser (headless Chromium) whose resolver knows no host but 127.0.0.1, as on a school
    network that blocks CDNs, opens a live development server's /graphql: GraphiQL renders its
    container and its editors from what Homeroom served alone."""
    with live_server(RUN_DIR / "live-server-chromium.log", HOMEROOM_ENVIRONMENT="development") as server:
        run = subprocess.run(
            [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path}",
             "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--virtual-time-budget=15000",
             "--dump-dom", f"{server.base_url}/graphql"],
            capture_output=True, text=True, timeout=120)
    dom = run.stdout
    assert run.returncode == 0 and 'id="graphiql"' in dom, run.stderr[-2000:]
    assert 'class="graphiql-container"' in dom, dom[:2000]
    assert dom.count("graphiql-editor") >= 2, dom[:2000]  # the query editor and the result viewer
