"""A local stand-in for Azure AI Speech's text-to-speech WebSocket service, so the `azure` speech
plugin runs through the real SDK (its native USP client) end to end without the internet.

It speaks the part of the service's USP protocol that synthesis uses: the client sends
``speech.config``, ``synthesis.context`` and ``ssml`` text frames; the service answers
``turn.start``, binary ``audio`` frames (a two-byte big-endian header length, the header, then
PCM in the requested output format) and ``turn.end``, or closes the socket with an error code and
reason, which the SDK reports as a cancelled result. Every SSML document and the connection's
headers are kept for the tests to inspect.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import struct
import threading

import pytest
from websockets.asyncio.server import serve

#: PCM sample rates of the raw output formats the plugin may ask for.
RAW_RATES = {"raw-8khz-16bit-mono-pcm": 8000, "raw-16khz-16bit-mono-pcm": 16000, "raw-24khz-16bit-mono-pcm": 24000}
AUDIO_CHUNK = 3200  # bytes per audio frame, as the service streams it


def tone(seconds: float, rate: int, frequency: float = 440.0) -> bytes:
    """16-bit little-endian mono PCM of a sine tone: audio a test can measure."""
    return b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * frequency * n / rate)))
                    for n in range(int(seconds * rate)))


def _parse(frame: str) -> tuple[dict[str, str], str]:
    head, _, body = frame.partition("\r\n\r\n")
    return dict(line.split(":", 1) for line in head.split("\r\n") if ":" in line), body


def _text_frame(request_id: str, path: str, body: str) -> str:
    return f"X-RequestId:{request_id}\r\nContent-Type:application/json; charset=utf-8\r\nPath:{path}\r\n\r\n{body}"


def _audio_frame(request_id: str, pcm: bytes) -> bytes:
    header = f"X-RequestId:{request_id}\r\nContent-Type:audio/x-wav\r\nPath:audio\r\n".encode()
    return struct.pack(">H", len(header)) + header + pcm


@dataclasses.dataclass
class FakeAzureSpeech:
    """``seconds`` of tone per synthesis; ``close_with`` (code, reason) makes it fail instead."""

    url: str = ""
    seconds: float = 0.5
    close_with: tuple[int, str] | None = None
    ssml: list[str] = dataclasses.field(default_factory=list)
    output_formats: list[str] = dataclasses.field(default_factory=list)
    connection_headers: list[dict[str, str]] = dataclasses.field(default_factory=list)

    async def _serve(self, websocket) -> None:
        self.connection_headers.append({k.lower(): v for k, v in websocket.request.headers.raw_items()})
        output_format = "raw-16khz-16bit-mono-pcm"
        async for frame in websocket:
            if not isinstance(frame, str):
                continue
            headers, body = _parse(frame)
            if headers.get("Path") == "synthesis.context":
                output_format = _output_format(body) or output_format
            if headers.get("Path") != "ssml":
                continue
            self.ssml.append(body)
            self.output_formats.append(output_format)
            if self.close_with:
                await websocket.close(*self.close_with)
                return
            request_id = headers["X-RequestId"]
            await websocket.send(_text_frame(request_id, "turn.start", '{"context":{"serviceTag":"fake"}}'))
            pcm = tone(self.seconds, RAW_RATES[output_format])
            for start in range(0, len(pcm), AUDIO_CHUNK):
                await websocket.send(_audio_frame(request_id, pcm[start:start + AUDIO_CHUNK]))
            await websocket.send(_text_frame(request_id, "turn.end", "{}"))


def _output_format(body: str) -> str | None:
    import json

    return json.loads(body).get("synthesis", {}).get("audio", {}).get("outputFormat")


@pytest.fixture
def azure_speech():
    """A FakeAzureSpeech listening on 127.0.0.1 for the length of one test; ``.url`` is the endpoint."""
    fake = FakeAzureSpeech()
    ready = threading.Event()
    loop = asyncio.new_event_loop()
    stopped = loop.create_future()

    async def main():
        async with serve(fake._serve, "127.0.0.1", 0, subprotocols=["USP"]) as server:
            port = server.sockets[0].getsockname()[1]
            fake.url = f"ws://127.0.0.1:{port}/cognitiveservices/websocket/v1"
            ready.set()
            await stopped

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(10), "the fake Azure speech service did not start"
    yield fake
    loop.call_soon_threadsafe(stopped.set_result, None)
    thread.join(10)
