"""An adviser's phone: the whisper, one key to take the call, and nobody joined without it.

Each adviser is rung by a call of its own (ivr/line/ringing.py) whose Url is the whisper. It names
neither the caller nor their number. Only pressing 1 joins: the first adviser to press it gets
<Dial><Queue>token</Queue></Dial>, which takes the caller out of the queue and joins them; a
voicemail, a switched-off phone or silence hears "No key was pressed" and is hung up, so it
ends only its own call. A call made through the REST API hangs up when its document ends.

<Queue> (https://www.twilio.com/docs/voice/twiml/queue): "If the queue is empty, Dial will wait
until the next person joins the queue or until the <Dial> timeout duration is reached. If the
queue does not exist, Dial will post an error status to its action URL." The line checks the wait
first, so a late press hears why it joins nobody; the Dial's action catches the rest.
"""
from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from .content import Prompt
from .flow import Line, Where
from .ringing import WHISPER_SECONDS

ACCEPT_KEY = "1"
DIAL_QUEUE_SECONDS = 5  # Twilio's shortest <Dial> timeout: how long a late press can wait for nobody


def _say(line: Line, key: str) -> Prompt:
    return line.content.prompt(f"adviser.{key}")


def whisper(line: Line, where: Where, token: str, position: int) -> VoiceResponse:
    """What an adviser's phone hears on answering; no key press ends in <Hangup>."""
    response = VoiceResponse()
    gather = response.gather(input="dtmf", num_digits=1, timeout=WHISPER_SECONDS, finish_on_key="",
                             action=line.link("voice.adviser_accept", where, wait=token, leg=str(position)),
                             method="POST", action_on_empty_result=False)
    line.speaker.add(gather, _say(line, "whisper"))
    line.speaker.add(response, _say(line, "whisper_missed"))
    response.hangup()
    return response


def join(line: Line, where: Where, token: str, position: int) -> VoiceResponse:
    """The first adviser to press 1: take the caller out of the queue and join them."""
    response = VoiceResponse()
    dial = response.dial(action=line.link("voice.adviser_after", where, wait=token, leg=str(position)),
                         method="POST", timeout=DIAL_QUEUE_SECONDS, record="do-not-record")
    dial.queue(token, url=line.link("voice.adviser_through", where, wait=token), method="POST")
    return response


def not_wanted(line: Line, why: str) -> VoiceResponse:
    """A press (or an answer) too late: 'taken' by another adviser, or the caller is 'gone'."""
    response = VoiceResponse()
    line.speaker.add(response, _say(line, why))
    response.hangup()
    return response


def hang_up() -> VoiceResponse:
    response = VoiceResponse()
    response.hangup()
    return response


def after(line: Line, dial_status: str) -> VoiceResponse:
    """The adviser's <Dial> ended: after a conversation, nothing more; else the caller had gone."""
    if dial_status == "completed":
        return hang_up()
    return not_wanted(line, "gone")
