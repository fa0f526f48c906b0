"""Twilio's voice webhooks: check the signature, read where the caller is, call the flow, return TwiML.

Each webhook reads Flask's request and app once and hands plain values on: after the guidance
pages were cached, Flask's context-local look-ups were one of the larger costs left in a webhook.
"""
from __future__ import annotations

import functools
import hmac
import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable
from urllib.parse import urlsplit, urlunsplit

from flask import Blueprint, Flask, Request, Response, abort, current_app, request
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException, InternalServerError

from . import adviser, figures, flow, languages, outcomes, safety, screening, waiting
from .. import local
from ..serve import requestlog
from ..store import waits
from .flow import Line, Where
from .outcomes import Outcome
from .ringing import LegCall

if TYPE_CHECKING:
    from .service import Service

bp = Blueprint("voice", __name__, url_prefix="/voice")
log = logging.getLogger("ivr.webhooks")
# Documents played to an adviser's phone, not the caller's.
ADVISER_LEG = {"voice.adviser_screen", "voice.adviser_accept", "voice.adviser_after"}
IN_QUEUE = {"voice.adviser_wait", "voice.adviser_wait_key"}  # the caller is waiting in a queue
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,32}")  # a wait's token, as ringing.Ringer.open makes them
MAX_DIGITS = 8  # Twilio sends one key (numDigits=1); more is kept short for the flow and the log


@bp.before_request
def check_signature():
    """Every /voice request, whichever view answers it: 403 unless Twilio signed this URL and body,
    or, in the local preview (no Twilio token, so nothing is signed), unless it was made on this computer.

    With a token, the body has already been read, bounded and checked by ivr/serve/intake.py; a
    request with no signature header never got this far.
    """
    svc = current_app.extensions["ivr"]
    req = request._get_current_object()  # one context look-up for the reads below
    if svc.validator is None:
        if local.local_preview(svc.settings, req):
            return None
        requestlog.note(req, refused="not-this-computer")
        abort(403)
    signature = req.headers.get("X-Twilio-Signature", "")
    if not (signature and signed_by_twilio(svc.validator, signing_url(svc, req), req.form, signature)):
        requestlog.note(req, refused="signature")  # nothing of the request is read further
        abort(403)
    return None


@functools.lru_cache(maxsize=16)
def signing_base(base: str) -> str:
    """`base` as Twilio signs it: an https URL without :443 (an http one without :80)."""
    parts = urlsplit(base)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    if parts.port is None or parts.port != default:
        return base
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit(":", 1)[0]))


def signing_url(svc, req: Request) -> str:
    """The URL Twilio signed: PUBLIC_BASE_URL (never what the request or a proxy says), with a
    default port left out as Twilio leaves it out."""
    query = req.query_string.decode("latin-1")
    return signing_base(svc.settings.public_base_url) + req.path + (f"?{query}" if query else "")


class Fields(dict):
    """A form as twilio's validator reads it fastest: each name with every value it was sent.

    The validator asks a form for `getall(name)` first; werkzeug's MultiDict has only `getlist`,
    so without this each field costs the validator a raised and caught AttributeError.
    """

    def getall(self, name: str) -> list[str]:
        return self[name]


def signed_by_twilio(validator, url: str, form, signature: str) -> bool:
    """Every value of every field, as Twilio signs them (repeated fields included), in one HMAC.

    One URL, not twilio's validate(), which tries it with and without a port (three HMACs when
    the signature is wrong): every URL Twilio calls is one the line made from PUBLIC_BASE_URL.
    """
    if not signature:
        return False
    expected = validator.compute_signature(url, Fields(form.lists()))
    return hmac.compare_digest(expected.encode(), signature.encode())


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


