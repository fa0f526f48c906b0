"""GET /healthz for a load balancer or uptime check: did the content and the audio load?

Not a Twilio webhook, so not signed; it tells only about the line, never about calls.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from .adviser import all_prompts
from .flow import RATES

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    svc = current_app.extensions["ivr"]
    languages = {lang: _language(svc, content) for lang, content in svc.contents.items()}
    # The app only exists once every content file loaded, so answering at all means content is in.
    return jsonify(status="ok", content="loaded", languages=languages)


def _language(svc, content) -> dict:
    prompts = all_prompts(content, svc.settings)
    current = {}
    for rate in RATES:
        try:
            current[rate] = sum(svc.audio.status(content.language, rate, p) == "current" for p in prompts)
        except Exception:  # noqa: BLE001 - an unreadable audio index means <Say>, not a failed check
            current[rate] = None
    return {"prompts": len(prompts), "audio_current": current}
