"""Option 9: reach a live adviser safely, and what the caller hears when no adviser can answer.

In hours, pressing 9 (or 0) puts the caller in a queue of their own while every adviser is rung
by a call of its own (ivr/line/waiting.py, ivr/line/ringing.py, ivr/line/screening.py): an
adviser's voicemail or switched-off phone ends only that adviser's call, never the others'. This
module holds what is the same whichever way it goes: whether advisers are answering, the hours,
the emergency advice and helpline number, and the choices after no adviser could answer.

`dial_ended` answers the <Dial> action of the line's earlier design, for calls that were ringing
advisers that way while this version was deployed. From Twilio's documentation:
- <Dial action> receives DialCallStatus and DialBridged; only DialBridged=true says the caller was
  joined (TwiML changelog, Dial 2020-12-09), so "completed" without it takes the no-adviser path.
  https://www.twilio.com/docs/voice/twiml/dial#action
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timezone
from typing import Callable

import phonenumbers
from twilio.twiml.voice_response import VoiceResponse

from .content import MAIN, Content, Prompt
from .flow import ADVISER_KEYS, AGAIN_KEY, BACK_KEY, MAIN_MENU_KEY, MAX_MISSES, Line, Where, at_node
from .outcomes import Outcome
from ..settings import END_OF_DAY, UK, Settings

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


def unavailable(settings: Settings, now: datetime) -> Outcome | None:
    """Why advisers are not rung now (a closed day, or outside hours), or None when they are."""
    if answering(settings, now):
        return None
    closed_day = settings.advisers and uk_time(now).date() in settings.closed_days
    return Outcome.CLOSED_DAY if closed_day else Outcome.OUTSIDE_HOURS


# -- Saying hours, days and numbers (all words come from the content file) -------------------

# Sentences made from settings are kept to this many words, so that however the hours are set
# they pass the listening rules `ivr check` applies (ivr/staff/listening.py: 15 on average).
MAX_WORDS = 15
ALL_DAY = ((time(0), END_OF_DAY),)


def _part_of_day(t: time) -> str:
    if t.hour == 0 or t.hour >= 21:
        return "night"
    if t.hour < 12:
        return "morning"
    return "afternoon" if t.hour < 18 else "evening"


def _clock(content: Content, t: time) -> str:
    """09:30 -> 'half past nine': the time alone, without the part of the day."""
    words = content.adviser
    hours = [h.strip() for h in words["clock_hours"].split(",")]
    if t.minute == 45:
        return words["quarter_to"].format(hour=hours[(t.hour + 1) % 12])
    pattern = {0: "on_the_hour", 15: "quarter_past", 30: "half_past"}[t.minute]
    return words[pattern].format(hour=hours[t.hour % 12])


def spoken_time(content: Content, t: time) -> str:
    """09:00 -> 'nine in the morning', 17:30 -> 'half past five in the afternoon', 12:00 -> 'midday'."""
    words = content.adviser
    if t in (time(0), END_OF_DAY):
        return words["midnight"]
    if t == time(12):
        return words["midday"]
    return words[_part_of_day(t)].format(time=_clock(content, t))


def spoken_days(content: Content, days: tuple[int, ...]) -> str:
    """(0..4) -> 'Monday to Friday'; (0, 2, 4) -> 'Monday, Wednesday and Friday'."""
    names = [content.weekdays[d] for d in days]
    if len(names) > 2 and list(days) == list(range(days[0], days[-1] + 1)):
        return content.adviser["day_range"].format(first=names[0], last=names[-1])
    if len(names) == 1:
        return names[0]
    return content.adviser["day_list"].format(others=", ".join(names[:-1]), last=names[-1])


def _when(content: Content, days: tuple[int, ...]) -> str:
    """'every day', 'Monday to Friday', or 'on Saturday': how days go into a sentence."""
    if len(days) == 7:
        return content.adviser["every_day"]
    said = spoken_days(content, days)
    if len(days) > 2 and list(days) == list(range(days[0], days[-1] + 1)):
        return said
    return content.adviser["on_days"].format(days=said)


def _spans_by_days(settings: Settings) -> list[tuple[tuple[int, ...], tuple[tuple[time, time], ...]]]:
    """The days that share the same opening times, and those times (overlapping or touching
    openings joined, so 'Mon-Fri 09:00-13:00; Mon-Fri 13:00-17:00' is one opening), by first day."""
    by_times: dict[tuple, list[int]] = {}
    for day in range(7):
        spans: list[list[time]] = []
        for opens, closes in sorted((o.opens, o.closes) for o in settings.hours if day in o.days):
            if spans and opens <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], closes)
            else:
                spans.append([opens, closes])
        if spans:
            by_times.setdefault(tuple(map(tuple, spans)), []).append(day)
    return sorted(((tuple(days), spans) for spans, days in by_times.items()), key=lambda group: group[0])


def _hours_sentences(content: Content, days: tuple[int, ...], spans: tuple[tuple[time, time], ...]) -> list[str]:
    """When advisers answer on these days: one short sentence (two if it would be long), then each
    break (also two if long)."""
    words, when = content.adviser, _when(content, days)
    opens, closes = spans[0][0], spans[-1][1]
    if (opens, closes) == ALL_DAY[0]:
        out = [words["day_and_night"].format(days=when)]
    else:
        said = {"days": when, "opens": spoken_time(content, opens), "closes": spoken_time(content, closes)}
        one = words["hours"].format(**said)
        out = [one if len(one.split()) <= MAX_WORDS else words["hours_long"].format(**said)]
    for (_, start), (end, _) in zip(spans, spans[1:]):
        # "between one and two in the afternoon": the part of the day once, when both share it
        shared = _part_of_day(start) == _part_of_day(end) and time(12) not in (start, end) and start != time(0)
        said = {"start": _clock(content, start) if shared else spoken_time(content, start),
                "end": spoken_time(content, end)}
        one = words["hours_break"].format(**said)
        out.append(one if len(one.split()) <= MAX_WORDS else
                   words["hours_break_long"].format(start=spoken_time(content, start), end=said["end"]))
    return out


def hours_prompt(content: Content, settings: Settings) -> Prompt | None:
    """The adviser hours in short sentences of plain words, or None when there are no hours to say."""
    if not settings.hours:
        return None
    text = " ".join(sentence for days, spans in _spans_by_days(settings)
                    for sentence in _hours_sentences(content, days, spans))
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


def dial_ended(line: Line, settings: Settings, where: Where, dial_status: str, call_status: str,
               bridged: bool) -> VoiceResponse:
    """The earlier design's <Dial> action: how that attempt to reach an adviser ended (only for
    calls that were ringing advisers while the line was upgraded; not counted in the figures)."""
    response = VoiceResponse()
    if call_status in CALLER_GONE:
        response.hangup()  # the caller hung up; Twilio has already ended the adviser legs
        return response
    if bridged:  # a conversation happened (DialCallStatus completed)
        line.speaker.add(response, line.phrase("goodbye"))
        response.hangup()
        return response
    return no_adviser(line, settings, where)  # busy, no-answer, failed, canceled, or completed unbridged


def no_adviser(line: Line, settings: Settings, where: Where) -> VoiceResponse:
    prompts = [_say(line, "no_answer"), _say(line, "emergency"), helpline_prompt(line.content, settings)]
    return choices(line, where, prompts)


def choices(line: Line, where: Where, before: list[Prompt]) -> VoiceResponse:
    prompts = [*before, _say(line, "try_again"), _say(line, "to_guidance"), _say(line, "number_again")]
    return line.gather(where, prompts, action="voice.adviser_choice", silence="voice.adviser_silence")


def choice(line: Line, settings: Settings, where: Where, digits: str,
           offer: Callable[[Where], VoiceResponse]) -> VoiceResponse:
    """After no adviser could answer: try again (`offer`), back to the guidance, or the number again.

    Ringing again always takes a key press here: no wait ends by ringing the advisers by itself.
    """
    key = digits.strip()
    fresh = replace(where, misses=0)
    if key in (TRY_AGAIN_KEY, *ADVISER_KEYS):
        return offer(fresh)
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
