"""One structured line per request, for operators: where in the call, which key, how it went.

Only what is in the URL the line itself made (path, node) and the key pressed is logged: never a
form field such as From or Caller, never a body, so no caller's number reaches a log.
"""
from __future__ import annotations

import json
import logging
import time

from flask import Flask, Response, g, request

log = logging.getLogger("ivr.requests")
QUIET_PATHS = ("/healthz",)  # polled every few seconds by a load balancer: debug level only


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_log)


def _start() -> None:
    g.started = time.perf_counter()


def _log(response: Response) -> Response:
    try:
        line = {"path": request.path, "node": g.get("node"), "key": g.get("key"),
                "status": response.status_code,
                "ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 2)}
        for extra in ("refused", "outcome"):
            if g.get(extra):
                line[extra] = g.get(extra)
        level = (logging.DEBUG if request.path in QUIET_PATHS
                 else logging.WARNING if response.status_code >= 400 else logging.INFO)
        if log.isEnabledFor(level):
            log.log(level, json.dumps(line, ensure_ascii=True))  # JSON: a key cannot forge a log line
    except Exception:  # noqa: BLE001 - a log line must never cost a caller their answer
        pass
    return response
