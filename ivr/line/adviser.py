"""Option 9: reach a live adviser safely.

Advisers are rung together with the service's own number as caller ID; each adviser's
leg hears a whisper and must press 1 before the call is joined, so a personal voicemail
can never take a caller. Every way a <Dial> can end leads the caller somewhere.

What Twilio does, from its documentation, and what follows for this line:
- <Dial action> receives DialCallStatus (completed, busy, no-answer, failed, canceled;
  'answered' is for conferences only), DialCallSid, DialCallDuration and DialBridged.
  https://www.twilio.com/docs/voice/twiml/dial#action
- A leg hung up during screening still reports DialCallStatus=completed; only
  DialBridged=true says the caller was joined to an adviser (TwiML changelog, Dial 2020.12.09:
  "to distinguish the cases where the child call was hung up during screening vs bridged").
  https://www.twilio.com/docs/voice/twiml/changelog
  So "completed" without DialBridged=true takes the no-adviser path, never the goodbye.
- hangupOnStar is documented for a connected call, and reports 'completed'; a star while
  it still rings is not described. Either way the Dial ends without a bridge here, so the
  caller lands on the no-adviser choices (where star or 2 go back to the guidance), and can
  never ring advisers again without that path in between.
  https://www.twilio.com/docs/voice/twiml/dial#hanguponstar
- The screening url runs on the adviser's leg after they answer and before the join; with
  answerOnBridge the caller keeps hearing ringing meanwhile; the join happens when that
  document ends, so silence there must end in <Hangup>.
  https://www.twilio.com/docs/voice/twiml/number#attributes-url
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timezone

import phonenumbers
from twilio.twiml.voice_response import Dial, VoiceResponse

from . import figures
from .content import MAIN, Content, Prompt
from .flow import (ADVISER_KEYS, AGAIN_KEY, BACK_KEY, MAIN_MENU_KEY, MAX_MISSES, Line, Link, Where,
                   at_node)
from ..settings import END_OF_DAY, UK, Settings

WHISPER_TIMEOUT_SECONDS = 8
ACCEPT_KEY = "1"
TRY_AGAIN_KEY, GUIDANCE_KEY, NUMBER_AGAIN_KEY = "1", "2", "3"
# CallStatus values that mean the caller has gone; Twilio ignores TwiML returned then.
CALLER_GONE = ("completed", "canceled", "busy", "failed", "no-answer")


def uk_time(now: datetime) -> datetime:
    """`now` on the UK clock (Europe/London, so GMT or BST); a clock without a zone is taken as UTC."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return now.astimezone(UK)


def is_open(settings: Settings, now: datetime) -> bool:
    """Whether `now` is within adviser hours, judged on the UK clock, and not a closed day."""
    local = uk_time(now)
    if local.date() in settings.closed_days:
        return False
    return any(local.weekday() in o.days and o.opens <= local.time() < o.closes for o in settings.hours)


def answering(settings: Settings, now: datetime) -> bool:
    """Whether to ring advisers: someone to ring, our own number to show them, and open now."""
    return bool(settings.advisers and settings.service_number) and is_open(settings, now)


# -- Saying hours, days and numbers (all words come from the content file) -------------------

def _part_of_day(t: time) -> str:
    if t.hour == 0 or t.hour >= 21:
        return "night"
    if t.hour < 12:
        return "morning"
    return "afternoon" if t.hour < 18 else "evening"


def spoken_time(content: Content, t: time) -> str:
    """09:00 -> 'nine in the morning', 17:30 -> 'half past five in the afternoon', 12:00 -> 'midday'."""
    words = content.adviser
    if t in (time(0), END_OF_DAY):
        return words["midnight"]
    if t == time(12):
        return words["midday"]
    hours = [h.strip() for h in words["clock_hours"].split(",")]
    if t.minute == 45:
        said = words["quarter_to"].format(hour=hours[(t.hour + 1) % 12])
    else:
        pattern = {0: "on_the_hour", 15: "quarter_past", 30: "half_past"}[t.minute]
        said = words[pattern].format(hour=hours[t.hour % 12])
    return words[_part_of_day(t)].format(time=said)


