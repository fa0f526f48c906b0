"""Twilio's voice webhooks: check the signature, read where the caller is, call the flow, return TwiML.

Each webhook reads Flask's request and app once and hands plain values on: after the guidance
pages were cached, Flask's context-local look-ups were one of the larger costs left in a webhook.
"""
from __future__ import annotations

import functools
import hmac
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable

from flask import Blueprint, Flask, Request, Response, abort, current_app, request
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

from . import adviser, flow, languages, safety
from ..serve import requestlog
from .flow import Line, Where

if TYPE_CHECKING:
    from .service import Service

bp = Blueprint("voice", __name__, url_prefix="/voice")
log = logging.getLogger("ivr.webhooks")
# Documents played to an adviser's phone, not the caller's.
ADVISER_LEG = {"voice.adviser_screen", "voice.adviser_accept"}
MAX_DIGITS = 8  # Twilio sends one key (numDigits=1); more is kept short for the flow and the log


def public_base(svc, req: Request) -> str:
    """Our address as Twilio sees it: the setting, not whatever a proxy handed to us."""
    return svc.settings.public_base_url or req.host_url.rstrip("/")


def public_url(svc, req: Request) -> str:
    """The URL Twilio signed."""
    query = req.query_string.decode("latin-1")
    return public_base(svc, req) + req.path + (f"?{query}" if query else "")


@bp.before_request
def check_signature():
    """Every /voice request, whichever view answers it: 403 unless Twilio signed this URL and body."""
    svc = current_app.extensions["ivr"]
    if svc.validator is None:
        return None  # development mode, announced loudly at start-up
    req = request._get_current_object()  # one context look-up for the reads below
    try:
        valid = signed_by_twilio(svc.validator, public_url(svc, req), req.form,
                                 req.headers.get("X-Twilio-Signature", ""))
    except RequestEntityTooLarge:
        valid = False  # larger than any body Twilio sends: not Twilio
    if not valid:
        requestlog.note(req, refused="signature")  # nothing of the request is read further
        abort(403)
    return None


class Fields(dict):
    """A form as twilio's validator reads it fastest: each name with every value it was sent.

    The validator asks a form for `getall(name)` first; werkzeug's MultiDict has only `getlist`,
    so without this each field costs the validator a raised and caught AttributeError.
    """

    def getall(self, name: str) -> list[str]:
        return self[name]


def signed_by_twilio(validator, url: str, form, signature: str) -> bool:
    """Every value of every field, as Twilio signs them (repeated fields included)."""
    if not signature:
        return False
    fields = Fields(form.lists())
    # The exact URL first, with one HMAC; twilio's validate() also tries it with and without a port.
    expected = validator.compute_signature(url, fields)
    return hmac.compare_digest(expected.encode(), signature.encode()) or validator.validate(url, fields, signature)


def render(response: VoiceResponse) -> str:
    return str(response)


def twiml(response: VoiceResponse | str) -> Response:
    return Response(response if isinstance(response, str) else render(response), mimetype="text/xml")


# A guidance page depends only on where the caller is, the key pressed and the start-up content
# (never on who calls or when), so each one is built once per process and then served as text.
# The adviser path depends on the clock and is always built fresh.
GUIDANCE_PAGES = {
    "answer": lambda svc, here, key: languages.start(svc.lines(here), here),
    "language": lambda svc, here, key: languages.chosen(svc.lines(here), here, key),
    "key": lambda svc, here, key: flow.keypress(svc.line(here), here, key),
    "silence": lambda svc, here, key: flow.silence(svc.line(here), here),
    "fallback": lambda svc, here, key: flow.error(svc.line(here), here),
}
PAGE_CACHE_SIZE = 8192  # every node x misses x key x rate is about 3,000 pages a language


def build_page(svc, step: str, here: Where, key: str, base: str) -> str:
    return render(GUIDANCE_PAGES[step](svc, here, key))


def where(svc, req: Request) -> Where:
    here = Where.from_query(req.args.to_dict(), svc.contents, svc.settings.default_language)
    requestlog.note(req, node=here.node)
    return here


