"""Twilio's voice webhooks: read the request, check its signature, call the flow, return TwiML."""
from __future__ import annotations

import functools
import hmac
import logging
from dataclasses import replace
from datetime import datetime, timezone

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

from . import adviser, flow, safety
from .flow import Line, Where

bp = Blueprint("voice", __name__, url_prefix="/voice")
log = logging.getLogger("ivr.webhooks")
# Documents played to an adviser's phone, not the caller's.
ADVISER_LEG = {"voice.adviser_screen", "voice.adviser_accept"}
MAX_DIGITS = 8  # Twilio sends one key (numDigits=1); more is kept short for the flow and the log


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
    validator = service().validator
    if validator is None:
        return None  # development mode, announced loudly at start-up
    try:
        valid = signed_by_twilio(validator, request.headers.get("X-Twilio-Signature", ""))
    except RequestEntityTooLarge:
        valid = False  # larger than any body Twilio sends: not Twilio
    if not valid:
        g.refused = "signature"  # the request log says so; nothing of the request is read further
        abort(403)
    return None


def signed_by_twilio(validator, signature: str) -> bool:
    """Every value of every field, as Twilio signs them (repeated fields included)."""
    if not signature:
        return False
    url, form = public_url(), request.form
    # The exact URL first, with one HMAC; twilio's validate() also tries it with and without a port.
    expected = validator.compute_signature(url, form)
    return hmac.compare_digest(expected.encode(), signature.encode()) or validator.validate(url, form, signature)


def render(response: VoiceResponse) -> str:
    return str(response)


def twiml(response: VoiceResponse | str) -> Response:
    return Response(response if isinstance(response, str) else render(response), mimetype="text/xml")


# A guidance page depends only on where the caller is, the key pressed and the start-up content
# (never on who calls or when), so each one is built once per process and then served as text.
# The adviser path depends on the clock and is always built fresh.
GUIDANCE_PAGES = {
    "answer": lambda line, here, key: flow.answer(line, here),
    "key": lambda line, here, key: flow.keypress(line, here, key),
    "silence": lambda line, here, key: flow.silence(line, here),
    "fallback": lambda line, here, key: flow.error(line, here),
}
PAGE_CACHE_SIZE = 4096  # more than every node x misses x key x language x rate


def build_page(svc, step: str, here: Where, key: str, base: str) -> str:
    return render(GUIDANCE_PAGES[step](svc.line(here), here, key))


def guidance_page(step: str, here: Where, key: str = "") -> str:
    # Keyed by the Service in force too, so one swapped in (new audio, in tests) gets fresh pages.
    return current_app.extensions["ivr_pages"](id(service()), step, here, key, public_base())


def where() -> Where:
    svc = service()
    here = Where.from_query(request.args, svc.contents, svc.settings.default_language)
    g.node, g.lang = here.node, here.lang
    return here


def line_for(here: Where) -> Line:
    return service().line(here)


def digits() -> str:
    g.key = request.form.get("Digits", "")[:MAX_DIGITS]
    return g.key


def now() -> datetime:
    return service().clock() if service().clock else datetime.now(timezone.utc)


def safe_answer() -> str:
    """What to send when a webhook fails: help for a caller, a hang-up for an adviser's phone."""
    if request.endpoint in ADVISER_LEG:
        return safety.ADVISER_LEG_HANGUP
    return safety.error_page(current_app.extensions.get("ivr"), g.get("lang"))


def voice_view(fn):
    """Run a webhook; on any unexpected error the caller still hears how to get help."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return twiml(fn(*args, **kwargs))
        except HTTPException:
            raise
        except Exception:  # noqa: BLE001 - a caller must never hear "an application error"
            log.exception("webhook failed: %s", request.path)
            return twiml(safe_answer())
    return wrapper


def init_app(app: Flask) -> None:
    """Whatever escapes a view (or a hook around it) still gets a safe answer, never a 500 page."""
    app.extensions["ivr_pages"] = functools.lru_cache(maxsize=PAGE_CACHE_SIZE)(
        lambda service_id, *page: build_page(app.extensions["ivr"], *page))

    @app.errorhandler(InternalServerError)
    def last_resort(error):
        return twiml(safe_answer()) if request.blueprint == bp.name else error


@bp.post("")
@voice_view
def answer():
    return guidance_page("answer", where())


@bp.post("/key")
@voice_view
def key():
    here, pressed = where(), flow.plain_key(digits())
    if pressed in flow.ADVISER_KEYS:
        return adviser.offer(line_for(here), service().settings, replace(here, misses=0), now())
    return guidance_page("key", here, pressed)


@bp.post("/silence")
@voice_view
def silence():
    return guidance_page("silence", where())


@bp.post("/fallback")
@voice_view
def fallback():
    return guidance_page("fallback", where())


@bp.post("/status")
def status():
    # Only the outcome goes to the request log, never who called. Twilio ignores this answer.
    g.outcome = request.form.get("CallStatus", "?")[:20]
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
@voice_view
def adviser_screen():
    return adviser.screen(line_for(here := where()), here)


@bp.post("/adviser/accept")
@voice_view
def adviser_accept():
    return adviser.accept(digits())


