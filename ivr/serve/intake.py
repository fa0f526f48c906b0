"""Read each webhook's body before the app does, and refuse cheaply what Twilio never sends.

A WSGI layer between the request log and the Flask app, for POSTs under /voice, so every
webhook route is covered, whoever adds it. Each step is cheaper than the next one it saves:

1. no X-Twilio-Signature header (when signatures are checked): 403, before the body is read;
2. a declared length over MAX_BODY_BYTES: 413, before the body is read;
3. a body that cannot be read (broken chunked encoding, a client gone mid-body): 400;
4. more than MAX_FIELDS fields, or one longer than MAX_FIELD_BYTES: 413, before any parsing;
5. a body that is not a form as Twilio sends one (not URL-encoded ASCII, a broken %-escape,
   a field without `=`, not UTF-8 once decoded): 400, before the app parses it.

What passes goes on to the app already in memory, so Flask parses it once and the signature
check (ivr/line/webhooks.py) computes one HMAC on it. A refusal writes the reason to the
request log and nothing else: no byte of the body reaches any log line.
"""
from __future__ import annotations

import io
import re
from urllib.parse import unquote_to_bytes

from . import requestlog

# Twilio's voice webhooks carry about 40 fields of a few hundred bytes at most (CallToken and
# StirPassportToken are the long ones); these limits leave a wide margin above that.
MAX_BODY_BYTES = 64 * 1024
MAX_FIELDS = 100
MAX_FIELD_BYTES = 16 * 1024
FORM = "application/x-www-form-urlencoded"
_URLENCODED = re.compile(rb"(?:[A-Za-z0-9*\-._~!$'(),;:@/?+=&]|%[0-9A-Fa-f]{2})*")
_REASONS = {400: "400 Bad Request", 403: "403 Forbidden", 413: "413 Content Too Large"}


class Refused(Exception):
    def __init__(self, status: int, reason: str):
        self.status, self.reason = status, reason


class Intake:
    """WSGI middleware: bounded, whole-body reads and cheap refusals for the webhooks."""

    def __init__(self, wsgi_app, signatures: bool, prefix: str = "/voice"):
        self.wsgi_app = wsgi_app
        self.signatures = signatures  # False only in development mode, without a token
        self.prefix = prefix

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") != "POST" or not (path == self.prefix or path.startswith(self.prefix + "/")):
            return self.wsgi_app(environ, start_response)
        try:
            if self.signatures and not environ.get("HTTP_X_TWILIO_SIGNATURE"):
                raise Refused(403, "signature")
            body = read_body(environ)
            check_form(body, environ.get("CONTENT_TYPE", ""))
        except Refused as refused:
            requestlog.note_environ(environ, refused=refused.reason)
            return refuse(start_response, refused.status)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["wsgi.input_terminated"] = False
        return self.wsgi_app(environ, start_response)


def read_body(environ) -> bytes:
    """The whole body, at most MAX_BODY_BYTES of it, or Refused."""
    declared = environ.get("CONTENT_LENGTH") or ""
    if declared:
        if not declared.isdigit():
            raise Refused(400, "body")
        if int(declared) > MAX_BODY_BYTES:
            raise Refused(413, "size")
        want = int(declared)
    elif environ.get("wsgi.input_terminated"):  # chunked: the server ends the stream
        want = MAX_BODY_BYTES + 1
    else:
        return b""  # no length and no end: WSGI says there is no body to read
    stream, chunks, got = environ["wsgi.input"], [], 0
    try:
        while got < want:
            chunk = stream.read(want - got)
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    except Exception:  # noqa: BLE001 - broken chunked encoding, a reset: the server's message quotes the bytes
        raise Refused(400, "body") from None
    if got > MAX_BODY_BYTES:
        raise Refused(413, "size")
    if declared and got < want:
        raise Refused(400, "body")  # the client stopped before the length it declared
    return b"".join(chunks)


def check_form(body: bytes, content_type: str) -> None:
    """Refused unless `body` is a small URL-encoded form of UTF-8 text, as Twilio sends."""
    if not body:
        return
    if content_type.split(";")[0].strip().lower() != FORM:
        raise Refused(400, "body")
    if body.count(b"&") >= MAX_FIELDS:  # counted in C, before a single field is split out
        raise Refused(413, "fields")
    fields = body.split(b"&")
    if max(map(len, fields)) > MAX_FIELD_BYTES:
        raise Refused(413, "size")
    if not _URLENCODED.fullmatch(body):
        raise Refused(400, "body")
    for field in fields:
        if b"=" not in field:
            raise Refused(400, "body")
        try:
            unquote_to_bytes(field.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(400, "body") from None


def refuse(start_response, status: int):
    text = _REASONS[status].encode() + b"\n"
    start_response(_REASONS[status], [("Content-Type", "text/plain; charset=utf-8"),
                                      ("Content-Length", str(len(text)))])
    return [text]
