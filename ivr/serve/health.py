"""GET /healthz for a load balancer or uptime check: did the content and the audio load?

Not a Twilio webhook, so not signed; it tells only about the line, never about calls.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    svc = current_app.extensions["ivr"]
    # The app only exists once every content file loaded, so answering at all means content is in.
    return jsonify(status="ok", content="loaded", languages=svc.audio_counts())
