"""A local stand-in for Azure AI Translator's Text Translation v3 endpoint (issue 19, "Real peers"),
served by pytest-httpserver on 127.0.0.1, for the translator plugin's tests and the fan-out's.

``POST /translate`` checks what the real service checks and answers as it would:

- headers: ``Ocp-Apim-Subscription-Key`` equal to ``key`` (else 401, code 401000), the region in
  ``Ocp-Apim-Subscription-Region`` when ``region`` is set (else 401, 401000), ``Content-Type:
  application/json`` (else 415);
- query: ``api-version=3.0`` (else 400021), ``from`` and ``to`` among :data:`LANGUAGES` (else 400035 /
  400036), ``textType`` ``plain`` or ``html`` (else 400064);
- body: a JSON array of ``{"Text": str}`` (else 400074) within ``max_texts`` elements and
  ``max_characters`` characters (else 400077).

Every request that passed is recorded (:attr:`TranslatorStandIn.requests`, counted per target
language by :meth:`requests_per_language`); a refused one is recorded in :attr:`refusals` so a test
can assert there were none. The translation is deterministic: plain text becomes ``"[es] " + text``;
HTML keeps its markup and prefixes each run of text with ``[es] ``, except inside an element that
carries ``translate="no"`` or class ``notranslate``, which comes back unchanged (as the service
promises). :meth:`fail_next` makes the next N requests answer ``429`` (with ``Retry-After``),
``500``, ``503``, ``400``, ``401``, ``malformed`` (200, not JSON) or ``short`` (200, one translation
too few).

``translator_server`` (one per test session) and ``translator_service`` (that server, reset for
the test) are registered in tests/conftest.py; :func:`start_stand_in` starts one outside pytest (a
benchmark). A worker subprocess reaches it through
``HOMEROOM_TRANSLATOR_PLUGIN=azure`` and ``HOMEROOM_TRANSLATOR_CONFIG=<stand_in.plugin_config()>``.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import re
import threading
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

KEY = "stand-in-translator-key-9f3a7c"
REGION = "westeurope"
#: The languages the stand-in translates from and to (the service's codes).
LANGUAGES = frozenset({
    "am", "ar", "bn", "bs", "de", "el", "en", "es", "fa", "fil", "fr", "gu", "ha", "he", "hi", "hmn", "ht", "hy",
    "id", "it", "ja", "km", "ko", "lo", "mr", "my", "ne", "pa", "pl", "ps", "pt", "pt-pt", "ro", "ru", "so", "sq",
    "sr-Cyrl", "sr-Latn", "sw", "ta", "te", "th", "ti", "tr", "uk", "ur", "uz", "vi", "yo", "zh-Hans", "zh-Hant",
})
FAILURES = ("429", "500", "503", "400", "401", "malformed", "short", "markup")
#: What a hostile or broken service adds to each answer with ``fail_next(n, "markup")``.
INJECTED_MARKUP = '<script>alert(1)</script><img src="https://tracker.example/p.gif" onerror="steal()">'


_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.S)
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z][\w:-]*)")
_NO_TRANSLATE = re.compile(r"""\btranslate\s*=\s*["']?no\b|\bclass\s*=\s*["'][^"']*\bnotranslate\b""", re.I)
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})


@dataclasses.dataclass(frozen=True)
class TranslateRequest:
    """One request the stand-in accepted."""

    source: str
    target: str
    text_type: str
    texts: list[str]
    headers: dict[str, str]
    query: dict[str, str]


def fake_translation(text: str, target: str, *, html: bool) -> str:
    """The stand-in's deterministic "translation" of ``text`` into ``target``."""
    if not html:
        return _prefixed(text, target)
    out: list[str] = []
    open_elements: list[tuple[str, bool]] = []  # (tag name, inside a do-not-translate element)
    position = 0
    for tag in _TAG.finditer(text):
        run = text[position:tag.start()]
        protected = bool(open_elements) and open_elements[-1][1]
        out.append(run if protected else _prefixed(run, target))
        out.append(tag.group())
        _follow(tag.group(), open_elements)
        position = tag.end()
    protected = bool(open_elements) and open_elements[-1][1]
    tail = text[position:]
    out.append(tail if protected else _prefixed(tail, target))
    return "".join(out)


