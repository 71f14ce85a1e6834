"""GraphQL answers over HTTP are encoded by orjson (homeroom.routes.json_text, issue 17 Speed):
the same JSON the standard library gave, as text, and what orjson cannot encode still encodes."""

from __future__ import annotations

import json

from homeroom.routes.json_text import json_text


def test_issue_17_answers_encode_to_the_same_json_as_before():
    answer = {"data": {"viewer": {"id": "VXNlcjox", "firstName": "Zoë", "note": "line\nbreak \u2028 \"quoted\"",
                                  "count": 3, "ratio": 0.25, "missing": None, "flags": [True, False]}},
              "errors": [{"message": "Not found", "path": ["node", 0], "extensions": {"code": "NOT_FOUND"}}]}
    text = json_text(answer)
    assert isinstance(text, str)  # a WebSocket frame stays a text frame
    assert json.loads(text) == answer


def test_issue_17_a_value_orjson_refuses_falls_back_to_the_standard_library():
    assert json_text({"extensions": {"big": 2**70}}) == '{"extensions":{"big":1180591620717411303424}}'
    assert json.loads(json_text({"at": [1, 2**64, "é"]})) == {"at": [1, 2**64, "é"]}
