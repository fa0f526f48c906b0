"""One structured line per request, for operators: where in the call, which key, how it went.

Only what is in the URL the line itself made (path, node) and the key pressed is logged: never a
form field such as From or Caller, never a body, so no caller's number reaches a log.
"""
from __future__ import annotations

import json
import logging
import time

from flask import Request

log = logging.getLogger("ivr.requests")
QUIET_PATHS = ("/healthz",)  # polled every few seconds by a load balancer: debug level only
FIELDS = "ivr.log"  # the WSGI environ key under which a view notes what its line should say


class RequestLog:
    """WSGI middleware around the Flask app: times each request and logs its line.

    Outside Flask, so every answer is logged the same way, refusals (403, 404, 405) and error
    pages included, at the cost of one wrapper rather than two request hooks.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        line = environ[FIELDS] = {"path": environ.get("PATH_INFO", ""), "node": None, "key": None,
                                  "status": 500}

        def start(status: str, headers, exc_info=None):
            line["status"] = int(status[:3])
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, start)
        finally:
            line["ms"] = round((time.perf_counter() - started) * 1000, 2)
            write(line)


def note(request: Request, **fields) -> None:
    """Add to this request's log line: node, key, and why it was refused or how a call ended."""
    note_environ(request.environ, **fields)


def note_environ(environ: dict, **fields) -> None:
    """The same, for a WSGI layer that has no Flask request (ivr/serve/intake.py)."""
    environ.setdefault(FIELDS, {}).update(fields)


def write(line: dict) -> None:
    try:
        level = (logging.DEBUG if line["path"] in QUIET_PATHS
                 else logging.WARNING if line["status"] >= 400 else logging.INFO)
        if log.isEnabledFor(level):
            log.log(level, json.dumps(line, ensure_ascii=True))  # JSON: a key cannot forge a log line
    except Exception:  # noqa: BLE001 - a log line must never cost a caller their answer
        pass
