"""Every way a caller's request for an adviser can end, named once, so figures can count them.

Each request (a press of 9 or 0, or "try again") ends in exactly one of these, decided by the
webhook that ends it, which passes it to `ended`: that puts it on the request's log line and
counts it in the usage figures.
"""
from __future__ import annotations

from enum import Enum

from flask import Request

from ..serve import requestlog
from . import figures


class Outcome(str, Enum):
    CONNECTED = "connected"                             # an adviser pressed 1 and the caller was joined
    NO_ADVISER_ANSWERED = "no adviser answered"         # every phone ended: busy, no answer, voicemail, declined
    CALLER_STOPPED_WAITING = "caller stopped waiting"   # star while it rang
    CALLER_HUNG_UP = "caller hung up"                   # while it rang, before anyone was joined
    WAIT_LIMIT_REACHED = "wait limit reached"           # the ring time passed with no one joined
    OUTSIDE_HOURS = "outside hours"                     # outside ADVISER_HOURS, or no ADVISER_NUMBERS at all
    CLOSED_DAY = "closed day"                           # an ADVISER_CLOSED_DAYS date
    ADVISER_SERVICE_FAILED = "adviser service failed"   # Twilio's REST API or its queue could not be used


def ended(request: Request, outcome: Outcome) -> None:
    """A request for an adviser ended this way: noted on the request's log line, and counted."""
    requestlog.note(request, adviser=outcome.value)
    figures.adviser_outcome(outcome.value)
