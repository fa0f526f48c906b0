"""Ringing the advisers: one REST call each, their state in the database, and how a wait ends.

The webhooks answer from the database at once; every request to Twilio's REST API (placing a
call, hanging one up, deleting the queue) is handed to `background`, off the webhook's critical
path. Any worker on any server can answer any webhook: what they share is the wait's row.

Twilio's documentation, and what follows here:
- Calls resource, create: To, From (a Twilio number of the account: SERVICE_NUMBER, so advisers
  never see the caller's), Url (the whisper), Timeout (the ring time; "for some call flows, we will
  add a 5-second buffer"), StatusCallback with StatusCallbackEvent "completed". Calls beyond the
  account's calls-per-second rate (1 unless raised) are queued: the tenth adviser rings ~9 s late.
  https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource
- Calls resource, update: "canceled will attempt to hang up calls that are queued or ringing";
  "completed will attempt to hang up a call even if it's already in progress"; a call cancelled
  while queued fires no status callback, so a leg hung up here is marked ended here.
- Queue resource: queues persist and "inactive Queues should be deleted"; only an empty one can be.
  https://www.twilio.com/docs/voice/api/queue-resource
"""
from __future__ import annotations

import json
import logging
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

import requests
from sqlalchemy.exc import SQLAlchemyError
from twilio.base.exceptions import TwilioException, TwilioRestException

from ..settings import Settings
from ..store import waits
from ..store.database import Database
from .outcomes import Outcome

API_TIMEOUT_SECONDS = 4   # a request to Twilio's API that takes longer has failed
PLACE_SECONDS = 5         # no adviser's call taken by Twilio within this: the API is down or slow
TWILIO_BUFFER_SECONDS = 5  # what Twilio may add to a call's Timeout
WHISPER_SECONDS = 8       # how long an adviser's phone has to press 1 once it answers
JOIN_SECONDS = 30         # an adviser pressed 1 but Twilio never joined the caller: give up after this
log = logging.getLogger("ivr.advisers")
_quiet = logging.getLogger("ivr.advisers.http")
_quiet.setLevel(logging.WARNING)  # twilio's client logs each request's URL (with the account SID) at INFO


@dataclass(frozen=True)
class LegCall:
    """What to ask Twilio for, to ring one adviser."""
    position: int
    to: str
    url: str
    status_callback: str


def limit_seconds(settings: Settings) -> float:
    """How long a wait may ring before the caller is told no adviser could answer: the ring time,
    the calls-per-second spread, Twilio's buffer, and a whisper begun just before the end."""
    return settings.ring_seconds + max(len(settings.advisers) - 1, 0) + TWILIO_BUFFER_SECONDS + WHISPER_SECONDS


def verdict(view: waits.WaitView, now: float, settings: Settings) -> Outcome | None:
    """How a ringing wait must end now, or None to go on ringing."""
    if view.state == waits.OVER:
        return Outcome(view.outcome)
    since = now - (view.ringing_since or view.started)
    if view.state == waits.CONNECTED:  # an adviser pressed 1; only a join that never came ends it
        return Outcome.ADVISER_SERVICE_FAILED if since >= limit_seconds(settings) + JOIN_SECONDS else None
    if view.state != waits.RINGING:
        return None
    if view.legs and all(leg.status == waits.NOT_PLACED for leg in view.legs):
        return Outcome.ADVISER_SERVICE_FAILED
    if not any(leg.call_sid for leg in view.legs) and since >= PLACE_SECONDS:
        return Outcome.ADVISER_SERVICE_FAILED
    if view.legs and not view.live():
        return Outcome.NO_ADVISER_ANSWERED
    if since >= limit_seconds(settings):
        return Outcome.WAIT_LIMIT_REACHED
    return None


class Background:
    """A few threads of this process for the REST requests; made on first use in each worker
    (gunicorn loads the app before it forks, and threads do not survive a fork)."""

    def __init__(self, threads: int = 4):
        self.threads = threads
        self._pool: ThreadPoolExecutor | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def __call__(self, job: Callable, *args) -> None:
        with self._lock:
            if self._pid != os.getpid():
                self._pool, self._pid = ThreadPoolExecutor(self.threads, thread_name_prefix="advisers"), os.getpid()
        self._pool.submit(_run, job, args)


def _run(job: Callable, args: tuple) -> None:
    try:
        job(*args)
    except Exception:  # noqa: BLE001 - a background job must never take the worker down
        log.exception("adviser job failed")


