"""Option 9: a caller reaches a live adviser safely, and every way it can end leads somewhere.

Calls are walked as Twilio would make them: the caller's webhooks, the <Dial> action with
each DialCallStatus, and the adviser's own leg hearing the whisper through <Number url>.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from ivr.line import adviser
from ivr.line.content import load
from ivr.settings import END_OF_DAY, PACKAGE_DIR, Opening, from_env
from ..caller import CALLER, SERVICE, Caller
from ..conftest import BASE, TOKEN, settings as line_settings

UTC = timezone.utc
ADVISERS = ("+442079460901", "+442079460902")
DIAL_STATUSES = ("completed", "answered", "busy", "no-answer", "failed", "canceled")
NOT_BRIDGED = [(s, False) for s in DIAL_STATUSES] + [("completed", None)]  # None: DialBridged not sent
HOURS = "Mon-Fri 09:00-17:00"
CONNECTING = "Connecting you to an adviser. You will hear ringing."
NO_ANSWER = "Sorry, no adviser could answer just now."
EMERGENCY = ("If you are in danger, hang up and call nine nine nine.",
             "If you are on a mobile and cannot speak, call nine nine nine and stay on the line.",
             "When you are asked, press five five.")
HELPLINE_SAID = "oh, eight, oh, eight. two, oh, oh, oh. two, four, seven"
CHOICES = ("To try an adviser again, press 1.", "To go back to the guidance, press 2.",
           "To hear the helpline number again, press 3.")
WHISPER = "A call from the helpline. Press 1 to take it."


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


A_TUESDAY_NOON = at(2026, 11, 24, 12, 0)  # GMT, mid-week, mid-day


@pytest.fixture
def line(make_app):
    """line(when, **settings) -> a caller on a line whose clock says `when`."""
    def make(when: datetime = A_TUESDAY_NOON, **overrides) -> Caller:
        overrides.setdefault("ADVISER_HOURS", HOURS)
        app = make_app(CLOCK=lambda: when, **overrides)
        return Caller(app.test_client(), base_url=BASE, auth_token=TOKEN)
    return make


@dataclass
class AdviserPhone(Caller):
    """An adviser's phone: Twilio's child leg, calling the screening url when answered."""
    adviser: str = ADVISERS[0]

    def params(self, **extra) -> dict[str, str]:
        return {"CallSid": "CA" + "9" * 32, "ParentCallSid": "CA" + "0" * 32, "AccountSid": "AC" + "1" * 32,
                "From": SERVICE, "Caller": SERVICE, "To": self.adviser, "Called": self.adviser,
                "CallStatus": "in-progress", "Direction": "outbound-dial", "ApiVersion": "2010-04-01", **extra}

    def answers(self, leg: ET.Element) -> "AdviserPhone":
        self.post(leg.get("url"))
        return self

    def stays_silent(self) -> "AdviserPhone":
        """No key: Twilio runs what follows the <Gather>; it must hang up, never join."""
        verbs = [el.tag for el in self.doc]
        rest = verbs[verbs.index("Gather") + 1:]
        assert rest and rest[-1] == "Hangup" and not {"Redirect", "Gather", "Dial"} & set(rest), rest
        self.last = [self.speech(el) for el in self.doc if el.tag in ("Say", "Play")]
        return self


def press_nine(caller: Caller) -> Caller:
    caller.dial().press("9")
    return caller


def says_no_adviser_path(caller: Caller) -> None:
    assert caller.last[0] == NO_ANSWER, caller.last
    for sentence in (*EMERGENCY, *CHOICES):
        assert caller.said(sentence), sentence
    helpline = " ".join(caller.last)
    assert helpline.count(HELPLINE_SAID) == 2, helpline
    assert not caller.ended and caller.gather().get("action")
    assert [el.tag for el in caller.doc][-1] == "Redirect"


def is_closed_path(caller: Caller) -> None:
    assert not [el for el in caller.doc.iter() if el.tag == "Dial"], "a Dial was attempted"
    assert caller.said("Our advisers cannot take calls right now.")
    for sentence in EMERGENCY:
        assert caller.said(sentence), sentence
    assert " ".join(caller.last).count(HELPLINE_SAID) == 2
    assert not caller.ended


# -- The Dial itself --------------------------------------------------------------------------

@pytest.mark.parametrize("advisers", ["+442079460901,+442079460902", "02079460901",
                                      "+442079460901,sip:adviser@pbx.example.org,client:adviser_1"])
def test_every_dial_shows_the_service_number_has_action_timeout_and_no_recording(line, advisers):
    caller = press_nine(line(ADVISER_NUMBERS=advisers, ADVISER_RING_SECONDS="20"))
    dials = [el for el in caller.doc.iter() if el.tag == "Dial"]
    assert len(dials) == 1
    dial = dials[0]
    assert dial.get("callerId") == SERVICE
    assert urlsplit(dial.get("action")).path == "/voice/adviser/done"
    assert dial.get("method") == "POST"
    assert dial.get("timeout") == "20"
    assert dial.get("record") == "do-not-record"
    assert not {"recordingStatusCallback", "trim"} & set(dial.attrib)
    assert dial.get("answerOnBridge") == "true" and dial.get("ringTone") == "uk"
    assert dial.get("hangupOnStar") == "true"
    legs = list(dial)
    assert len(legs) == len(advisers.split(","))
    for leg in legs:
        assert leg.tag in ("Number", "Sip", "Client")
        assert urlsplit(leg.get("url")).path == "/voice/adviser/screen"
        assert leg.get("method") == "POST"


def test_sip_and_client_advisers_stand_in_for_numbers(line):
    caller = press_nine(line(ADVISER_NUMBERS="sip:adviser@pbx.example.org,client:adviser_1"))
    legs = {el.tag: (el.text or "").strip() for el in caller.dial_element()}
    assert legs == {"Sip": "sip:adviser@pbx.example.org", "Client": "adviser_1"}


def test_numbers_are_dialled_in_e164_however_they_were_written(line):
    caller = press_nine(line(ADVISER_NUMBERS="020 7946 0901, 0044 20 7946 0902"))
    assert [el.text for el in caller.dial_element()] == list(ADVISERS)


def test_the_caller_hears_connecting_then_ringing_never_music(line):
    caller = press_nine(line())
    assert caller.last == [f"{CONNECTING} To stop waiting, press star."]
    assert [el.tag for el in caller.doc] == ["Say", "Dial"]  # no <Play> of hold music, no queue
    assert caller.dial_element().get("ringTone") == "uk"


@pytest.mark.parametrize("key", ["9", "0"])
def test_both_adviser_keys_ring_from_the_no_adviser_choices_too(line, key):
    caller = press_nine(line())
    caller.dial_ends("no-answer", bridged=False)
    caller.press(key)
    assert caller.said(CONNECTING)
    assert caller.dial_element() is not None


# -- Every outcome has a path -----------------------------------------------------------------

def test_bridged_and_finished_says_goodbye_and_hangs_up(line):
    caller = press_nine(line())
    caller.dial_ends("completed", bridged=True)
    assert caller.last == ["Thank you for calling. Goodbye."]
    assert [el.tag for el in caller.doc] == ["Say", "Hangup"]
    assert caller.ended


@pytest.mark.parametrize("status,bridged", NOT_BRIDGED)
def test_every_unbridged_outcome_gives_the_no_adviser_path(line, status, bridged):
    caller = press_nine(line())
    caller.dial_ends(status, bridged=bridged)
    says_no_adviser_path(caller)


@pytest.mark.parametrize("status", DIAL_STATUSES)
@pytest.mark.parametrize("call_status", ["completed", "canceled"])
def test_a_caller_who_hangs_up_while_it_rings_gets_nothing_further(line, status, call_status):
    caller = press_nine(line())
    caller.post(caller.dial_element().get("action"), DialCallStatus=status, CallStatus=call_status)
    assert caller.last == []
    assert [el.tag for el in caller.doc] == ["Hangup"]


@pytest.mark.parametrize("status,bridged", [*NOT_BRIDGED, *((s, True) for s in DIAL_STATUSES)])
def test_the_dial_action_never_rings_again_by_itself(line, status, bridged):
    """Pressing 9 over and over cannot ring advisers in a loop: each attempt ends on a path the
    caller hears, and only a key press on the no-adviser choices rings again."""
    caller = press_nine(line())
    caller.dial_ends(status, bridged=bridged)
    assert "Dial" not in {el.tag for el in caller.doc.iter()}


def test_pressing_nine_again_and_again_hears_the_no_adviser_path_between_every_ring(line):
    caller = press_nine(line())
    for _ in range(5):
        assert caller.dial_element() is not None
        caller.dial_ends("completed", bridged=False)  # e.g. star while ringing, or every leg declined
        says_no_adviser_path(caller)
        caller.press("9")
    assert caller.heard.count(NO_ANSWER) == 5


def test_the_no_adviser_choices_lead_back_to_where_the_caller_was(line):
    caller = line().dial()
    caller.press("3").press("9")  # arrest and bail, then an adviser
    caller.dial_ends("busy", bridged=False)
    caller.press("2")
    assert caller.last[0].startswith("If your partner is arrested")
    caller.press("9")
    caller.dial_ends("failed", bridged=False)
    caller.press("*")
    assert caller.last[0].startswith("If your partner is arrested")


def test_the_helpline_number_again_and_hash_repeat(line):
    caller = press_nine(line())
    caller.dial_ends("no-answer", bridged=False)
    caller.press("3")
    assert " ".join(caller.last).count(HELPLINE_SAID) == 2
    assert caller.said(CHOICES[0])
    caller.press("#")
    says_no_adviser_path(caller)


def test_eight_on_the_no_adviser_choices_goes_to_the_main_menu(line):
    caller = press_nine(line()).dial_ends("no-answer").press("8")
    assert caller.last[0] == "Main menu, for England and Wales."


@pytest.mark.parametrize("written", ["+44 808 2000 247", "+448082000247", "08082000247"])
def test_a_helpline_written_any_valid_way_is_said_as_a_uk_caller_dials_it(line, written):
    caller = press_nine(line(HELPLINE_NUMBER=written)).dial_ends("no-answer")
    said = " ".join(caller.last)
    assert "four, four" not in said
    assert "oh, eight, oh, eight" in said and "two, four, seven" in said


def test_try_again_rings_again_and_silence_never_ends_the_call(line):
    caller = press_nine(line())
    caller.dial_ends("no-answer", bridged=False)
    for _ in range(6):
        caller.wait()
        assert not caller.ended and caller.said(CHOICES[0])
    caller.press("1")
    assert caller.dial_element() is not None


def test_a_wrong_key_on_the_choices_says_so(line):
    caller = press_nine(line())
    caller.dial_ends("no-answer", bridged=False)
    caller.press("7")
    assert caller.last[0] == "Sorry, that key does nothing here."
    assert caller.said(CHOICES[1])


def test_the_caller_never_hears_an_adviser_number_or_address(line):
    caller = press_nine(line(ADVISER_NUMBERS="+442079460901,sip:jo@pbx.example.org,client:jo"))
    caller.dial_ends("no-answer", bridged=False)
    caller.press("1")
    caller.dial_ends("completed", bridged=True)
    heard = " ".join(caller.heard).lower()
    assert not re.search(r"\d{3}|sip|client|jo\b|pbx", heard), heard


# -- Screening: the adviser's leg ---------------------------------------------------------------

def test_an_adviser_hears_the_whisper_and_pressing_1_joins_the_call(line):
    caller = press_nine(line())
    phone = AdviserPhone(caller.client, BASE, TOKEN).answers(caller.dial_element()[0])
    gather = phone.gather()
    assert [el.text for el in gather] == [WHISPER]
    assert gather.get("numDigits") == "1" and gather.get("input") == "dtmf"
    assert int(gather.get("timeout")) <= 10
    phone.press("1")
    assert list(phone.doc) == []  # an empty document ends the leg's TwiML: Twilio joins the call
    caller.dial_ends("completed", bridged=True)
    assert caller.last == ["Thank you for calling. Goodbye."]


@pytest.mark.parametrize("key", ["2", "9", "*", "#", "0"])
def test_an_adviser_pressing_another_key_declines_and_the_caller_hears_the_no_adviser_path(line, key):
    caller = press_nine(line())
    phone = AdviserPhone(caller.client, BASE, TOKEN).answers(caller.dial_element()[1])
    phone.press(key)
    assert [el.tag for el in phone.doc] == ["Hangup"]
    caller.dial_ends("completed", bridged=False)  # every leg hung up during screening
    says_no_adviser_path(caller)


def test_a_voicemail_that_never_presses_a_key_is_hung_up_and_never_joined(line):
    caller = press_nine(line())
    phone = AdviserPhone(caller.client, BASE, TOKEN).answers(caller.dial_element()[0])
    phone.stays_silent()
    assert phone.last == ["No key was pressed. Goodbye."]
    caller.dial_ends("completed", bridged=False)
    says_no_adviser_path(caller)


def test_the_whisper_never_reveals_the_caller(line):
    caller = press_nine(line())
    leg = caller.dial_element()[0]
    phone = AdviserPhone(caller.client, BASE, TOKEN).answers(leg)
    words = " ".join(phone.last)
    digits = re.sub(r"\D", "", CALLER)
    assert not re.search(r"\d{2}", words), words
    assert digits[-9:] not in leg.get("url") + phone.gather().get("action")
    for el in phone.doc.iter():
        assert digits[-9:] not in ET.tostring(el, encoding="unicode")


@pytest.mark.parametrize("path", ["/voice/adviser/screen", "/voice/adviser/accept", "/voice/adviser/done",
                                  "/voice/adviser/choice"])
def test_adviser_webhooks_refuse_unsigned_requests(client, path):
    data = {"CallSid": "CA" + "9" * 32, "Digits": "1", "DialCallStatus": "completed", "DialBridged": "true"}
    assert client.post(path, data=data).status_code == 403
    assert client.post(path, data=data, headers={"X-Twilio-Signature": "bm9wZQ=="}).status_code == 403


@pytest.mark.parametrize("view", ["screen", "accept"])
def test_a_failing_adviser_leg_is_hung_up_not_joined(line, monkeypatch, view):
    caller = press_nine(line())
    phone = AdviserPhone(caller.client, BASE, TOKEN)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    if view == "screen":
        monkeypatch.setattr(adviser, "screen", broken)
        phone.answers(caller.dial_element()[0])
    else:
        phone.answers(caller.dial_element()[0])
        monkeypatch.setattr(adviser, "accept", broken)
        phone.press("1")
    assert [el.tag for el in phone.doc] == ["Hangup"]


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
        assert caller.dial_element() is not None
    else:
        is_closed_path(caller)


def test_a_clock_in_another_zone_is_read_on_the_uk_clock(line):
    new_york = timezone(timedelta(hours=-5))
    caller = press_nine(line(datetime(2026, 11, 23, 4, 0, tzinfo=new_york)))  # 09:00 in London
    assert caller.dial_element() is not None


def test_a_closed_day_says_so_and_never_dials(line):
    bank_holiday = at(2026, 12, 28, 11, 0)  # a Monday, within the weekly hours
    caller = press_nine(line(bank_holiday, ADVISER_CLOSED_DAYS="2026-12-25, 2026-12-28"))
    is_closed_path(caller)
    assert caller.said("Advisers are not answering calls today.")
    caller = press_nine(line(at(2026, 12, 29, 11, 0), ADVISER_CLOSED_DAYS="2026-12-25,2026-12-28"))
    assert caller.dial_element() is not None


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
        assert caller.dial_element() is not None
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
    assert caller.said("Advisers answer on Monday to Friday, from nine in the morning to half past five "
                       "in the afternoon. Advisers answer on Saturday, from ten in the morning to midday.")
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
    assert not caller.said("Advisers answer on")


def test_no_adviser_numbers_means_closed_without_promising_hours(line):
    caller = press_nine(line(ADVISER_NUMBERS=""))
    is_closed_path(caller)
    assert not caller.said("Advisers answer on")


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


# -- Every Dial, from every way in ---------------------------------------------------------------

def check_dial(doc: ET.Element, ring_seconds: str = "25") -> None:
    for dial in (el for el in doc.iter() if el.tag == "Dial"):
        assert dial.get("callerId") == SERVICE
        assert dial.get("action") and dial.get("timeout") == ring_seconds
        assert dial.get("record") == "do-not-record"
        for leg in dial:
            assert urlsplit(leg.get("url")).path == "/voice/adviser/screen", ET.tostring(leg)


def test_every_dial_from_every_way_in_is_screened_and_shows_the_service_number(app, client):
    from .test_call_flow import all_states, arrive
    dials = 0
    for node, how in all_states(app):
        for key in ("9", "0"):
            caller = arrive(Caller(client, BASE, TOKEN), app, node, how).press(key)
            check_dial(caller.doc)
            caller.dial_ends("no-answer", bridged=False)
            for again in ("1", "9", "0"):
                caller.press(again)
                check_dial(caller.doc)
                dials += 1
                caller.dial_ends("busy", bridged=False)
    direct = Caller(client, BASE, TOKEN)
    direct.post("/voice/adviser")
    check_dial(direct.doc)
    assert dials > 50


def test_nothing_on_the_adviser_path_records_queues_or_offers_voicemail(line):
    caller = press_nine(line())
    docs = [caller.doc]
    phone = AdviserPhone(caller.client, BASE, TOKEN).answers(caller.dial_element()[0])
    docs.append(phone.doc)
    phone.press("1")
    docs.append(phone.doc)
    for status, bridged in [*NOT_BRIDGED, ("completed", True)]:
        caller = press_nine(line())
        caller.dial_ends(status, bridged=bridged)
        docs.append(caller.doc)
    tags = {el.tag for doc in docs for el in doc.iter()}
    assert not tags & {"Record", "Enqueue", "Conference", "Sms", "Message", "Stream", "Transcription"}
    words = " ".join(t for doc in docs for el in doc.iter() if el.tag == "Say" for t in el.itertext()).lower()
    assert "message" not in words and "voicemail" not in words and "record" not in words


def test_the_content_file_must_give_twelve_clock_hours(tmp_path):
    from ivr.line.content import ContentError
    text = (PACKAGE_DIR / "guidance" / "en-GB.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "en-GB.yaml"
    broken.write_text(text.replace("twelve, one, two,", "one, two,"), encoding="utf-8")
    with pytest.raises(ContentError, match="clock_hours"):
        load(broken)
