"""Issue 17 point 6: persisted queries. ``homeroom persisted-queries build DIR`` writes a manifest of
SHA-256 hashes; a request may name a manifest document by its hash (Apollo's
extensions.persistedQuery.sha256Hash); with HOMEROOM_PERSISTED_ONLY=true any other document gets
PERSISTED_QUERY_NOT_FOUND, over HTTP and WebSocket. Persisted documents stay in the document cache."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from graphql import parse
from starlette.testclient import TestClient

from graph.limits import MAX_QUERY_DEPTH
from graph.limits.documents import DocumentCache
from helpers import gql, token_for

VIEWER = "query Viewer { viewer { login } }\n"
OTHER = "{ viewer { login } }"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _build(directory: Path, output: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "homeroom.cli", "persisted-queries", "build", str(directory),
                           "-o", str(output)], capture_output=True, text=True, env=os.environ.copy(), timeout=120)


@pytest.fixture
def manifest(tmp_path) -> Path:
    documents = tmp_path / "documents"
    (documents / "nested").mkdir(parents=True)
    (documents / "viewer.graphql").write_text(VIEWER, encoding="utf-8")
    (documents / "nested" / "progress.graphql").write_text(
        "subscription Progress($id: ID!) { messageProgress(messageId: $id) { status } }\n", encoding="utf-8")
    built = _build(documents, tmp_path / "manifest.json")
    assert built.returncode == 0, built.stderr
    return tmp_path / "manifest.json"


def _client(runtime, manifest: Path, *, only: bool) -> TestClient:
    from homeroom.app import create_app

    settings = runtime.settings.model_copy(update={"persisted_queries": manifest, "persisted_only": only})
    return TestClient(create_app(runtime=dataclasses.replace(runtime, settings=settings), run_worker=False))


def _by_hash(client, text_hash: str, token: str, query: str | None = None) -> dict:
    body = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": text_hash}}}
    if query is not None:
        body["query"] = query
    response = client.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()


def test_issue_17_point_6_build_writes_each_document_by_its_sha256_hash(manifest):
    written = json.loads(manifest.read_text(encoding="utf-8"))
    assert written[sha256(VIEWER)] == VIEWER
    assert len(written) == 2 and all(key == sha256(text) for key, text in written.items())


def test_issue_17_point_6_build_refuses_documents_the_schema_or_the_limits_refuse(tmp_path):
    (tmp_path / "ok.graphql").write_text(VIEWER, encoding="utf-8")
    (tmp_path / "unknown.graphql").write_text("{ nothingHere }", encoding="utf-8")
    deep = '{ __type(name: "Query") { ' + "ofType { " * MAX_QUERY_DEPTH + "name" + " }" * (MAX_QUERY_DEPTH + 1) + " }"
    (tmp_path / "deep.graphql").write_text(deep, encoding="utf-8")
    built = _build(tmp_path, tmp_path / "manifest.json")
    assert built.returncode == 1
    assert "unknown.graphql: Cannot query field 'nothingHere'" in built.stderr
    assert "deep.graphql:" in built.stderr and "depth limit is 10" in built.stderr
    assert "2 of 3 documents refused" in built.stderr and not (tmp_path / "manifest.json").exists()


def test_issue_17_point_6_a_request_names_a_persisted_document_by_its_hash(runtime, engine, manifest):
    token = token_for(engine, "admin")
    with _client(runtime, manifest, only=False) as client:
        assert _by_hash(client, sha256(VIEWER), token)["data"]["viewer"]["login"] == "admin"
        unknown = _by_hash(client, sha256("{ nope }"), token)
        assert unknown["errors"] == [{"message": "PersistedQueryNotFound",
                                      "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]
        mismatch = _by_hash(client, sha256(VIEWER), token, query=OTHER)
        assert mismatch["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"
        # without persisted-only, any document still runs
        assert gql(client, OTHER, token=token)["data"]["viewer"]["login"] == "admin"


def test_issue_17_point_6_persisted_only_runs_the_manifest_and_refuses_any_other_document(runtime, engine, manifest):
    token = token_for(engine, "admin")
    with _client(runtime, manifest, only=True) as client:
        assert _by_hash(client, sha256(VIEWER), token)["data"]["viewer"]["login"] == "admin"
        assert gql(client, VIEWER, token=token)["data"]["viewer"]["login"] == "admin"  # its text, sent whole
        refused = gql(client, OTHER, token=token)
        assert refused.get("data") is None
        assert refused["errors"] == [{"message": "PersistedQueryNotFound",
                                      "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]


def test_issue_17_point_6_persisted_only_holds_on_the_websocket_too(runtime, engine, manifest):
    token = token_for(engine, "admin")
    with _client(runtime, manifest, only=True) as client, \
            client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": OTHER}})
        refused = ws.receive_json()
        assert refused["type"] == "error" and refused["id"] == "1"
        assert refused["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        ws.send_json({"id": "2", "type": "subscribe", "payload": {
            "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256(VIEWER)}}}})
        answer = ws.receive_json()
        assert answer["type"] == "next" and answer["payload"]["data"]["viewer"]["login"] == "admin"


def test_issue_17_point_6_persisted_only_needs_a_manifest_and_a_bad_manifest_stops_start_up(runtime, tmp_path):
    from homeroom.app import create_app
    from homeroom.settings import SettingsError, load_settings

    with pytest.raises(SettingsError, match="HOMEROOM_PERSISTED_ONLY: needs HOMEROOM_PERSISTED_QUERIES"):
        load_settings(persisted_only=True)
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({sha256(VIEWER): OTHER}), encoding="utf-8")
    settings = runtime.settings.model_copy(update={"persisted_queries": forged})
    with pytest.raises(SettingsError, match="not the SHA-256 hash of its document"):
        create_app(runtime=dataclasses.replace(runtime, settings=settings), run_worker=False)


def test_issue_17_point_6_the_document_cache_is_bounded_and_keeps_persisted_documents():
    cache = DocumentCache(2, pinned=[VIEWER])
    cache.put(VIEWER, parse(VIEWER))
    for text in ("{ a }", "{ b }", "{ c }"):
        cache.put(text, parse(text))
    assert cache.get("{ a }") is None and cache.get("{ b }") is not None and cache.get("{ c }") is not None
    assert cache.get(VIEWER) is not None and len(cache) == 3  # two recent ones and the pinned one
    nothing = DocumentCache(0)
    nothing.put("{ a }", parse("{ a }"))
    assert nothing.get("{ a }") is None
