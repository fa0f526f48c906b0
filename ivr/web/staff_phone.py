"""The browser phone on the real line, for signed-in staff only: /staff/phone/.

With Twilio settings, the line's own /voice webhooks are Twilio's. Each must carry Twilio's
signature, so a web page cannot ring them. It must not either: a call placed there would ring
the real advisers and be counted in the usage figures. So the page rings a line of its own. The
app factory builds it on first use (`staff_phone_line` in ivr/__init__.py). It is a local
preview with the real line's content, audio and adviser hours, but:
- no Twilio settings: its Twilio is a switchboard of its own, so nothing is sent to Twilio and
  no real phone rings;
- pretend advisers;
- a scratch database;
- no usage figures.

It answers under /staff/phone/ and never listens on a socket of its own. The only way in is
this blueprint, behind the staff gate (gate.py), which has checked that the person is signed in
and, for a POST, the CSRF token the page sends in X-CSRFToken. Each request is handed over
marked (ivr.local.STAFF_PHONE), which the preview line reads as "asked from this computer".
Its answers come back with no cookie: the real line's session is the only one.

One process: the switchboard holds a call's wait in memory, so option 9 can be tried here only
when the line runs one worker process (WEB_CONCURRENCY=1). With more, the page says so.
"""
from __future__ import annotations

import threading
from io import BytesIO
from typing import Callable
from urllib.parse import urlencode

from flask import Blueprint, Flask, abort, current_app, request
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

from .. import local

ROOT = "/staff/phone"
PARTS = ("phone", "voice", "audio")  # what the page asks its line for: not that line's own staff pages
CSRF_TOKEN = "ivr.staff_phone.csrf"  # WSGI environ key: the real line's token, for the page to send back
METHODS = ["GET", "HEAD", "POST"]

bp = Blueprint("staff_phone", __name__, url_prefix=ROOT)


class Sandbox:
    """The staff phone's line: built by `build` on first use, once in each worker process."""

    def __init__(self, build: Callable[[], Flask]):
        self.build, self.line, self.lock = build, None, threading.Lock()

    def app(self) -> Flask:
        with self.lock:
            if self.line is None:
                self.line = self.build()
            return self.line


@bp.route("/", defaults={"rest": ""}, methods=METHODS)
@bp.route("/<path:rest>", methods=METHODS)
def forward(rest: str):
    """Hand a request the gate let in to the staff phone's line, and give back its answer."""
    if rest and rest.partition("/")[0] not in PARTS:
        abort(404)
    environ = dict(request.environ)
    environ.pop("HTTP_COOKIE", None)  # the staff session is this line's business, not the preview's
    body = _body()
    environ.update({local.STAFF_PHONE: True, "wsgi.input": BytesIO(body), "CONTENT_LENGTH": str(len(body))})
    if not rest:
        environ[CSRF_TOKEN] = generate_csrf()
    answer = Response.from_app(current_app.extensions["staff_phone"].app(), environ, buffered=True)
    answer.headers.remove("Set-Cookie")
    return answer


def _body() -> bytes:
    """The request's body as it was sent. The gate's CSRF check has already read a form, so a
    form is sent on as it was parsed."""
    if request.mimetype == "application/x-www-form-urlencoded":
        return urlencode(list(request.form.items(multi=True))).encode()
    return request.get_data()
