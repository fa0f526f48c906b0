"""Option 9: a caller reaches a live adviser safely, and every way it can end leads somewhere.

Calls are walked as Twilio would make them, by the switchboard stand-in (ivr/staff/switchboard.py):
the caller's webhooks, the queue's wait pages and keys, each adviser's phone rung by a REST call
of its own hearing the whisper, and the status callbacks. Whole scenarios (several advisers and
callers, faults, two servers) are in test_adviser_queue.py.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, time, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from ivr.line import adviser
from ivr.line.content import load
from ivr.settings import END_OF_DAY, PACKAGE_DIR, Opening, from_env
from ivr.staff.phone import RINGING
from ..caller import CALLER, SERVICE, Caller
from ..conftest import BASE, settings as line_settings

UTC = timezone.utc
ADVISERS = ("+442079460901", "+442079460902")
HOURS = "Mon-Fri 09:00-17:00"
CONNECTING = "Connecting you to an adviser. You will hear ringing. To stop waiting, press star."
NO_ANSWER = "Sorry, no adviser could answer just now."
EMERGENCY = ("If you are in danger, hang up and call nine nine nine.",
             "If you are on a mobile and cannot speak, call nine nine nine and stay on the line.",
             "When you are asked, press five five.")
HELPLINE_SAID = "oh, eight, oh, eight. two, oh, oh, oh. two, four, seven"
CHOICES = ("To try an adviser again, press 1.", "To go back to the guidance, press 2.",
           "To hear the helpline number again, press 3.")
WHISPER = "A call from the helpline. Press 1 to take it."
UNANSWERED = ["busy", "no-answer", "fails", "declines", "voicemail", "off", "whisper-fails"]


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


A_TUESDAY_NOON = at(2026, 11, 24, 12, 0)  # GMT, mid-week, mid-day


@pytest.fixture
def line(make_app, board):
    """line(when, **settings) -> a caller on a line whose clock (the switchboard's) starts at `when`."""
    def make(when: datetime = A_TUESDAY_NOON, **overrides) -> Caller:
        overrides.setdefault("ADVISER_HOURS", HOURS)
        board.start = when
        make_app(**overrides)
        return board.caller()
    return make


def press_nine(caller: Caller) -> Caller:
    """Dial, press 9, and hear the first wait page (or whatever else the line says)."""
    caller.dial().press("9")
    caller.board.advance(0.5)
    return caller


def out_of_the_queue(caller: Caller, seconds: float = 120) -> Caller:
    """Let the wait run (from a press of 9 just now) until the caller is out of the queue."""
    caller.board.advance(0.5)
    assert caller.board.settle(until=lambda: not caller.board.holds(caller), seconds=seconds), \
        "\n".join(caller.board.report())
    return caller


def rest_calls(board) -> list[dict]:
    """The calls the line asked Twilio's REST API to make, as sent."""
    return [data for _, method, uri, data in board.requests if method == "POST" and uri.endswith("/Calls.json")]


def says_no_adviser_path(caller: Caller) -> None:
    assert caller.last[0] == NO_ANSWER, caller.last
    for sentence in (*EMERGENCY, *CHOICES):
        assert caller.said(sentence), sentence
    helpline = " ".join(caller.last)
    assert helpline.count(HELPLINE_SAID) == 2, helpline
    assert not caller.ended and caller.gather().get("action")
    assert [el.tag for el in caller.doc][-1] == "Redirect"


def is_closed_path(caller: Caller) -> None:
    assert not [el for el in caller.doc.iter() if el.tag in ("Dial", "Enqueue")], "advisers were rung"
    assert not caller.board.requests, "the REST API was used"
    assert caller.said("Our advisers cannot take calls right now.")
    for sentence in EMERGENCY:
        assert caller.said(sentence), sentence
    assert " ".join(caller.last).count(HELPLINE_SAID) == 2
    assert not caller.ended


def is_ringing(caller: Caller) -> bool:
    return caller.board.queued(caller) and bool(rest_calls(caller.board))


# -- Waiting in a queue of one ----------------------------------------------------------------

def test_pressing_9_puts_the_caller_in_a_queue_named_by_a_random_token(line):
    caller = line()
    caller.dial().press("9")
    (enqueue,) = caller.doc
    assert enqueue.tag == "Enqueue"
    token = enqueue.text
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", token)
    assert re.sub(r"\D", "", CALLER)[-6:] not in token and caller.call_sid not in ET.tostring(enqueue, "unicode")
    for attribute in ("action", "waitUrl"):
        parts = urlsplit(enqueue.get(attribute))
        assert parse_qs(parts.query)["wait"] == [token] and parse_qs(parts.query)["lang"] == ["en-GB"]
    assert urlsplit(enqueue.get("waitUrl")).path == "/voice/adviser/wait"
    assert urlsplit(enqueue.get("action")).path == "/voice/adviser/over"
    assert enqueue.get("method") == enqueue.get("waitUrlMethod") == "POST"
    other = line().dial().press("9")
    assert other.doc[0].text != token  # every wait its own queue


def test_the_caller_hears_connecting_then_uk_ringing_with_keys_live(line):
    caller = press_nine(line())
    assert caller.last == [CONNECTING]
    caller.board.advance(7)
    assert caller.last == ["Still ringing."]  # no audio built: words stand in for the tone
    gather = caller.gather()
    assert gather.get("numDigits") == "1" and gather.get("finishOnKey") == "" and gather.get("timeout") == "1"
    assert [el.tag for el in caller.doc] == ["Gather", "Redirect"]
    assert urlsplit(caller.doc[1].text).path == "/voice/adviser/wait"


def test_with_audio_built_the_ringing_is_the_built_uk_tone_never_music(make_app, board, built_audio):
    make_app(AUDIO_DIR=str(built_audio), TTS_ENGINE="piper")
    caller = press_nine(board.caller())
    board.advance(20)
    assert caller.last[-1] == RINGING
    assert all(url.rsplit("/", 2)[-2] in ("audio", "tones") for url in caller.played)
    assert "/audio/tones/ringback-uk." in caller.played[-1]


def test_to_stop_waiting_press_star_is_said_about_every_20_seconds(line):
    caller = press_nine(line(ADVISER_RING_SECONDS="60"))
    caller.board.advance(60)
    assert caller.board.queued(caller)
    reminders = [h for h in caller.heard if h == "To stop waiting, press star."]
    assert 2 <= len(reminders) <= 4, caller.heard[-20:]


def test_each_adviser_is_rung_by_a_rest_call_of_its_own_from_the_service_number(line):
    caller = press_nine(line(ADVISER_RING_SECONDS="20"))
    calls = rest_calls(caller.board)
    assert [c["To"] for c in calls] == list(ADVISERS)
    token = caller.board.calls[caller.call_sid].queue.name
    for i, call in enumerate(calls):
        assert call["From"] == SERVICE and call["Timeout"] == 20 and call["Method"] == "POST"
        assert call["Record"] is False or call["Record"] == "false"
        whisper, status = urlsplit(call["Url"]), urlsplit(call["StatusCallback"])
        assert (whisper.path, status.path) == ("/voice/adviser/screen", "/voice/adviser/leg")
        for query in (parse_qs(whisper.query), parse_qs(status.query)):
            assert query["wait"] == [token] and query["leg"] == [str(i)] and query["rate"] == ["normal"]
        assert call["StatusCallbackEvent"] == ["completed"]


@pytest.mark.parametrize("written,dialled", [
    ("020 7946 0901, 0044 20 7946 0902", ["+442079460901", "+442079460902"]),
    ("+442079460901,sip:adviser@pbx.example.org,client:adviser_1",
     ["+442079460901", "sip:adviser@pbx.example.org", "client:adviser_1"])])
def test_numbers_are_rung_in_e164_and_sip_and_client_advisers_as_written(line, written, dialled):
    caller = press_nine(line(ADVISER_NUMBERS=written))
    assert [c["To"] for c in rest_calls(caller.board)] == dialled


@pytest.mark.parametrize("key", ["9", "0"])
def test_both_adviser_keys_ring_from_the_no_adviser_choices_too(line, key):
    caller = out_of_the_queue(press_nine(line()))
    says_no_adviser_path(caller)
    caller.press(key)
    caller.board.advance(0.5)
    assert caller.said(CONNECTING) and caller.board.queued(caller)


# -- Every way a wait ends has a path ----------------------------------------------------------

def test_an_adviser_who_presses_1_is_joined_and_after_the_talk_the_caller_hears_goodbye(line):
    caller = line()
    caller.board.script(ADVISERS[0], "answers")
    press_nine(caller)
    assert caller.board.settle(until=lambda: caller.board.talking(caller) is not None)
    assert caller.board.talking(caller) == ADVISERS[0]
    out_of_the_queue(caller)  # the adviser hangs up after a minute
    assert caller.last == ["Thank you for calling. Goodbye."]
    assert [el.tag for el in caller.doc] == ["Say", "Hangup"] and caller.ended


@pytest.mark.parametrize("phone", UNANSWERED)
def test_every_way_no_adviser_takes_the_call_gives_the_no_adviser_path(line, phone):
    caller = line()
    for number in ADVISERS:
        caller.board.script(number, phone)
    out_of_the_queue(press_nine(caller))
    says_no_adviser_path(caller)
    assert caller.board.talking(caller) is None and all(leg.ended for leg in caller.board.legs())


def test_star_while_it_rings_stops_the_phones_and_gives_the_choices(line):
    caller = press_nine(line())
    caller.board.advance(4)
    caller.press("*")
    assert caller.last[0] == "You have stopped waiting."
    for sentence in (*EMERGENCY, *CHOICES):
        assert caller.said(sentence), sentence
    assert " ".join(caller.last).count(HELPLINE_SAID) == 2
    caller.board.advance(1)
    assert {leg.status for leg in caller.board.legs()} == {"canceled"}


def test_a_wrong_key_while_it_rings_says_so_and_the_wait_goes_on(line):
    caller = press_nine(line())
    caller.board.advance(9)
    caller.press("5")
    caller.board.advance(1)
    assert caller.last[:2] == ["Sorry, that key does nothing here.", "To stop waiting, press star."]
    assert caller.board.queued(caller)


def test_a_caller_who_hangs_up_while_it_rings_stops_every_phone(line):
    caller = press_nine(line())
    caller.board.advance(5)
    caller.hang_up()
    caller.board.advance(1)
    assert {leg.status for leg in caller.board.legs()} == {"canceled"}
    assert [el.tag for el in caller.doc] == ["Hangup"]


def test_nothing_rings_again_by_itself(line):
    """However a wait ends, only a key press on the no-adviser choices rings again."""
    caller = line()
    for number in ADVISERS:
        caller.board.script(number, "busy")
    press_nine(caller)
    for _ in range(3):
        out_of_the_queue(caller)
        says_no_adviser_path(caller)
        rung = len(rest_calls(caller.board))
        caller.board.advance(30)
        assert len(rest_calls(caller.board)) == rung and not caller.board.holds(caller)
        caller.press("1")
    assert caller.heard.count(NO_ANSWER) == 3


def test_the_no_adviser_choices_lead_back_to_where_the_caller_was(line):
    caller = line().dial()
    caller.press("3").press("9")  # arrest and bail, then an adviser
    out_of_the_queue(caller)
    caller.press("2")
    assert caller.last[0].startswith("If your partner is arrested")
    caller.press("9")
    out_of_the_queue(caller)
    caller.press("*")
    assert caller.last[0].startswith("If your partner is arrested")


def test_the_helpline_number_again_and_hash_repeat(line):
    caller = out_of_the_queue(press_nine(line()))
    caller.press("3")
    assert " ".join(caller.last).count(HELPLINE_SAID) == 2
    assert caller.said(CHOICES[0])
    caller.press("#")
    says_no_adviser_path(caller)


def test_eight_on_the_no_adviser_choices_goes_to_the_main_menu(line):
    caller = out_of_the_queue(press_nine(line())).press("8")
    assert caller.last[0] == "Main menu, for England and Wales."


@pytest.mark.parametrize("written", ["+44 808 2000 247", "+448082000247", "08082000247"])
def test_a_helpline_written_any_valid_way_is_said_as_a_uk_caller_dials_it(line, written):
    caller = out_of_the_queue(press_nine(line(HELPLINE_NUMBER=written)))
    said = " ".join(caller.last)
    assert "four, four" not in said
    assert "oh, eight, oh, eight" in said and "two, four, seven" in said


def test_try_again_rings_again_and_silence_never_ends_the_call(line):
    caller = out_of_the_queue(press_nine(line()))
    for _ in range(6):
        caller.wait()
        assert not caller.ended and caller.said(CHOICES[0])
    caller.press("1")
    caller.board.advance(0.5)
    assert caller.said(CONNECTING)


def test_a_wrong_key_on_the_choices_says_so(line):
    caller = out_of_the_queue(press_nine(line()))
    caller.press("7")
    assert caller.last[0] == "Sorry, that key does nothing here."
    assert caller.said(CHOICES[1])


def test_the_caller_never_hears_an_adviser_number_or_address(line):
    caller = line(ADVISER_NUMBERS="+442079460901,sip:jo@pbx.example.org,client:jo")
    caller.board.script("+442079460901", "answers")
    out_of_the_queue(press_nine(caller))
    heard = " ".join(caller.heard).lower()
    assert not re.search(r"\d{3}|sip|client|jo\b|pbx", heard), heard


# -- The adviser's phone -----------------------------------------------------------------------

def test_an_adviser_hears_the_whisper_and_only_pressing_1_joins(line):
    caller = line()
    caller.board.script(ADVISERS[0], "answers")
    press_nine(caller)
    caller.board.settle(until=lambda: caller.board.talking(caller) is not None)
    leg = caller.board.legs(ADVISERS[0])[0]
    assert leg.heard == [WHISPER]
    assert [r for r in caller.board.report() if "presses 1" in r]


@pytest.mark.parametrize("phone", ["declines", "voicemail-after=3", "off"])
def test_another_key_or_no_key_hangs_up_that_phone_only(line, phone):
    caller = line()
    caller.board.script(ADVISERS[0], phone)
    caller.board.script(ADVISERS[1], "answers-after=12")
    press_nine(caller)
    assert caller.board.settle(until=lambda: caller.board.talking(caller) is not None)
    assert caller.board.talking(caller) == ADVISERS[1]
    first = caller.board.legs(ADVISERS[0])[0]
    assert first.ended and first.peer is None
    if phone != "declines":
        assert first.heard == [WHISPER, "No key was pressed. Goodbye."]


def test_the_whisper_and_every_request_to_twilio_leave_out_the_caller(line):
    caller = line()
    caller.board.script(ADVISERS[0], "voicemail")
    out_of_the_queue(press_nine(caller))
    digits = re.sub(r"\D", "", CALLER)[-9:]
    for _, _, uri, data in caller.board.requests:
        assert digits not in uri + repr(data) and caller.call_sid not in uri + repr(data)
    words = " ".join(caller.board.legs(ADVISERS[0])[0].heard)
    assert not re.search(r"\d{2}", words), words


@pytest.mark.parametrize("path", ["/voice/adviser/screen", "/voice/adviser/accept", "/voice/adviser/done",
                                  "/voice/adviser/choice", "/voice/adviser/wait", "/voice/adviser/wait/key",
                                  "/voice/adviser/over", "/voice/adviser/through", "/voice/adviser/after",
                                  "/voice/adviser/leg"])
def test_adviser_webhooks_refuse_unsigned_requests(client, path):
    data = {"CallSid": "CA" + "9" * 32, "Digits": "1", "DialCallStatus": "completed", "DialBridged": "true"}
    assert client.post(path, data=data).status_code == 403
    assert client.post(path, data=data, headers={"X-Twilio-Signature": "bm9wZQ=="}).status_code == 403


@pytest.mark.parametrize("view", ["whisper", "join"])
def test_a_failing_adviser_phone_is_hung_up_never_joined_and_the_other_still_rings(line, monkeypatch, view):
    from ivr.line import screening
    caller = line()
    caller.board.script(ADVISERS[0], "answers")
    caller.board.script(ADVISERS[1], "answers-after=12")
    real = getattr(screening, view)
    broken = [True]

    def once(*args, **kwargs):
        if broken.pop() if broken else False:
            raise RuntimeError("boom")
        return real(*args, **kwargs)
    monkeypatch.setattr(screening, view, once)
    press_nine(caller)
    assert caller.board.settle(until=lambda: caller.board.talking(caller) is not None)
    assert caller.board.talking(caller) == ADVISERS[1]
    assert caller.board.legs(ADVISERS[0])[0].peer is None


# -- Who answers, and when ----------------------------------------------------------------------

@pytest.mark.parametrize("when,open_", [
    (at(2026, 11, 23, 9, 0), True),            # Monday, opening (GMT: UK time is UTC)
    (at(2026, 11, 23, 8, 59, 59), False),      # a second before opening
    (at(2026, 11, 27, 16, 59, 59), True),      # Friday, a second before closing
    (at(2026, 11, 27, 17, 0), False),          # Friday, closing
    (at(2026, 11, 28, 12, 0), False),          # Saturday
    (at(2026, 7, 6, 8, 0), True),              # Monday in summer: 08:00 UTC is 09:00 BST
    (at(2026, 7, 6, 16, 0), False),            # 16:00 UTC is 17:00 BST: closed
])
def test_opening_and_closing_on_the_uk_clock(line, when, open_):
    caller = press_nine(line(when))
    if open_:
        assert is_ringing(caller)
    else:
        is_closed_path(caller)


def test_a_clock_in_another_zone_is_read_on_the_uk_clock(line):
    new_york = timezone(timedelta(hours=-5))
    caller = press_nine(line(datetime(2026, 11, 23, 4, 0, tzinfo=new_york)))  # 09:00 in London
    assert is_ringing(caller)


def test_a_closed_day_says_so_and_never_dials(line):
    bank_holiday = at(2026, 12, 28, 11, 0)  # a Monday, within the weekly hours
    caller = press_nine(line(bank_holiday, ADVISER_CLOSED_DAYS="2026-12-25, 2026-12-28"))
    is_closed_path(caller)
    assert caller.said("Advisers are not answering calls today.")
    caller = press_nine(line(at(2026, 12, 29, 11, 0), ADVISER_CLOSED_DAYS="2026-12-25,2026-12-28"))
    assert is_ringing(caller)


def test_a_closed_day_is_the_uk_date(line):
    """23:30 UTC on 27 June is already 28 June in London (BST)."""
    caller = press_nine(line(at(2026, 6, 27, 23, 30), ADVISER_HOURS="Mon-Sun 00:00-24:00",
                             ADVISER_CLOSED_DAYS="2026-06-28"))
    is_closed_path(caller)


SPRING = at(2026, 3, 29, 1, 0)   # last Sunday of March: 01:00 GMT becomes 02:00 BST
AUTUMN = at(2026, 10, 25, 1, 0)  # last Sunday of October: 02:00 BST becomes 01:00 GMT


@pytest.mark.parametrize("when,hours,open_", [
    (SPRING - timedelta(seconds=1), "Sun 02:00-03:00", False),   # 00:59:59 GMT
    (SPRING, "Sun 02:00-03:00", True),                           # 02:00 BST
    (SPRING + timedelta(minutes=59), "Sun 02:00-03:00", True),   # 02:59 BST
    (SPRING + timedelta(hours=1), "Sun 02:00-03:00", False),     # 03:00 BST
    (at(2026, 3, 27, 8, 30), HOURS, False),                      # Friday before: 08:30 GMT
    (at(2026, 3, 30, 8, 30), HOURS, True),                       # Monday after: 09:30 BST
    (at(2026, 3, 30, 16, 0), HOURS, False),                      # Monday after: 17:00 BST
    (AUTUMN - timedelta(minutes=1), "Sun 01:00-02:00", True),    # 01:59 BST
    (AUTUMN, "Sun 01:00-02:00", True),                           # 01:00 GMT, the second time
    (AUTUMN + timedelta(minutes=59), "Sun 01:00-02:00", True),   # 01:59 GMT
    (AUTUMN + timedelta(hours=1), "Sun 01:00-02:00", False),     # 02:00 GMT
    (at(2026, 10, 23, 8, 30), HOURS, True),                      # Friday before: 09:30 BST
    (at(2026, 10, 23, 16, 0), HOURS, False),                     # Friday before: 17:00 BST
    (at(2026, 10, 26, 8, 30), HOURS, False),                     # Monday after: 08:30 GMT
    (at(2026, 10, 26, 16, 30), HOURS, True),                     # Monday after: 16:30 GMT
])
def test_across_both_clock_changes(line, when, hours, open_):
    caller = press_nine(line(when, ADVISER_HOURS=hours))
    if open_:
        assert is_ringing(caller)
    else:
        is_closed_path(caller)


def _last_sunday(year: int, month: int) -> datetime:
    day = at(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def _uk_by_the_rule(now: datetime) -> datetime:
    """UK civil time from the law's own rule, without zoneinfo: BST (UTC+1) from 01:00 UTC on
    the last Sunday of March to 01:00 UTC on the last Sunday of October."""
    start = _last_sunday(now.year, 3).replace(hour=1)
    end = _last_sunday(now.year, 10).replace(hour=1)
    return (now + timedelta(hours=1 if start <= now < end else 0)).replace(tzinfo=None)


WEEKDAYS = from_env(line_settings(ADVISER_HOURS=HOURS))
CONTENT = load(PACKAGE_DIR / "guidance" / "en-GB.yaml")


def test_the_weekday_hours_setting_reads_as_expected():
    assert WEEKDAYS.hours == (Opening((0, 1, 2, 3, 4), time(9), time(17)),)


@hsettings(max_examples=400, deadline=None)
@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31)))
def test_weekday_hours_follow_the_uk_rule_at_every_instant(naive):
    now = naive.replace(tzinfo=UTC)
    local = _uk_by_the_rule(now)
    expected = local.weekday() < 5 and time(9) <= local.time() < time(17)
    assert adviser.is_open(WEEKDAYS, now) == expected, (now, local)


