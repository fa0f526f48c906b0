"""TwiML to text without building an ElementTree first.

twilio's `str(response)` turns its tree into ElementTree elements and serialises those, which
was the largest cost of a webhook (about 150 us of 470). This writes the same bytes directly;
tests/test_robustness.py checks it matches `str(response)` for every document the line sends
and for arbitrary text and attributes.
"""
from __future__ import annotations

import json
import re

from twilio.twiml import TwiML

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
# As ElementTree escapes them. Most text needs nothing, so look before replacing.
_TEXT = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_ATTRIBUTE = {**_TEXT, '"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"}
_TEXT_RX, _ATTRIBUTE_RX = re.compile("[&<>]"), re.compile('[&<>"\r\n\t]')


def _text(value: str) -> str:
    return _TEXT_RX.sub(lambda m: _TEXT[m.group()], value) if _TEXT_RX.search(value) else value


def _attribute(value: str) -> str:
    return _ATTRIBUTE_RX.sub(lambda m: _ATTRIBUTE[m.group()], value) if _ATTRIBUTE_RX.search(value) else value


def render(document: TwiML) -> str:
    out = [DECLARATION]
    _write(document, out)
    return "".join(out)


def _write(node: TwiML, out: list[str]) -> None:
    out.append("<" + node.name)
    for name in sorted(node.attrs):
        value = node.attrs[name]
        value = str(value).lower() if isinstance(value, bool) else str(value)
        out.append(f' {name}="{_attribute(value)}"')
    text = json.dumps(node.value) if isinstance(node.value, dict) else node.value
    if not text and not node.verbs:
        out.append(" />")
        return
    out.append(">")
    if text:
        out.append(_text(text))
    for verb in node.verbs:
        if isinstance(verb, str):
            out.append(_text(verb))
        else:
            _write(verb, out)
    out.append(f"</{node.name}>")
