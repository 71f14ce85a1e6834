"""JSON for GraphQL answers over HTTP, encoded by orjson (issue 17 Speed).

A teacher's sections with their students is 23 KB of JSON: the standard library encodes it in
0.21 ms, orjson in 0.03 ms (measured here, 200 times each). The text is compact and stays ``str``:
strawberry's WebSocket adapter sends a view's ``bytes`` as a binary frame, and graphql-transport-ws
clients read text frames.

Whatever orjson does not encode as the standard library did goes to the standard library, with its
old options (``ensure_ascii``): an integer beyond 64 bits, a string holding a lone surrogate
(JSON text may carry ``"\\ud800"``; UTF-8 cannot, so it stays escaped), and dates and dataclasses,
which no answer may carry and which still fail loudly.
"""

from __future__ import annotations

import json

import orjson


#: orjson would encode these itself; the standard library refused them, and so must an answer.
_AS_BEFORE = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def json_text(data: object) -> str:
    """``data`` as compact JSON text."""
    try:
        return orjson.dumps(data, option=_AS_BEFORE).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(data, separators=(",", ":"))
