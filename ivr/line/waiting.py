"""The caller's wait for an adviser: a Twilio queue of one, UK ringing, and star to stop waiting.

Pressing 9 puts the caller straight into a queue named by the wait's random token; the first
wait page says "Connecting you to an adviser..." inside its <Gather>, so advisers' phones start
ringing while the caller hears it, and star works from its first word. Each page after it is one
ring (the built tone, keys live), then a <Redirect> to the next, which is when the line looks at
how the wait stands (so a wait that has ended is noticed within one ring); every seventh page
says again how to stop waiting (about every 20 s).

What Twilio does, from its documentation (https://www.twilio.com/docs/voice/twiml/enqueue):
- <Enqueue> makes the queue if it does not exist; its waitUrl document may use Play, Say, Pause,
  Hangup, Redirect, Leave and Gather, and is requested again whenever it runs out;
- <Leave> takes the caller out; the action URL is then requested at once, with QueueResult
  (leave, hangup, bridged, error, system-error, queue-full, redirected); when an adviser's
  <Dial><Queue> took the caller, only "once the bridged parties disconnect".
"""
from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from .adviser import CALLER_GONE, choices, helpline_prompt, no_adviser
from .content import Prompt
from .flow import BACK_KEY, Line, Where
from .outcomes import Outcome
from ..settings import Settings

RINGBACK_TONE = "ringback-uk"  # made by the audio build (ivr/audio/tones.py)
STOP_KEY = BACK_KEY            # star: stop waiting, as star goes back everywhere else
RING_TIMEOUT_SECONDS = 1       # the keypad listens this long after the tone: the rest of its 2 s gap
REMIND_EVERY = 7               # pages: the reminder about every 20 seconds


def _say(line: Line, key: str) -> Prompt:
    return line.content.prompt(f"adviser.{key}")


def enqueue(line: Line, where: Where, token: str) -> VoiceResponse:
    """Pressing 9, in hours: into a queue of one, named by the wait's token (nothing of the caller's)."""
    response = VoiceResponse()
    response.enqueue(token, action=line.link("voice.adviser_over", where, wait=token), method="POST",
                     wait_url=line.link("voice.adviser_wait", where, wait=token), wait_url_method="POST")
    return response


def ring(line: Line, where: Where, token: str, page: int, before: tuple[Prompt, ...] = ()) -> VoiceResponse:
    """One wait page: words if any, one ring, keys live throughout; then the next page."""
    response = VoiceResponse()
    gather = response.gather(input="dtmf", num_digits=1, timeout=RING_TIMEOUT_SECONDS, finish_on_key="",
                             action=line.link("voice.adviser_wait_key", where, wait=token, ring=str(page)),
                             method="POST", action_on_empty_result=False)
    if page == 0:
        before = (_say(line, "connecting"),)  # and no ring yet: the wait is looked at again once said
    elif page % REMIND_EVERY == 0 and not before:
        before = (_say(line, "stop_waiting"),)
    for prompt in before:
        line.speaker.add(gather, prompt)
    if page:
        line.speaker.tone(gather, RINGBACK_TONE, instead=_say(line, "ringing"))
    response.redirect(line.link("voice.adviser_wait", where, wait=token, ring=str(page + 1)), method="POST")
    return response


def key(line: Line, where: Where, token: str, page: int, digits: str) -> VoiceResponse | None:
    """A key while it rings: None for star (the caller leaves the queue), else "that key does
    nothing here" and how to stop waiting, and the ringing goes on."""
    if digits.strip() == STOP_KEY:
        return None
    return ring(line, where, token, page + 1, before=(line.phrase("wrong_key"), _say(line, "stop_waiting")))


def leave() -> VoiceResponse:
    response = VoiceResponse()
    response.leave()
    return response


def over(line: Line, settings: Settings, where: Where, outcome: Outcome, call_status: str) -> VoiceResponse:
    """The <Enqueue action>: what the caller hears once out of the queue, whichever way the wait ended."""
    response = VoiceResponse()
    if call_status in CALLER_GONE or outcome is Outcome.CALLER_HUNG_UP:
        response.hangup()  # Twilio ignores what is returned once the caller has gone
        return response
    if outcome is Outcome.CONNECTED:
        line.speaker.add(response, line.phrase("goodbye"))
        response.hangup()
        return response
    if outcome is Outcome.CALLER_STOPPED_WAITING:
        return choices(line, where, [_say(line, "stopped"), _say(line, "emergency"),
                                     helpline_prompt(line.content, settings)])
    return no_adviser(line, settings, where)  # nobody answered, the limit, or the service failed
