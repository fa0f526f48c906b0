"""TwiML to text without building an ElementTree first.

twilio's `str(response)` turns its tree into ElementTree elements and serialises those, which
was the largest cost of a webhook (about 150 us of 470). This writes the same bytes directly;
tests/test_robustness.py checks it matches `str(response)` for every document the line sends
and for arbitrary text and attributes.
"""
from __future__ import annotations

import json
from xml.sax.saxutils import escape

from twilio.twiml import TwiML

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
_ATTRIBUTE = {'"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"}  # as ElementTree escapes them


def render(document: TwiML) -> str:
    out = [DECLARATION]
    _write(document, out)
    return "".join(out)


def _write(node: TwiML, out: list[str]) -> None:
    out.append("<" + node.name)
    for name in sorted(node.attrs):
        value = node.attrs[name]
        value = str(value).lower() if isinstance(value, bool) else str(value)
        out.append(f' {name}="{escape(value, _ATTRIBUTE)}"')
    text = json.dumps(node.value) if isinstance(node.value, dict) else node.value
    if not text and not node.verbs:
        out.append(" />")
        return
    out.append(">")
    if text:
        out.append(escape(text))
    for verb in node.verbs:
        if isinstance(verb, str):
            out.append(escape(verb))
        else:
            _write(verb, out)
    out.append(f"</{node.name}>")