def build_page(svc, step: str, here: Where, key: str) -> tuple[str, figures.Counts]:
    """The page as text, and what it adds to the usage figures (both the same for every caller)."""
    return (render(GUIDANCE_PAGES[step](svc, here, key)),
            figures.page_counts(svc.contents, step, here, key))


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

    def adviser_line(self) -> Line:
        """The line as an adviser's phone hears it: in the line's own language, at the usual
        speed, whatever the caller chose; an adviser who cannot follow it could never take the call."""
        return self.svc.line(replace(self.here, lang=self.settings.default_language, rate=flow.RATES[0]))

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

    def token(self) -> str:
        """The wait this request is about ('' for none or a malformed one)."""
        token = self.request.args.get("wait", "")
        return token if TOKEN.fullmatch(token) else ""

    def number(self, name: str, below: int = 1000) -> int | None:
        """A small whole number from the URL (a leg's position, a wait page's count), else None."""
        value = self.request.args.get(name, "")
        return int(value) if value.isascii() and value.isdigit() and int(value) < below else None

    def page(self, step: str, key: str = "") -> str:
        # Keyed by the Service in force (one swapped in, in tests, gets fresh pages) and by the
        # audio's generation (a file deleted under a running line is spoken with <Say> at once).
        page, counts = self.pages(id(self.svc), self.svc.audio.generation(), step, self.here, key)
        self.svc.figures.count(*counts)  # in memory: no database in a webhook's answer
        return page


def safe_answer() -> str:
    """What to send when a webhook fails: help for a caller, a hang-up for an adviser's phone."""
    if request.endpoint in ADVISER_LEG:
        return safety.ADVISER_LEG_HANGUP
    if request.endpoint in IN_QUEUE:
        return safety.LEAVE_QUEUE
    if request.endpoint == "voice.adviser_through":
        return safety.JOIN_NOW
    figures.error_page()
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
        return offer(hook, replace(hook.here, misses=0))
    return hook.page("language", pressed)


@bp.post("/key")
@webhook
def key(hook: Webhook):
    pressed = flow.plain_key(hook.digits())
    if pressed in flow.ADVISER_KEYS:
        return offer(hook, replace(hook.here, misses=0))
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
    figures.call_ended(request.form.get("CallDuration", ""))
    return Response(status=204)


# -- Option 9: the caller's side ------------------------------------------------------------

def offer(hook: Webhook, here: Where):
    """9 or 0 (or "try again"): into a queue of one while every adviser is rung, or why not."""
    now = hook.now()
    closed = adviser.unavailable(hook.settings, now)
    if closed is not None:
        outcomes.ended(hook.request, closed)
        return adviser.closed(hook.line, hook.settings, here, now)
    token = hook.svc.ringer.open(now.timestamp())
    if not token:
        outcomes.ended(hook.request, Outcome.ADVISER_SERVICE_FAILED)
        return adviser.no_adviser(hook.line, hook.settings, here)
    return waiting.enqueue(hook.line, here, token)


def adviser_calls(hook: Webhook, token: str) -> list[LegCall]:
    """One call for each adviser: the whisper as its URL, and its own status callback."""
    link, here = hook.line.link, hook.here
    return [LegCall(i, number, link("voice.adviser_screen", here, wait=token, leg=str(i)),
                    link("voice.adviser_leg", here, wait=token, leg=str(i)))
            for i, number in enumerate(hook.settings.advisers)]


@bp.post("/adviser")
@webhook
def adviser_offer(hook: Webhook):
    return offer(hook, hook.here)


@bp.post("/adviser/wait")
@webhook
def adviser_wait(hook: Webhook):
    """Twilio's waitUrl, and each page after it: one ring, unless the wait has ended."""
    token, page = hook.token(), hook.number("ring") or 0
    if not token:
        return waiting.leave()
    ended = hook.svc.ringer.waiting(token, hook.field("QueueSid")[:34], hook.now().timestamp(),
                                    lambda: adviser_calls(hook, token))
    return waiting.leave() if ended else waiting.ring(hook.line, hook.here, token, page)


