"""A local Web Push receiver, as a browser's push service: it verifies the VAPID JWT (RFC 8292)
and decrypts the aes128gcm payload (RFC 8291) with http_ece. Used by the push tests."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from channels.base import PushTarget
from channels.webpush import WebPushChannel, WebPushConfig


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Browser:
    """A subscriber: its ECDH key pair and auth secret, as PushManager.subscribe makes them."""

    def __init__(self, endpoint: str):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.endpoint = endpoint

    @property
    def p256dh(self) -> str:
        return b64url(self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))

    def target(self) -> PushTarget:
        return PushTarget(self.endpoint, self.p256dh, b64url(self.auth))


class PushService:
    """Receives pushes at /push/<name>: verifies VAPID, decrypts with the browser's keys, answers
    201, or 410 for names starting with "gone", or 429 with Retry-After for names starting with
    "busy" (a push service that is shedding load)."""

    def __init__(self):
        self.browsers: dict[str, Browser] = {}
        self.received: list[dict] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                name = self.path.rsplit("/", 1)[-1]
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if name.startswith("gone"):
                    self.send_response(410)
                    self.end_headers()
                    return
                if name.startswith("busy"):
                    self.send_response(429)
                    self.send_header("Retry-After", "30")
                    self.end_headers()
                    return
                try:
                    headers = {key.lower(): value for key, value in self.headers.items()}
                    service.received.append(service.verify_and_decrypt(name, headers, body))
                except Exception as error:  # noqa: BLE001
                    service.received.append({"error": repr(error)})
                    self.send_response(400)
                    self.end_headers()
                    return
                self.send_response(201)
                self.send_header("Location", f"{service.url}/messages/{len(service.received)}")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def browser(self, name: str) -> Browser:
        self.browsers[name] = Browser(f"{self.url}/push/{name}")
        return self.browsers[name]

    def verify_and_decrypt(self, name: str, headers: dict, body: bytes) -> dict:
        scheme, _, params = headers["authorization"].partition(" ")
        assert scheme == "vapid"
        fields = dict(part.strip().split("=", 1) for part in params.split(","))
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(fields["k"]))
        claims = jwt.decode(fields["t"], public, algorithms=["ES256"], audience=self.url)
        assert claims["sub"].startswith("mailto:") and claims["exp"] > time.time()
        assert headers["content-encoding"] == "aes128gcm" and int(headers["ttl"]) > 0
        browser = self.browsers[name]
        plain = http_ece.decrypt(body, private_key=browser.private_key, auth_secret=browser.auth, version="aes128gcm")
        return {"name": name, "vapid_key": fields["k"], "payload": json.loads(plain)}

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def vapid_key() -> str:
    key = Vapid02()
    key.generate_keys()
    return b64url(key.private_key.private_numbers().private_value.to_bytes(32, "big"))


def plugin() -> WebPushChannel:
    return WebPushChannel(WebPushConfig(vapid_private_key=vapid_key(), vapid_subject="mailto:it@district.example.org"))