def spoken_days(content: Content, days: tuple[int, ...]) -> str:
    """(0..4) -> 'Monday to Friday'; (0, 2, 4) -> 'Monday, Wednesday and Friday'."""
    names = [content.weekdays[d] for d in days]
    if len(names) > 2 and list(days) == list(range(days[0], days[-1] + 1)):
        return content.adviser["day_range"].format(first=names[0], last=names[-1])
    if len(names) == 1:
        return names[0]
    return content.adviser["day_list"].format(others=", ".join(names[:-1]), last=names[-1])


def hours_prompt(content: Content, settings: Settings) -> Prompt | None:
    """The adviser hours in plain words, or None when there are no hours to say."""
    if not settings.hours:
        return None
    text = " ".join(content.adviser["hours"].format(
        days=spoken_days(content, o.days), opens=spoken_time(content, o.opens),
        closes=spoken_time(content, o.closes)) for o in settings.hours)
    return Prompt("adviser.hours", text, content.lines.get("adviser.hours", 0))


def spoken_number(content: Content, number: str) -> str:
    """'0808 2000 247' -> 'oh, eight, oh, eight. two, oh, oh, oh. two, four, seven': slowly,
    a pause after every digit and a longer one between the groups the setting uses."""
    groups = number.split()
    if len(groups) < 2 or not number.startswith("0"):
        # Not grouped, or written internationally (+44 ...): say it as a caller in the UK dials it.
        parsed = phonenumbers.parse(number, "GB")
        groups = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL).split()
    return ". ".join(", ".join(content.digits[int(d)] for d in g if d.isdigit()) for g in groups)


def helpline_prompt(content: Content, settings: Settings) -> Prompt:
    return Prompt("adviser.helpline",
                  content.adviser["helpline"].format(number=spoken_number(content, settings.helpline_number)),
                  content.lines.get("adviser.helpline", 0))


def derived_prompts(content: Content, settings: Settings) -> list[Prompt]:
    """Prompts made from settings as well as content (so the audio build can include them)."""
    return [p for p in (hours_prompt(content, settings), helpline_prompt(content, settings)) if p]


def all_prompts(content: Content, settings: Settings) -> list[Prompt]:
    """Every prompt the line can say in this language: the content's, then those made from settings."""
    return [*content.prompts(), *derived_prompts(content, settings)]


def _say(line: Line, key: str) -> Prompt:
    return line.content.prompt(f"adviser.{key}")


# -- The caller's side -----------------------------------------------------------------------

def offer(line: Line, settings: Settings, where: Where, now: datetime) -> VoiceResponse:
    """The caller pressed 9: ring the advisers, or say when they answer."""
    if not answering(settings, now):
        figures.adviser_outcome("closed day" if uk_time(now).date() in settings.closed_days else "outside hours")
        return closed(line, settings, where, now)
    response = VoiceResponse()
    line.speaker.add(response, _say(line, "connecting"))
    ring_advisers(response, line.link, settings, where)
    return response


def closed(line: Line, settings: Settings, where: Where, now: datetime) -> VoiceResponse:
    """Out of hours (or no advisers): the hours, the emergency advice, the helpline, then the guidance."""
    prompts = [_say(line, "closed")]
    if settings.advisers and settings.service_number:  # hours mean nothing with nobody to ring
        if uk_time(now).date() in settings.closed_days:
            prompts.append(_say(line, "closed_today"))
        hours = hours_prompt(line.content, settings)
        prompts += [hours] if hours else []
    prompts += [_say(line, "emergency"), helpline_prompt(line.content, settings)]
    # In a section, the choices follow, not the whole section again: a minute of guidance
    # after all this would keep the caller too long from a key press.
    return at_node(line, where, full=False, before=tuple(prompts))