# -- Out of hours --------------------------------------------------------------------------------

def test_out_of_hours_says_the_hours_plainly_then_the_advice_then_the_guidance(line):
    caller = press_nine(line(at(2026, 11, 28, 12, 0), ADVISER_HOURS="Mon-Fri 09:00-17:30; Sat 10:00-12:00"))
    is_closed_path(caller)
    assert caller.said("Advisers answer Monday to Friday. They answer from nine in the morning to half past "
                       "five in the afternoon. Advisers answer on Saturday, from ten in the morning to midday.")
    assert caller.said("For calling the police, press 1.")  # back in the guidance
    assert caller.gather().get("action").startswith(f"{BASE}/voice/key")
    assert not re.search(r"\d{2}|am\b|pm\b", " ".join(caller.last))


def test_out_of_hours_in_a_section_gives_its_choices_not_the_whole_section_again(line):
    caller = line(at(2026, 11, 28, 12, 0)).dial().press("3").press("9")
    is_closed_path(caller)
    section = caller.client.application.extensions["ivr"].contents["en-GB"].sections["arrest"].say
    assert section not in caller.last
    assert caller.said("To hear this again, press hash.")
    caller.press("#")
    assert caller.last[0] == section


def test_out_of_hours_with_no_hours_set_still_gives_the_advice(line):
    caller = press_nine(line(ADVISER_HOURS=""))
    is_closed_path(caller)
    assert all(s.strip() for s in caller.last)
    assert not caller.said("Advisers answer")