@bp.post("/adviser/wait/key")
@webhook
def adviser_wait_key(hook: Webhook):
    token, page = hook.token(), hook.number("ring") or 0
    response = waiting.key(hook.line, hook.here, token, page, hook.digits()) if token else None
    if response is None:
        if token:
            hook.svc.ringer.stop(token)
        return waiting.leave()
    return response


@bp.post("/adviser/over")
@webhook
def adviser_over(hook: Webhook):
    """Twilio's <Enqueue action>: the caller is out of the queue, whichever way."""
    outcome = hook.svc.ringer.caller_left(hook.token(), hook.field("QueueResult")[:30])
    outcomes.ended(hook.request, outcome)
    return waiting.over(hook.line, hook.settings, hook.here, outcome, hook.field("CallStatus"))


@bp.post("/adviser/through")
@webhook
def adviser_through(hook: Webhook):
    """<Queue url>: an adviser's <Dial> has taken the caller; nothing to say, join at once."""
    if hook.token():
        hook.svc.ringer.through(hook.token())
    return VoiceResponse()


@bp.post("/adviser/done")
@webhook
def adviser_done(hook: Webhook):
    return adviser.dial_ended(hook.line, hook.settings, hook.here,
                              dial_status=hook.field("DialCallStatus"), call_status=hook.field("CallStatus"),
                              bridged=hook.field("DialBridged").lower() == "true")


@bp.post("/adviser/choice")
@webhook
def adviser_choice(hook: Webhook):
    return adviser.choice(hook.line, hook.settings, hook.here, hook.digits(), lambda here: offer(hook, here))


@bp.post("/adviser/silence")
@webhook
def adviser_silence(hook: Webhook):
    return adviser.choice(hook.line, hook.settings, hook.here, "", lambda here: offer(hook, here))


# -- Option 9: an adviser's phone ------------------------------------------------------------

@bp.post("/adviser/screen")
@webhook
def adviser_screen(hook: Webhook):
    """The Url of the call to an adviser's phone: it answered (a person, or a voicemail)."""
    token, position = hook.token(), hook.number("leg")
    state = hook.svc.ringer.answered(token, position) if token and position is not None else None
    line = hook.adviser_line()
    if state == waits.RINGING:
        return screening.whisper(line, hook.here, token, position)
    return screening.not_wanted(line, "taken" if state == waits.CONNECTED else "gone")


@bp.post("/adviser/accept")
@webhook
def adviser_accept(hook: Webhook):
    """A key in the whisper: 1 from the first adviser joins the caller; any other key declines."""
    token, position = hook.token(), hook.number("leg")
    if hook.digits().strip() != screening.ACCEPT_KEY:
        return screening.hang_up()
    line = hook.adviser_line()
    if not token or position is None:
        return screening.not_wanted(line, "gone")
    join = screening.join(line, hook.here, token, position)  # made first: once claimed, nothing may fail
    result = hook.svc.ringer.accept(token, position)
    return join if result == "won" else screening.not_wanted(line, result)


@bp.post("/adviser/after")
@webhook
def adviser_after(hook: Webhook):
    """The adviser's <Dial><Queue> ended: after the conversation, or because nobody was there."""
    status = hook.field("DialCallStatus")
    token, position = hook.token(), hook.number("leg")
    if status != "completed" and token and position is not None:
        hook.svc.ringer.not_joined(token, position)
    return screening.after(hook.adviser_line(), status)


@bp.post("/adviser/leg")
def adviser_leg():
    """The status callback of an adviser's call: the phone is done (busy, no answer, hung up...)."""
    status = request.form.get("CallStatus", "")[:20]
    requestlog.note(request, outcome=status)
    token, position = request.args.get("wait", ""), request.args.get("leg", "")
    if TOKEN.fullmatch(token) and position.isascii() and position.isdigit() and int(position) < 1000:
        try:
            current_app.extensions["ivr"].ringer.leg_status(token, int(position), status)
        except Exception:  # noqa: BLE001 - Twilio ignores the answer; the wait page has a limit anyway
            log.exception("adviser leg status failed")
    return Response(status=204)