class Ringer:
    """The adviser service: the wait's state in the database, and the advisers' calls through Twilio."""

    def __init__(self, settings: Settings, database: Database | None, http_client=None,
                 background: Callable | None = None):
        self.settings, self.database = settings, database
        self.background = background or Background()
        self._http_client = http_client
        self._client = None
        self._client_pid = 0

    def client(self):
        """Twilio's REST client (twilio.rest.Client), made once in each process; None without an
        account SID. Imported here: it is large, and only a worker that rings advisers needs it."""
        s = self.settings
        if not s.account_sid:
            return None
        if self._client is None or self._client_pid != os.getpid():
            from twilio.http.http_client import TwilioHttpClient
            from twilio.rest import Client

            http = self._http_client or TwilioHttpClient(timeout=API_TIMEOUT_SECONDS, logger=_quiet)
            self._client = Client(s.api_key or s.account_sid, s.api_secret or s.auth_token, s.account_sid,
                                  http_client=http)
            self._client_pid = os.getpid()
        return self._client

    # -- The caller's side -----------------------------------------------------------------
    def open(self, now: float) -> str | None:
        """The caller pressed 9: a new wait's token (also its queue's name), or None if the
        database cannot be written (the caller then hears the no-adviser path)."""
        token = secrets.token_urlsafe(16)
        try:
            waits.open_wait(self.database, token, now)
        except SQLAlchemyError as exc:
            self._log_failure(f"the line's database could not be written ({type(exc).__name__})")
            return None
        return token

    def waiting(self, token: str, queue_sid: str, now: float, legs: Callable[[], list[LegCall]]) -> Outcome | None:
        """A wait page is asked for: ring the advisers the first time; how the wait ends, or None."""
        view = waits.read(self.database, token)
        if view is None:
            return Outcome.ADVISER_SERVICE_FAILED
        if view.state == waits.WAITING:
            if waits.start_ringing(self.database, token, queue_sid, now, len(self.settings.advisers)):
                self.background(self._ring, token, legs())
            return None
        outcome = verdict(view, now, self.settings)
        if outcome is not None and view.state != waits.OVER:
            self.decide(token, outcome, view, also_from=(view.state,))
        return outcome

    def decide(self, token: str, outcome: Outcome, view: waits.WaitView | None = None,
               also_from: tuple[str, ...] = ()) -> None:
        """End a ringing wait this way, once, and hang up every phone still ringing for it."""
        if waits.finish(self.database, token, outcome.value, also_from):
            view = waits.read(self.database, token) or view
            if view is not None:
                self.hang_up(token, view.live())
                if outcome is Outcome.ADVISER_SERVICE_FAILED:
                    self._log_failure(view.problem or f"Twilio took no adviser's call within {PLACE_SECONDS} s")

    def stop(self, token: str) -> None:
        """Star while it rang: the caller's choice wins even over an adviser pressing 1 just now."""
        if waits.finish(self.database, token, Outcome.CALLER_STOPPED_WAITING.value, also_from=(waits.CONNECTED,)):
            view = waits.read(self.database, token)
            if view is not None:
                self.hang_up(token, view.live())

    def caller_left(self, token: str, queue_result: str) -> Outcome:
        """Twilio's <Enqueue action>: the caller's side of the wait is over. Its rows go."""
        view = waits.close(self.database, token) if token else None
        if view is not None:
            self.hang_up(token, [leg for leg in view.live() if leg.position != view.winner])
            if view.queue_sid:
                self.background(self._delete_queue, view.queue_sid)
        if queue_result == "bridged":
            return Outcome.CONNECTED
        if queue_result == "hangup":
            return Outcome.CALLER_HUNG_UP
        if queue_result == "leave" and view is not None and view.outcome:
            return Outcome(view.outcome)
        return Outcome.ADVISER_SERVICE_FAILED  # error, system-error, queue-full, redirected, or an unknown wait

    def through(self, token: str) -> None:
        """An adviser took the caller out of the queue: it is empty now, so delete it at once."""
        view = waits.read(self.database, token)
        if view is not None and view.queue_sid:
            self.background(self._delete_queue, view.queue_sid)

    # -- The advisers' side ----------------------------------------------------------------
    def answered(self, token: str, position: int) -> str | None:
        """An adviser's phone answered: the wait's state (None when it is over and gone)."""
        return waits.answered(self.database, token, position)

    def accept(self, token: str, position: int) -> str:
        """An adviser pressed 1: 'won' (and the others are hung up), 'taken' or 'gone'."""
        if waits.claim(self.database, token, position):
            view = waits.read(self.database, token)
            if view is not None:
                self.hang_up(token, [leg for leg in view.live() if leg.position != position])
            return "won"
        view = waits.read(self.database, token)
        return "taken" if view is not None and view.state == waits.CONNECTED else "gone"

    def not_joined(self, token: str, position: int) -> None:
        """The winner's <Dial><Queue> ended without a conversation: the wait is not theirs."""
        waits.unclaim(self.database, token, position)

    def leg_status(self, token: str, position: int, status: str) -> None:
        if status in ("completed", "busy", "no-answer", "failed", "canceled"):
            waits.leg_ended(self.database, token, position, status)

    # -- Twilio's REST API, in the background ----------------------------------------------
    def hang_up(self, token: str, legs: list[waits.LegView]) -> None:
        targets = [(leg.position, leg.call_sid, leg.state) for leg in legs if leg.call_sid]
        if targets:
            self.background(self._hang_up, token, targets)

    def _ring(self, token: str, legs: list[LegCall]) -> None:
        client = self.client()
        for leg in legs:
            view = waits.read(self.database, token)
            if view is None or view.state != waits.RINGING:
                return  # the wait ended while the others were placed
            if client is None:
                waits.not_placed(self.database, token, leg.position, "TWILIO_ACCOUNT_SID is not set")
                continue
            try:
                call = client.calls.create(
                    to=leg.to, from_=self.settings.service_number, url=leg.url, method="POST",
                    timeout=self.settings.ring_seconds, status_callback=leg.status_callback,
                    status_callback_method="POST", status_callback_event=["completed"], record=False)
            except (TwilioException, requests.RequestException) as exc:
                waits.not_placed(self.database, token, leg.position, reason(exc))
                continue
            if not waits.placed(self.database, token, leg.position, call.sid):
                self._hang_up(token, [(leg.position, call.sid, waits.PLACED)])  # ended while Twilio took it
        view = waits.read(self.database, token)
        if view is not None and view.state == waits.RINGING:
            failed = [leg for leg in view.legs if leg.status == waits.NOT_PLACED]
            if len(failed) == len(view.legs):
                self.decide(token, Outcome.ADVISER_SERVICE_FAILED, view)
            elif failed:
                log.warning(json.dumps({"advisers": "some not rung", "not rung": len(failed), "of": len(view.legs),
                                        "why": view.problem}))

    def _hang_up(self, token: str, targets: list[tuple[int, str, str]]) -> None:
        client = self.client()
        for position, sid, state in targets:
            status = "completed" if state == waits.ANSWERED else "canceled"
            try:
                client.calls(sid).update(status=status)
            except (TwilioException, requests.RequestException) as exc:
                log.warning(json.dumps({"advisers": "a phone could not be hung up", "why": reason(exc)}))
                continue
            waits.leg_ended(self.database, token, position, status)

    def _delete_queue(self, queue_sid: str) -> None:
        try:
            self.client().queues(queue_sid).delete()
        except (TwilioException, requests.RequestException, AttributeError) as exc:
            # Not empty yet (the caller is being joined) or already gone: the last step tries again.
            log.debug("queue not deleted: %s", reason(exc) if not isinstance(exc, AttributeError) else "no client")

    def _log_failure(self, why: str) -> None:
        """The one line that says why advisers could not be rung: never a caller's number or SID."""
        log.warning(json.dumps({"advisers": "not rung", "why": why, "phones": len(self.settings.advisers)}))


# Twilio's error codes staff are likely to meet, and what to check.
HINTS = {20003: "check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or the API key and secret)",
         20429: "too many requests at once (Twilio's rate limit)",
         21210: "SERVICE_NUMBER is not a number of this Twilio account",
         21211: "an ADVISER_NUMBERS number is not a valid phone number",
         21215: "the account may not call this country (Twilio's geographic permissions)"}


def reason(exc: Exception) -> str:
    """Why a request to Twilio failed, in words safe for a log (no URL: it holds the account SID)."""
    if isinstance(exc, TwilioRestException):
        hint = HINTS.get(exc.code) or ("check the Twilio credentials" if exc.status == 401 else "")
        return f"Twilio refused the request: HTTP {exc.status}, error {exc.code}" + (f": {hint}" if hint else "")
    if isinstance(exc, requests.Timeout):
        return f"Twilio's API did not answer within {API_TIMEOUT_SECONDS} s"
    if isinstance(exc, requests.ConnectionError):
        return "Twilio's API could not be reached"
    return f"the request to Twilio failed ({type(exc).__name__})"