def _prefixed(run: str, target: str) -> str:
    if not run.strip():
        return run
    stripped = run.lstrip()
    return run[:len(run) - len(stripped)] + f"[{target}] " + stripped


def _follow(tag: str, open_elements: list[tuple[str, bool]]) -> None:
    """Track the open elements and whether each lies inside a do-not-translate one."""
    if tag.startswith("<!"):
        return
    match = _TAG_NAME.match(tag)
    if match is None:
        return
    name = match.group(1).lower()
    if tag.startswith("</"):
        for depth in range(len(open_elements) - 1, -1, -1):
            if open_elements[depth][0] == name:
                del open_elements[depth:]
                break
        return
    if name in _VOID or tag.rstrip(">").rstrip().endswith("/"):
        return
    inherited = bool(open_elements) and open_elements[-1][1]
    open_elements.append((name, inherited or bool(_NO_TRANSLATE.search(tag))))


class TranslatorStandIn:
    def __init__(self, server: HTTPServer, *, key: str = KEY, region: str | None = REGION,
                 max_texts: int = 1000, max_characters: int = 50_000):
        self.server = server
        self.key = key
        self.region = region
        self.max_texts = max_texts
        self.max_characters = max_characters
        self.retry_after = "3"
        self.requests: list[TranslateRequest] = []
        self.refusals: list[str] = []
        self.language_checks = 0
        self.attempts = 0  # every translate request, refused, failed or answered
        self._failures: collections.deque[str] = collections.deque()
        self._lock = threading.Lock()
        server.expect_request("/translate", method="POST").respond_with_handler(self._translate)
        server.expect_request("/languages", method="GET").respond_with_handler(self._languages)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def plugin_config(self, **overrides: Any) -> dict[str, Any]:
        """An ``azure`` translator config that reaches this stand-in with the right key and region."""
        return {"endpoint": self.endpoint, "key": self.key, "region": self.region, **overrides}

    def fail_next(self, count: int, how: str, *, retry_after: str = "3") -> None:
        """The next ``count`` translate requests answer ``how`` (one of FAILURES)."""
        assert how in FAILURES, how
        with self._lock:
            self.retry_after = retry_after
            self._failures.extend([how] * count)

    def requests_per_language(self) -> dict[str, int]:
        """Accepted translate requests per target language."""
        return dict(collections.Counter(request.target for request in self.requests))

    def close(self) -> None:
        self.server.clear()
        if self.server.is_running():
            self.server.stop()

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.refusals.clear()
            self._failures.clear()
            self.language_checks = self.attempts = 0
            self.key, self.region = KEY, REGION
            self.max_texts, self.max_characters = 1000, 50_000

    # The service's side.

    def _languages(self, request: Request) -> Response:
        with self._lock:
            self.language_checks += 1
        if request.args.get("api-version") != "3.0":
            return _error(400, 400021, "The API version parameter is missing or invalid.")
        return Response(json.dumps({"translation": {code: {"name": code} for code in sorted(LANGUAGES)}}),
                        content_type="application/json")

    def _translate(self, request: Request) -> Response:
        with self._lock:
            self.attempts += 1
        problem = self._refusal(request)
        if problem is not None:
            status, code, message = problem
            with self._lock:
                self.refusals.append(f"{status} {code} {message}")
            return _error(status, code, message)
        texts = [item["Text"] for item in json.loads(request.get_data(as_text=True))]
        args = request.args
        with self._lock:
            failure = self._failures.popleft() if self._failures else None
            if failure is None:
                self.requests.append(TranslateRequest(
                    source=args["from"], target=args["to"], text_type=args["textType"], texts=texts,
                    headers={key.lower(): value for key, value in request.headers.items()}, query=dict(args)))
        if failure is not None:
            return self._failure(failure, texts, args["to"])
        html = args["textType"] == "html"
        return Response(json.dumps([{"translations": [{"text": fake_translation(text, args["to"], html=html),
                                                        "to": args["to"]}]} for text in texts]),
                        content_type="application/json; charset=utf-8")

    def _refusal(self, request: Request) -> tuple[int, int, str] | None:
        """What the service would refuse this request for, checked in its order; None: accepted."""
        headers = request.headers
        if headers.get("Ocp-Apim-Subscription-Key") != self.key:
            return 401, 401000, "The request is not authorized because credentials are missing or invalid."
        if self.region and headers.get("Ocp-Apim-Subscription-Region") != self.region:
            return 401, 401000, "The request is not authorized because credentials are missing or invalid."
        if not (headers.get("Content-Type") or "").lower().startswith("application/json"):
            return 415, 415000, "The Content-Type header is missing or invalid."
        args = request.args
        if args.get("api-version") != "3.0":
            return 400, 400021, "The API version parameter is missing or invalid."
        if args.get("from") not in LANGUAGES:
            return 400, 400035, "The source language (From field) is not valid."
        if args.get("to") not in LANGUAGES:
            return 400, 400036, "The target language (To field) is missing or invalid."
        if args.get("textType") not in ("plain", "html"):
            return 400, 400064, "The value of the TextType parameter is not valid."
        try:
            body = json.loads(request.get_data(as_text=True))
        except ValueError:
            body = None
        if not (isinstance(body, list) and body
                and all(isinstance(item, dict) and set(item) == {"Text"} and isinstance(item["Text"], str)
                        for item in body)):
            return 400, 400074, "The body of the request is not valid JSON."
        if len(body) > self.max_texts or sum(len(item["Text"]) for item in body) > self.max_characters:
            return 400, 400077, "The maximum request size has been exceeded."
        return None

    def _failure(self, how: str, texts: list[str], target: str) -> Response:
        match how:
            case "429":
                response = _error(429, 429000, "The server rejected the request because the client has exceeded "
                                               "request limits.")
                response.headers["Retry-After"] = self.retry_after
                return response
            case "500":
                return _error(500, 500000, "An unexpected error occurred.")
            case "503":
                return _error(503, 503000, "Service is temporarily unavailable.")
            case "400":
                return _error(400, 400036, "The target language (To field) is missing or invalid.")
            case "401":
                return _error(401, 401000, "The request is not authorized because credentials are missing or invalid.")
            case "malformed":
                return Response('[{"translations": [{"text": ', content_type="application/json")
            case "markup":  # well-formed, but every text carries markup no body may hold
                return Response(json.dumps([{"translations": [{"text": f"[{target}] {text}{INJECTED_MARKUP}",
                                                               "to": target}]} for text in texts]),
                                content_type="application/json; charset=utf-8")
            case _:  # "short"
                return Response(json.dumps([{"translations": [{"text": text, "to": target}]} for text in texts[1:]]),
                                content_type="application/json")


def _error(status: int, code: int, message: str) -> Response:
    return Response(json.dumps({"error": {"code": code, "message": message}}), status=status,
                    content_type="application/json; charset=utf-8")


def start_stand_in(*, port: int = 0) -> TranslatorStandIn:
    """A running stand-in on 127.0.0.1 (``port`` 0: any free one), threaded since a worker's threads
    call it at once; for a benchmark or a harness outside pytest. Stop it with ``close()``."""
    server = HTTPServer(host="127.0.0.1", port=port, threaded=True)
    server.start()
    return TranslatorStandIn(server)


@pytest.fixture(scope="session")
def translator_server():
    """One Translator stand-in for the test session."""
    stand_in = start_stand_in()
    yield stand_in
    stand_in.close()


@pytest.fixture
def translator_service(translator_server):
    """The session's Translator stand-in with no recorded requests, no queued failures, and the
    default key, region and limits."""
    translator_server.reset()
    yield translator_server
    translator_server.reset()