@dataclass(frozen=True)
class Webhook:
    """One request from Twilio, read once: what every view needs to answer it."""
    svc: Service
    here: Where
    request: Request
    pages: Callable[..., str]  # the app's page cache (init_app)

    @property
    def line(self) -> Line:
        return self.svc.line(self.here)

    @property
    def settings(self):
        return self.svc.settings

    def field(self, name: str) -> str:
        return self.request.form.get(name, "")

    def digits(self) -> str:
        key = self.field("Digits")[:MAX_DIGITS]
        requestlog.note(self.request, key=key)
        return key

    def now(self) -> datetime:
        return self.svc.clock() if self.svc.clock else datetime.now(timezone.utc)

    def page(self, step: str, key: str = "") -> str:
        # Keyed by the Service in force (one swapped in, in tests, gets fresh pages) and by the
        # audio's generation (a file deleted under a running line is spoken with <Say> at once).
        return self.pages(id(self.svc), self.svc.audio.generation(), step, self.here, key,
                          public_base(self.svc, self.request))


def safe_answer() -> str:
    """What to send when a webhook fails: help for a caller, a hang-up for an adviser's phone."""
    if request.endpoint in ADVISER_LEG:
        return safety.ADVISER_LEG_HANGUP
    return safety.error_page(current_app.extensions.get("ivr"), request.args.get("lang"))


def webhook(view):
    """Run a webhook view on the request read once; on any unexpected error the caller still
    hears how to get help."""
    @functools.wraps(view)
    def answer():
        req, app = request._get_current_object(), current_app._get_current_object()
        try:
            svc = app.extensions["ivr"]
            return twiml(view(Webhook(svc, where(svc, req), req, app.extensions["ivr_pages"])))
        except HTTPException:
            raise
        except Exception:  # noqa: BLE001 - a caller must never hear "an application error"
            log.exception("webhook failed: %s", req.path)
            return twiml(safe_answer())
    return answer


def init_app(app: Flask) -> None:
    """Whatever escapes a view (or a hook around it) still gets a safe answer, never a 500 page."""
    app.extensions["ivr_pages"] = functools.lru_cache(maxsize=PAGE_CACHE_SIZE)(
        lambda service_id, audio_generation, *page: build_page(app.extensions["ivr"], *page))

    @app.errorhandler(InternalServerError)
    def last_resort(error):
        return twiml(safe_answer()) if request.blueprint == bp.name else error


@bp.post("")
@webhook
def answer(hook: Webhook):
    return hook.page("answer")


@bp.post("/language")
@webhook
def language(hook: Webhook):
    pressed = flow.plain_key(hook.digits())
    if pressed in flow.ADVISER_KEYS:  # 9 works from the first second, in the default language
        return adviser.offer(hook.line, hook.settings, replace(hook.here, misses=0), hook.now())
    return hook.page("language", pressed)


@bp.post("/key")
@webhook
def key(hook: Webhook):
    pressed = flow.plain_key(hook.digits())
    if pressed in flow.ADVISER_KEYS:
        return adviser.offer(hook.line, hook.settings, replace(hook.here, misses=0), hook.now())
    return hook.page("key", pressed)


@bp.post("/silence")
@webhook
def silence(hook: Webhook):
    return hook.page("silence")


@bp.post("/fallback")
@webhook
def fallback(hook: Webhook):
    return hook.page("fallback")


@bp.post("/status")
def status():
    # Only the outcome goes to the request log, never who called. Twilio ignores this answer.
    requestlog.note(request, outcome=request.form.get("CallStatus", "?")[:20])
    return Response(status=204)


@bp.post("/adviser")
@webhook
def adviser_offer(hook: Webhook):
    return adviser.offer(hook.line, hook.settings, hook.here, hook.now())


@bp.post("/adviser/done")
@webhook
def adviser_done(hook: Webhook):
    return adviser.dial_ended(hook.line, hook.settings, hook.here,
                              dial_status=hook.field("DialCallStatus"), call_status=hook.field("CallStatus"),
                              bridged=hook.field("DialBridged").lower() == "true")


@bp.post("/adviser/choice")
@webhook
def adviser_choice(hook: Webhook):
    return adviser.choice(hook.line, hook.settings, hook.here, hook.digits(), hook.now())


@bp.post("/adviser/silence")
@webhook
def adviser_silence(hook: Webhook):
    return adviser.choice(hook.line, hook.settings, hook.here, "", hook.now())


@bp.post("/adviser/screen")
@webhook
def adviser_screen(hook: Webhook):
    # The adviser hears the whisper in the line's own language, at the usual speed, whatever
    # the caller chose: an adviser who cannot follow it could never take the call.
    usual = replace(hook.here, lang=hook.settings.default_language, rate=flow.RATES[0])
    return adviser.screen(hook.svc.line(usual), hook.here)


@bp.post("/adviser/accept")
@webhook
def adviser_accept(hook: Webhook):
    return adviser.accept(hook.digits())