def test_no_adviser_numbers_means_closed_without_promising_hours(line):
    caller = press_nine(line(ADVISER_NUMBERS=""))
    is_closed_path(caller)
    assert not caller.said("Advisers answer")


@pytest.mark.parametrize("clock,said", [
    (time(9), "nine in the morning"), (time(9, 15), "quarter past nine in the morning"),
    (time(9, 30), "half past nine in the morning"), (time(9, 45), "quarter to ten in the morning"),
    (time(11, 45), "quarter to twelve in the morning"), (time(12), "midday"),
    (time(12, 30), "half past twelve in the afternoon"), (time(17), "five in the afternoon"),
    (time(18), "six in the evening"), (time(21, 30), "half past nine at night"),
    (time(0), "midnight"), (END_OF_DAY, "midnight"), (time(0, 30), "half past twelve at night"),
])
def test_times_are_said_as_people_say_them(clock, said):
    assert adviser.spoken_time(CONTENT, clock) == said


@pytest.mark.parametrize("days,said", [
    ((0, 1, 2, 3, 4), "Monday to Friday"), ((0, 2, 4), "Monday, Wednesday and Friday"),
    ((5,), "Saturday"), ((5, 6), "Saturday and Sunday"),
])
def test_days_are_said_as_people_say_them(days, said):
    assert adviser.spoken_days(CONTENT, days) == said


