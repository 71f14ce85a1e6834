"""Subscriptions for the authorization walk (issue 17, "Proof: authorization walk"): many
graphql-transport-ws subscriptions opened at once through the test client, and the first thing each
answers within one shared grace period (an allowed subscription may stay silent until an event)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import time

import anyio

#: One round of waiting for the subscriptions of a batch; rounds go on while a round brings new
#: answers (a loaded machine answers late), so silence counts only after a round brought nothing.
GRACE_SECONDS = 1.0
MAX_ROUNDS = 6
SILENT = "silent"


@dataclasses.dataclass(frozen=True)
class Subscribe:
    token: str | None
    query: str
    variables: dict


def first_answers(client, requests: list[Subscribe]) -> list[dict | int | str]:
    """Per request: the close code of a socket refused at connection_init (an int), the first
    frame after subscribe (a dict: ``error`` or ``next``), or SILENT when none came while the
    others answered."""
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
        for _ in range(MAX_ROUNDS):
            if not opened:
                break
            time.sleep(GRACE_SECONDS)
            still = [(index, ws) for index, ws in opened if not _answered(answers, index, _first_frame(ws, 0.05))]
            if len(still) == len(opened):
                break
            opened = still
    return [SILENT if answer is None else answer for answer in answers]


def _answered(answers: list, index: int, frame: dict | int | None) -> bool:
    answers[index] = frame
    return frame is not None


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
