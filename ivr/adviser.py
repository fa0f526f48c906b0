"""Option 9: reach a live adviser safely.

Advisers are rung together with the service's own number as caller ID; each adviser's
leg hears a whisper and must press 1 before the call is joined, so a personal voicemail
can never take a caller. Every way a <Dial> can end leads the caller somewhere.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import phonenumbers
from twilio.twiml.voice_response import VoiceResponse

from .content import Content, Prompt
from .flow import Line, Where, at_node
from .settings import UK, Opening, Settings

WHISPER_TIMEOUT_SECONDS = 8
ACCEPT_KEY = "1"
TRY_AGAIN_KEY, GUIDANCE_KEY, NUMBER_AGAIN_KEY = "1", "2", "3"


def is_open(settings: Settings, now: datetime) -> bool:
    """Whether advisers answer at `now` (any aware datetime), judged on the UK clock."""
    local = now.astimezone(UK)
    if local.date() in settings.closed_days:
        return False
    return any(local.weekday() in o.days and o.opens <= local.time() < o.closes for o in settings.hours)


def _clock(t) -> str:
    hour = t.hour % 12 or 12
    minutes = f":{t.minute:02d}" if t.minute else ""
    return f"{hour}{minutes}{'am' if t.hour < 12 else 'pm'}"


def _days(content: Content, opening: Opening) -> str:
    names = [content.weekdays[d] for d in opening.days]
    if len(names) > 2 and list(opening.days) == list(range(opening.days[0], opening.days[-1] + 1)):
        return content.adviser["day_range"].format(first=names[0], last=names[-1])
    return ", ".join(names)


def hours_prompt(content: Content, settings: Settings) -> Prompt:
    text = " ".join(content.adviser["hours"].format(days=_days(content, o), opens=_clock(o.opens),
                                                    closes=_clock(o.closes)) for o in settings.hours)
    return Prompt("adviser.hours", text)


def spoken_number(content: Content, number: str) -> str:
    """'0808 2000 247' -> 'oh eight oh eight, two oh oh oh, two four seven', grouped as the setting groups it."""
    groups = number.split()
    if len(groups) < 2:  # not grouped in the setting: group it the usual national way
        parsed = phonenumbers.parse(number, "GB")
        groups = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL).split()
    return ", ".join(" ".join(content.digits[int(d)] for d in g if d.isdigit()) for g in groups)


def helpline_prompt(content: Content, settings: Settings) -> Prompt:
    return Prompt("adviser.helpline",
                  content.adviser["helpline"].format(number=spoken_number(content, settings.helpline_number)))


def derived_prompts(content: Content, settings: Settings) -> list[Prompt]:
    """Prompts made from settings as well as content (so the audio build can include them)."""
    return [hours_prompt(content, settings), helpline_prompt(content, settings)]


def _say(line: Line, key: str) -> Prompt:
    return line.content.prompt(f"adviser.{key}")


def offer(line: Line, settings: Settings, where: Where, now: datetime) -> VoiceResponse:
    """The caller pressed 9: ring the advisers, or explain when they answer."""
    if not settings.advisers or not is_open(settings, now):
        return at_node(line, where, before=(
            _say(line, "closed"), hours_prompt(line.content, settings), _say(line, "emergency"),
            helpline_prompt(line.content, settings)))
    response = VoiceResponse()
    line.speaker.add(response, _say(line, "connecting"))
    dial = response.dial(
        action=line.link("voice.adviser_done", where), method="POST",
        timeout=settings.ring_seconds,
        caller_id=settings.service_number,  # advisers see the line's number, never the caller's
        answer_on_bridge=True, ring_tone="uk", hangup_on_star=True,
        record="do-not-record")
    screen = line.link("voice.adviser_screen", where)
    for adviser in settings.advisers:
        if adviser.startswith("sip:"):
            dial.sip(adviser, url=screen, method="POST")
        elif adviser.startswith("client:"):
            dial.client(adviser.removeprefix("client:"), url=screen, method="POST")
        else:
            dial.number(adviser, url=screen, method="POST")
    return response


def dial_ended(line: Line, settings: Settings, where: Where, dial_status: str, call_status: str,
               bridged: bool) -> VoiceResponse:
    """Twilio's <Dial> action: how the attempt to reach an adviser ended."""
    response = VoiceResponse()
    if call_status in ("completed", "canceled"):
        return response  # the caller has hung up; nothing more to say
    if dial_status == "completed" and bridged:
        line.speaker.add(response, line.phrase("goodbye"))
        response.hangup()
        return response
    return no_adviser(line, settings, where)


def no_adviser(line: Line, settings: Settings, where: Where, first: tuple[str, ...] = ("no_answer",)) -> VoiceResponse:
    prompts = [_say(line, k) for k in first]
    prompts += [_say(line, "emergency"), helpline_prompt(line.content, settings)]
    return choices(line, settings, where, prompts)


def choices(line: Line, settings: Settings, where: Where, before: list[Prompt]) -> VoiceResponse:
    prompts = [*before, _say(line, "try_again"), _say(line, "to_guidance"), _say(line, "number_again")]
    return line.gather(where, prompts, action="voice.adviser_choice", silence="voice.adviser_silence")


def choice(line: Line, settings: Settings, where: Where, digits: str, now: datetime) -> VoiceResponse:
    """After no adviser could answer: try again, back to the guidance, or the number again."""
    key = digits.strip()
    fresh = replace(where, misses=0)
    if key in (TRY_AGAIN_KEY, "9", "0"):
        return offer(line, settings, fresh, now)
    if key in (GUIDANCE_KEY, "*"):
        return at_node(line, fresh)
    if key == NUMBER_AGAIN_KEY:
        return choices(line, settings, fresh, [helpline_prompt(line.content, settings)])
    if key == "#":
        return no_adviser(line, settings, fresh)
    if not key:
        return choices(line, settings, where, [])
    return choices(line, settings, replace(where, misses=min(where.misses + 1, 9)),
                   [line.phrase("wrong_key")])


def screen(line: Line, where: Where) -> VoiceResponse:
    """What an adviser's phone hears on answering: a whisper, and one key to take the call."""
    response = VoiceResponse()
    gather = response.gather(input="dtmf", num_digits=1, timeout=WHISPER_TIMEOUT_SECONDS,
                             finish_on_key="", action=line.link("voice.adviser_accept", where),
                             method="POST", action_on_empty_result=False)
    line.speaker.add(gather, _say(line, "whisper"))
    # Silence here is likely a voicemail greeting: hang up so it never takes the caller.
    line.speaker.add(response, _say(line, "whisper_missed"))
    response.hangup()
    return response


def accept(digits: str) -> VoiceResponse:
    """The adviser pressed a key: an empty document joins the call; anything but 1 declines."""
    response = VoiceResponse()
    if digits.strip() != ACCEPT_KEY:
        response.hangup()
    return response