@given(st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
def test_every_time_the_settings_allow_is_said_in_words(hour, minute):
    said = adviser.spoken_time(CONTENT, time(hour, minute))
    assert said and not re.search(r"\d", said)


# -- Every wait, from every way in ---------------------------------------------------------------

def test_every_way_in_rings_every_adviser_from_the_service_number(app, board):
    from .test_call_flow import all_states, arrive
    waits = 0
    for node, how in all_states(app):
        for key in ("9", "0"):
            caller = arrive(board.caller(), app, node, how)
            caller.press(key)
            board.advance(0.5)
            assert caller.said(CONNECTING), (node, how)
            caller.hang_up()
            waits += 1
    calls = rest_calls(board)
    assert len(calls) == 2 * waits and {c["From"] for c in calls} == {SERVICE}
    assert {urlsplit(c["Url"]).path for c in calls} == {"/voice/adviser/screen"}
    assert waits > 20


def test_nothing_on_the_adviser_path_records_or_offers_voicemail(line):
    caller = line()
    caller.board.script(ADVISERS[0], "answers")
    caller.board.script(ADVISERS[1], "voicemail")
    out_of_the_queue(press_nine(caller))
    docs = " ".join(caller.heard + [w for leg in caller.board.legs() for w in leg.heard]).lower()
    assert "message" not in docs and "voicemail" not in docs and "record" not in docs
    for _, _, _, data in caller.board.requests:
        assert str(data.get("Record", "false")).lower() == "false"


def test_the_content_file_must_give_twelve_clock_hours(tmp_path):
    from ivr.line.content import ContentError
    text = (PACKAGE_DIR / "guidance" / "en-GB.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "en-GB.yaml"
    broken.write_text(text.replace("twelve, one, two,", "one, two,"), encoding="utf-8")
    with pytest.raises(ContentError, match="clock_hours"):
        load(broken)
