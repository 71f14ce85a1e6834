"""A real OpenID Provider in the tests: npm ``oidc-provider`` (v9) under Node, run by
``openid_provider.mjs`` on 127.0.0.1 with one confidential test client.

How tests get real tokens: ``client_credentials`` gives no ID token and names no person, so
``sign_in`` scripts an authorization-code flow with PKCE over HTTP. The provider's interaction
route is answered at once (login and consent) for the account the request names in
``login_hint``; the test then follows the redirect to the client's redirect URI, takes the code,
and redeems it at the token endpoint for an ID token (with ``email`` and ``email_verified``) and a
JWT access token (RFC 9068) whose ``aud`` is the API's resource indicator.

The signing keys are made here (RSA, with PyJWT's JWK export) and handed to the provider, so a
test can also sign tokens the provider did not issue but whose signature is genuine (an expired or
not-yet-valid token, a wrong audience) with ``sign``; ``rotate_keys`` gives the provider a new key
set (its issuer and port unchanged), so Homeroom must follow the rotation through the JWKS.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from peers.smtp_sink import free_port

ROOT = Path(__file__).resolve().parents[2]
MODULE = ROOT / ".tools" / "node_modules" / "oidc-provider" / "lib" / "index.js"
SCRIPT = Path(__file__).with_suffix(".mjs")
CLIENT_ID = "homeroom-web"
REDIRECT_URI = "http://127.0.0.1:9/callback"  # never fetched: the code is read from the redirect
AUDIENCE = "https://api.homeroom.test"
STARTUP_SECONDS = 30


def unavailable_reason() -> str | None:
    """Why the provider cannot run here (the tests skip with it), or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not MODULE.exists():
        return "npm oidc-provider is not installed in .tools (./run tests installs it)"
    return None


class SigningKey:
    """An RSA key with its kid: the private JWK the provider signs with, the key tests sign with."""

    def __init__(self, kid: str | None = None):
        self.kid = kid or uuid.uuid4().hex[:12]
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict:
        return {**RSAAlgorithm.to_jwk(self.private, as_dict=True), "kid": self.kid, "alg": "RS256", "use": "sig"}


class OpenIdProvider:
    """One running provider; ``close`` stops it."""

    def __init__(self, directory: Path, accounts: dict[str, dict]):
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.client_secret = secrets.token_urlsafe(24)
        self.keys = [SigningKey()]
        config = directory / "openid_provider.json"
        config.write_text(json.dumps({
            "issuer": self.issuer, "port": self.port, "module": str(MODULE), "audience": AUDIENCE,
            "client": {"client_id": CLIENT_ID, "client_secret": self.client_secret, "redirect_uri": REDIRECT_URI},
            "jwks": {"keys": [key.jwk() for key in self.keys]}, "accounts": accounts,
        }))
        self.log_path = directory / "openid_provider.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(["node", str(SCRIPT), str(config)], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP_SECONDS
        while "listening" not in self.log_path.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError("the OpenID Provider did not start:\n" + self.log_path.read_text()[-2000:])
            time.sleep(0.1)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def sign_in(self, login_hint: str) -> dict:
        """The token response of a scripted authorization-code flow with PKCE for one account."""
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        state = secrets.token_urlsafe(12)
        query = urlencode({"client_id": CLIENT_ID, "response_type": "code", "redirect_uri": REDIRECT_URI,
                           "scope": "openid email", "state": state, "login_hint": login_hint,
                           "code_challenge": challenge, "code_challenge_method": "S256"})
        with httpx.Client(base_url=self.issuer, timeout=10) as browser:
            response = browser.get(f"/auth?{query}")
            for _ in range(10):  # follow the provider's redirects, stopping at the client's redirect URI
                location = response.headers.get("location")
                if response.status_code not in (302, 303) or location is None:
                    raise AssertionError(f"sign-in stopped at {response.status_code}: {response.text[:500]}")
                if location.startswith(REDIRECT_URI):
                    break
                response = browser.get(location)
            answer = parse_qs(urlsplit(location).query)
            if "code" not in answer:
                raise AssertionError(f"the provider refused the sign-in: {answer}")
            assert answer["state"] == [state]
            tokens = browser.post("/token", data={
                "grant_type": "authorization_code", "code": answer["code"][0], "redirect_uri": REDIRECT_URI,
                "code_verifier": verifier, "client_id": CLIENT_ID, "client_secret": self.client_secret})
            tokens.raise_for_status()
            return tokens.json()

    def sign(self, claims: dict, *, key: SigningKey | None = None, headers: dict | None = None) -> str:
        """A token with exactly ``claims``, signed RS256 by ``key`` (default: the provider's current key)."""
        key = key or self.keys[0]
        return jwt.encode(claims, key.private, algorithm="RS256", headers={"kid": key.kid, **(headers or {})})

    def claims(self, **overrides) -> dict:
        """Valid ID-token claims for this provider and the test client, with ``overrides``."""
        now = int(time.time())
        return {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300, **overrides}

    def rotate_keys(self, *, keep_previous: bool = False) -> SigningKey:
        """A new signing key (first, so it signs); the old key stays in the JWKS only when asked."""
        new = SigningKey()
        self.keys = [new, *(self.keys if keep_previous else [])]
        httpx.post(f"{self.issuer}/test/jwks", json={"keys": [key.jwk() for key in self.keys]}).raise_for_status()
        return new

    def add_accounts(self, accounts: dict[str, dict]) -> None:
        httpx.post(f"{self.issuer}/test/accounts", json=accounts).raise_for_status()

    def stats(self) -> dict:
        """How often discovery and the JWKS were fetched."""
        return httpx.get(f"{self.issuer}/test/stats").json()
