"""Decode untrusted JSON with a bounded nesting depth (webhook bodies, JSON in strings).

Python's decoder recurses once per nesting level: about a thousand levels raise
RecursionError, and fewer can still exhaust the stack of whatever serialises the
value again later (the JSON columns, the drain). Meta's webhooks nest about a
dozen levels deep, so anything past MAX_DEPTH is not a webhook: the intake
refuses it with 400, the drain and the parser keep it raw instead of failing.
"""

import json
from typing import Any

MAX_DEPTH = 64


class JsonTooDeep(ValueError):
    """The JSON is nested deeper than we accept."""


def load_json(data: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """Decode JSON; raise ValueError if it is invalid or nested deeper than max_depth."""
    try:
        value = json.loads(data)
    except RecursionError as error:
        raise JsonTooDeep("JSON nested too deeply") from error
    raw = data.encode() if isinstance(data, str) else data
    # Cheap bound first: each level needs an opening bracket, so a body with
    # few of them (nearly every webhook) needs no walk at all.
    if raw.count(b"[") + raw.count(b"{") > max_depth and not within_depth(
        value, max_depth
    ):
        raise JsonTooDeep(f"JSON nested deeper than {max_depth} levels")
    return value


def within_depth(value: Any, max_depth: int) -> bool:
    """Whether no object or array lies deeper than max_depth (iterative, linear)."""
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            return False
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return True
