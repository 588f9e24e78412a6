"""Text the database cannot store (NUL characters, lone UTF-16 surrogates) is refused at
the door with BAD_USER_INPUT, instead of failing deep in a query as an internal error."""

from __future__ import annotations

import json
import re
from typing import Any

from django.http import HttpRequest, JsonResponse

_SUSPECT = re.compile(rb"\\u0000|\x00|\\u[dD][89abAB]|\\u[dD][c-fC-F]")


def _bad_string(value: str) -> bool:
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _contains_bad_text(value: Any) -> bool:
    if isinstance(value, str):
        return _bad_string(value)
    if isinstance(value, dict):
        return any(_contains_bad_text(k) or _contains_bad_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_contains_bad_text(item) for item in value)
    return False


def unsafe_text_rejection(request: HttpRequest) -> JsonResponse | None:
    raw = request.body if request.method == "POST" else request.META.get("QUERY_STRING", "")
    raw_bytes = raw if isinstance(raw, bytes) else raw.encode()
    if request.method == "GET":
        suspect = any(_bad_string(v) for values in request.GET.lists() for v in values[1])
    elif not _SUSPECT.search(raw_bytes):
        return None
    elif request.content_type == "application/json":
        try:
            suspect = _contains_bad_text(json.loads(raw_bytes))
        except ValueError:
            return None  # not JSON: strawberry answers that itself
    else:
        operations = request.POST.get("operations", "")
        try:
            suspect = _contains_bad_text(json.loads(operations)) if operations else False
        except ValueError:
            return None
    if not suspect:
        return None
    return JsonResponse(
        {
            "data": None,
            "errors": [
                {
                    "message": "Text may not contain NUL characters or unpaired surrogates.",
                    "extensions": {"code": "BAD_USER_INPUT"},
                }
            ],
        },
        status=400,
    )
