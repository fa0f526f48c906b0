"""Twilio's voice webhooks: read the request, check its signature, call the flow, return TwiML."""
from __future__ import annotations

import functools
import logging
from datetime import datetime, timezone

from flask import Blueprint, Response, abort, current_app, g, request, url_for
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from . import adviser, flow
from .flow import Line, Where
from .speech import Speaker

bp = Blueprint("voice", __name__, url_prefix="/voice")
log = logging.getLogger("ivr.webhooks")


def service():
    return current_app.extensions["ivr"]


def public_base() -> str:
    """Our address as Twilio sees it: the setting, not whatever a proxy handed to us."""
    return service().settings.public_base_url or request.host_url.rstrip("/")


def public_url() -> str:
    """The URL Twilio signed."""
    query = request.query_string.decode("latin-1")
    return public_base() + request.path + (f"?{query}" if query else "")


@bp.before_request
def check_signature():
    settings = service().settings
    if not settings.auth_token:
        return None  # development mode, announced loudly at start-up
    signature = request.headers.get("X-Twilio-Signature", "")
    params = request.form.to_dict(flat=True) if request.method == "POST" else {}
    if not signature or not RequestValidator(settings.auth_token).validate(public_url(), params, signature):
        log.warning("refused a request with a missing or wrong signature: %s", request.path)
        abort(403)
    return None


def twiml(response: VoiceResponse) -> Response:
    return Response(str(response), mimetype="text/xml")


def where() -> Where:
    svc = service()
    here = Where.from_query(request.args, svc.contents, svc.settings.default_language)
    g.node = here.node
    return here


def line_for(here: Where) -> Line:
    svc = service()
    content = svc.contents[here.lang]
    public = public_base()

    def link(endpoint: str, at: Where, **extra) -> str:
        return public + url_for(endpoint, **at.query(), **extra)

    return Line(content, Speaker(content, here.rate, svc.audio), link)


def digits() -> str:
    g.key = request.form.get("Digits", "")[:8]
    return g.key


def now() -> datetime:
    return service().clock() if service().clock else datetime.now(timezone.utc)


def caller_error() -> VoiceResponse:
    return flow.error(line_for(Where()), Where())


def voice_view(fn, on_error=caller_error):
    """Run a webhook; on any unexpected error answer with `on_error()`: for a caller, how to get help."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return twiml(fn(*args, **kwargs))
        except HTTPException:
            raise
        except Exception:  # noqa: BLE001 - a caller must never hear "an application error"
            log.exception("webhook failed: %s", request.path)
            return twiml(on_error())
    return wrapper


def adviser_leg_view(fn):
    """An adviser's leg fails closed: on any error that leg is hung up, never joined unchecked."""
    return voice_view(fn, on_error=adviser.refuse)


@bp.post("")
@voice_view
def answer():
    return flow.answer(line_for(here := where()), here)


@bp.post("/key")
@voice_view
def key():
    here = where()
    line = line_for(here)
    return flow.keypress(line, here, digits(),
                         adviser=lambda at: adviser.offer(line, service().settings, at, now()))


@bp.post("/silence")
@voice_view
def silence():
    return flow.silence(line_for(here := where()), here)


@bp.post("/fallback")
@voice_view
def fallback():
    return flow.error(line_for(here := where()), here)


@bp.post("/status")
def status():
    # Only the outcome, never who called.
    log.info("call ended: status=%s duration=%s", request.form.get("CallStatus", "?"),
             request.form.get("CallDuration", "?"))
    return Response(status=204)


@bp.post("/adviser")
@voice_view
def adviser_offer():
    return adviser.offer(line_for(here := where()), service().settings, here, now())


@bp.post("/adviser/done")
@voice_view
def adviser_done():
    here = where()
    form = request.form
    return adviser.dial_ended(line_for(here), service().settings, here,
                              dial_status=form.get("DialCallStatus", ""),
                              call_status=form.get("CallStatus", ""),
                              bridged=form.get("DialBridged", "").lower() == "true")


@bp.post("/adviser/choice")
@voice_view
def adviser_choice():
    here = where()
    return adviser.choice(line_for(here), service().settings, here, digits(), now())


@bp.post("/adviser/silence")
@voice_view
def adviser_silence():
    here = where()
    return adviser.choice(line_for(here), service().settings, here, "", now())


@bp.post("/adviser/screen")
@adviser_leg_view
def adviser_screen():
    return adviser.screen(line_for(here := where()), here)


@bp.post("/adviser/accept")
@adviser_leg_view
def adviser_accept():
    return adviser.accept(digits())
