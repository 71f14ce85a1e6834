"""Subscriptions for the authorization walk (issue 17, "Proof: authorization walk"): many
graphql-transport-ws subscriptions opened at once through the test client, and the first thing each
answers within one shared grace period (an allowed subscription may stay silent until an event)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import time

import anyio

#: How long the subscriptions of one batch are given to answer before silence counts as accepted.
GRACE_SECONDS = 1.5
SILENT = "silent"


@dataclasses.dataclass(frozen=True)
class Subscribe:
    token: str | None
    query: str
    variables: dict


def first_answers(client, requests: list[Subscribe]) -> list[dict | int | str]:
    """Per request: the close code of a socket refused at connection_init (an int), the first
    frame after subscribe (a dict: ``error`` or ``next``), or SILENT."""
    answers: list[dict | int | str | None] = []
    with contextlib.ExitStack() as sockets:
        opened = []
        for request in requests:
            ws = sockets.enter_context(client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]))
            payload = {"Authorization": f"Bearer {request.token}"} if request.token else {}
            ws.send_json({"type": "connection_init", "payload": payload})
            ack = _first_frame(ws, 10)
            if not isinstance(ack, dict):
                answers.append(ack if ack is not None else SILENT)
                continue
            assert ack["type"] == "connection_ack", ack
            ws.send_json({"id": "1", "type": "subscribe",
                          "payload": {"query": request.query, "variables": request.variables}})
            answers.append(None)
            opened.append((len(answers) - 1, ws))
        time.sleep(GRACE_SECONDS if opened else 0)
        for index, ws in opened:
            frame = _first_frame(ws, 0.05)
            answers[index] = SILENT if frame is None else frame
    return answers


def errors_of(answer: dict | int | str) -> list[dict]:
    """The GraphQL errors an answer carries (a refused socket: one error naming its close code)."""
    if isinstance(answer, int):
        return [{"extensions": {"code": f"closed {answer}"}}]
    if answer == SILENT:
        return []
    return answer["payload"] if answer["type"] == "error" else answer["payload"].get("errors") or []


def _first_frame(ws, timeout: float) -> dict | int | None:
    """The first frame within ``timeout`` seconds, the close code of a closed socket, or None."""

    async def receive():
        with anyio.move_on_after(timeout):
            return await ws._send_rx.receive()  # the test session's queue: receive_json cannot time out
        return None

    message = ws.portal.call(receive)
    if message is None:
        return None
    if message["type"] == "websocket.close":
        return message.get("code", 1000)
    return json.loads(message["text"])
