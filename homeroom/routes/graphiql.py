"""GraphiQL in development, served whole by Homeroom (issue 17 point 5): the page GET /graphql shows
a browser, and its scripts and stylesheet under /graphiql/, read from the npm packages graphiql
(3.x, the last major with a standalone build), react and react-dom (18, with UMD builds) that
`./run tools` installs into .tools/node_modules (or a node_modules directory
HOMEROOM_GRAPHIQL_ASSETS_DIR names). Nothing comes from a CDN, so GraphiQL works on a school network
that blocks them. Without the packages the page says how to install them. Production has no IDE.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse

#: Where the files are served from; each file's URL carries its package's version, so it is cached for good.
ASSETS_PREFIX = "/graphiql"
JAVASCRIPT = "text/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"
CACHE_FOR_GOOD = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    package: str
    major: str  #: the major version whose file layout this expects
    path: str
    media_type: str


#: The files the page loads, in order, by the name in their URL.
ASSETS = {
    "react.production.min.js": Asset("react", "18", "umd/react.production.min.js", JAVASCRIPT),
    "react-dom.production.min.js": Asset("react-dom", "18", "umd/react-dom.production.min.js", JAVASCRIPT),
    "graphiql.min.js": Asset("graphiql", "3", "graphiql.min.js", JAVASCRIPT),
    "graphiql.min.css": Asset("graphiql", "3", "graphiql.min.css", CSS),
}


def checkout_node_modules() -> Path:
    """.tools/node_modules of the checkout this module runs from (where ./run installs the packages)."""
    return Path(__file__).resolve().parents[2] / ".tools" / "node_modules"


class GraphiQLPage:
    """The IDE page and its files, found in ``node_modules`` (default: the checkout's)."""

    def __init__(self, node_modules: Path | None = None, *, graphql_path: str = "/graphql") -> None:
        self.node_modules = node_modules or checkout_node_modules()
        self.graphql_path = graphql_path

    def installed_versions(self) -> dict[str, str] | None:
        """Each needed package's installed version, or None when one is missing or of another major."""
        versions = {}
        for asset in ASSETS.values():
            try:
                manifest = json.loads((self.node_modules / asset.package / "package.json").read_text())
            except (OSError, ValueError):
                return None
            version = str(manifest.get("version", ""))
            if version.split(".")[0] != asset.major or not (self.node_modules / asset.package / asset.path).is_file():
                return None
            versions[asset.package] = version
        return versions

    def response(self, request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        versions = self.installed_versions()
        if versions is None:
            return HTMLResponse(_install_help(configured=self.node_modules != checkout_node_modules()))
        urls = {name: f"{root}{ASSETS_PREFIX}/{asset.package}@{versions[asset.package]}/{name}"
                for name, asset in ASSETS.items()}
        return HTMLResponse(_page(urls, root + self.graphql_path), headers={"Cache-Control": "no-cache"})

    def router(self) -> APIRouter:
        router = APIRouter()

        @router.get(ASSETS_PREFIX + "/{release}/{name}", include_in_schema=False)
        def graphiql_asset(release: str, name: str) -> FileResponse:
            asset = ASSETS.get(name)
            versions = self.installed_versions()
            if asset is None or versions is None or release != f"{asset.package}@{versions[asset.package]}":
                raise HTTPException(404, "Not Found")
            return FileResponse(self.node_modules / asset.package / asset.path, media_type=asset.media_type,
                                headers={"Cache-Control": CACHE_FOR_GOOD, "X-Content-Type-Options": "nosniff"})

        return router


def _page(urls: dict[str, str], graphql_url: str) -> str:
    scripts = "\n".join(f'    <script src="{html.escape(url)}"></script>'
                        for name, url in urls.items() if name.endswith(".js"))
    return f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>Homeroom GraphiQL</title>
    <link rel="stylesheet" href="{html.escape(urls["graphiql.min.css"])}">
    <style>body {{ margin: 0; }} #graphiql {{ height: 100vh; }}</style>
  </head>
  <body>
    <div id="graphiql" data-graphql-url="{html.escape(graphql_url)}">Loading GraphiQL…</div>
{scripts}
    <script>{_MOUNT}</script>
  </body>
</html>
"""


# The headers tab's headers (Authorization) go with every HTTP request and, as connectionParams, with
# a subscription's connection_init (graphql-transport-ws), which is how Homeroom authenticates a socket:
# GraphiQL's fetcher does both.
_MOUNT = """
      const element = document.getElementById("graphiql");
      const url = new URL(element.dataset.graphqlUrl, window.location.href);
      const fetcher = GraphiQL.createFetcher({ url: url.href, subscriptionUrl: url.href.replace(/^http/, "ws") });
      const defaultQuery = "# Homeroom's GraphQL API. Sign in, then put your token in the Headers tab:\\n" +
        '#   {"Authorization": "Bearer <token>"}\\n\\n{\\n  viewer {\\n    login\\n  }\\n}\\n';
      ReactDOM.createRoot(element).render(React.createElement(GraphiQL, {
        fetcher, defaultQuery, isHeadersEditorEnabled: true, shouldPersistHeaders: false,
      }));
"""


def _install_help(configured: bool) -> str:
    where = "the directory HOMEROOM_GRAPHIQL_ASSETS_DIR names" if configured else "the checkout's .tools/node_modules"
    needed = ", ".join(sorted({f"{asset.package} {asset.major}.x" for asset in ASSETS.values()}))
    return f"""<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Homeroom GraphiQL: not installed</title></head>
  <body>
    <h1>GraphiQL's files are not installed</h1>
    <p>Homeroom serves GraphiQL itself, never from a CDN. It needs the npm packages {html.escape(needed)}
    in {where} and did not find them there.</p>
    <ul>
      <li>In a Homeroom checkout, run <code>./run tools</code> (it installs the versions it pins into
      <code>.tools/node_modules</code>), then reload this page.</li>
      <li>Elsewhere, install them with npm into a directory of your choice and point Homeroom at it:
      <code>npm install --prefix DIR graphiql@3 react@18 react-dom@18</code>, then start Homeroom with
      <code>HOMEROOM_GRAPHIQL_ASSETS_DIR=DIR/node_modules</code>.</li>
    </ul>
    <p>Meanwhile POST /graphql answers any GraphQL client.</p>
  </body>
</html>
"""