def ring_advisers(response: VoiceResponse, link: Link, settings: Settings, where: Where) -> Dial:
    """One <Dial> ringing every adviser at once, each leg screened by the whisper."""
    dial = response.dial(
        action=link("voice.adviser_done", where), method="POST",
        timeout=settings.ring_seconds,  # Twilio allows 5-600 s and adds about 5 s (dial#timeout)
        caller_id=settings.service_number,  # advisers see the line's number, never the caller's (dial#callerid)
        answer_on_bridge=True,  # the caller hears ringing, not silence, during the whisper (number#attributes-url)
        ring_tone="uk",  # Twilio's own UK ringback, never music or a network's message (dial#ringtone)
        hangup_on_star=True,  # star goes back (dial#hanguponstar)
        record="do-not-record")  # Twilio's default too, said out loud so nobody changes it (dial#record)
    screen = link("voice.adviser_screen", where)
    for adviser in settings.advisers:
        if adviser.startswith("sip:"):
            dial.sip(adviser, url=screen, method="POST")
        elif adviser.startswith("client:"):
            dial.client(adviser.removeprefix("client:"), url=screen, method="POST")
        else:
            dial.number(adviser, url=screen, method="POST")
    return dial


def dial_ended(line: Line, settings: Settings, where: Where, dial_status: str, call_status: str,
               bridged: bool) -> VoiceResponse:
    """Twilio's <Dial> action: how the attempt to reach an adviser ended.

    Never returns another <Dial>: ringing again always takes a key press on the no-adviser choices.
    """
    response = VoiceResponse()
    if call_status in CALLER_GONE:
        figures.adviser_outcome("connected" if bridged else "caller stopped waiting")
        response.hangup()  # the caller hung up; Twilio has already ended the adviser legs
        return response
    if bridged:  # a conversation happened (DialCallStatus completed)
        figures.adviser_outcome("connected")
        line.speaker.add(response, line.phrase("goodbye"))
        response.hangup()
        return response
    figures.adviser_outcome("no adviser answered")  # a star while it rings too: Twilio reports it alike
    return no_adviser(line, settings, where)  # busy, no-answer, failed, canceled, or completed unbridged


def no_adviser(line: Line, settings: Settings, where: Where) -> VoiceResponse:
    prompts = [_say(line, "no_answer"), _say(line, "emergency"), helpline_prompt(line.content, settings)]
    return choices(line, where, prompts)


def choices(line: Line, where: Where, before: list[Prompt]) -> VoiceResponse:
    prompts = [*before, _say(line, "try_again"), _say(line, "to_guidance"), _say(line, "number_again")]
    return line.gather(where, prompts, action="voice.adviser_choice", silence="voice.adviser_silence")


def choice(line: Line, settings: Settings, where: Where, digits: str, now: datetime) -> VoiceResponse:
    """After no adviser could answer: try again, back to the guidance, or the number again."""
    key = digits.strip()
    fresh = replace(where, misses=0)
    if key in (TRY_AGAIN_KEY, *ADVISER_KEYS):
        return offer(line, settings, fresh, now)
    if key in (GUIDANCE_KEY, BACK_KEY):
        return at_node(line, fresh)
    if key == MAIN_MENU_KEY:
        return at_node(line, replace(fresh, node=MAIN))
    if key == NUMBER_AGAIN_KEY:
        return choices(line, fresh, [helpline_prompt(line.content, settings)])
    if key == AGAIN_KEY:
        return no_adviser(line, settings, fresh)
    if not key:
        return choices(line, where, [])
    return choices(line, replace(where, misses=min(where.misses + 1, MAX_MISSES)), [line.phrase("wrong_key")])


# -- The adviser's side ----------------------------------------------------------------------

def screen(line: Line, where: Where) -> VoiceResponse:
    """What an adviser's phone hears on answering: a whisper, and one key to take the call.

    It names neither the caller nor their number. Twilio joins the call when this document
    ends, so no key press must end in <Hangup>: that is how a voicemail never takes a caller.
    """
    response = VoiceResponse()
    gather = response.gather(input="dtmf", num_digits=1, timeout=WHISPER_TIMEOUT_SECONDS,
                             finish_on_key="", action=line.link("voice.adviser_accept", where),
                             method="POST", action_on_empty_result=False)
    line.speaker.add(gather, _say(line, "whisper"))
    line.speaker.add(response, _say(line, "whisper_missed"))
    response.hangup()
    return response


def accept(digits: str) -> VoiceResponse:
    """The adviser pressed a key: 1 returns an empty document, which joins the call; any other key declines."""
    response = VoiceResponse()
    if digits.strip() != ACCEPT_KEY:
        response.hangup()
    return response

