"""The advisers' side of option 9 in the preview, played against the real line's TwiML.

The page's part (choosing, ringing, skipping) is in test_phone_in_browser.py; here each outcome's
plan is followed as the page follows it, and what the line then says is checked.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

import pytest

from ivr.audio.manifest import Manifest
from ivr.settings import UK
from ivr.web import adviser_side
from ..caller import Caller

MONDAY_MORNING = datetime(2026, 11, 30, 10, 0, tzinfo=UK)
SATURDAY = datetime(2026, 11, 28, 10, 0, tzinfo=UK)
HOURS = "Mon-Fri 09:00-17:00"


@pytest.fixture
def line(make_app, built_audio):
    def make(now=MONDAY_MORNING, **extra):
        app = make_app(**{"TWILIO_AUTH_TOKEN": "", "PUBLIC_BASE_URL": "", "AUDIO_DIR": str(built_audio),
                          "TTS_ENGINE": "piper", "ADVISER_HOURS": HOURS, "CLOCK": lambda: now, **extra})
        return app.test_client()
    return make


def seconds(built_audio, prompt: str) -> float:
    return Manifest.load(built_audio).entries[f"en-GB/normal/{prompt}"].duration


def press_9(client) -> tuple[Caller, ET.Element]:
    caller = Caller(client, "http://localhost", "").dial()
    caller.press("9")
    return caller, caller.dial_element()


def csrf(client) -> dict:
    """The page's CSRF token, as phone.js sends it with each POST to /phone/advisers."""
    import re
    token = re.search(rb'data-csrf="([^"]+)"', client.get("/").data)[1].decode()
    return {"X-CSRFToken": token}


def plan_for(client, outcome: str, dial: ET.Element, url: str = "http://localhost/voice/key?node=main") -> dict:
    response = client.post("/phone/advisers", json={"dial": ET.tostring(dial, encoding="unicode"),
                                                    "url": url, "outcome": outcome}, headers=csrf(client))
    assert response.status_code == 200, response.status_code
    return response.json


def follow(caller: Caller, step: dict) -> Caller:
    assert step["method"] == "POST"
    caller.post(step["url"], **step["params"])
    return caller


def texts(plan: dict) -> list[str]:
    return [e["text"] for e in plan["events"]]


def test_an_adviser_who_answers_hears_the_whisper_presses_1_and_is_joined(line, built_audio):
    caller, dial = press_9(line())
    plan = plan_for(caller.client, "answered", dial)
    assert texts(plan) == ["An adviser answers.",
                           "The adviser's phone hears: “A call from the helpline. Press 1 to take it.”",
                           "The adviser presses 1.", texts(plan)[3], "The adviser hangs up."]
    assert plan["ring"] == pytest.approx(6 + seconds(built_audio, "adviser.whisper") + 1)
    assert plan["talk"] == 5
    assert plan["next"]["params"] == {"CallStatus": "in-progress", "DialCallStatus": "completed",
                                      "DialCallSid": adviser_side.LEG_SID, "DialBridged": "true",
                                      "DialCallDuration": "5"}
    follow(caller, plan["next"])
    assert caller.said("Thank you for calling. Goodbye.") and caller.ended


@pytest.mark.parametrize("outcome, answers", [("voicemail", 15), ("switched-off", 2)])
def test_a_voicemail_hears_the_whisper_but_never_takes_the_call(line, built_audio, outcome, answers):
    caller, dial = press_9(line())
    plan = plan_for(caller.client, outcome, dial)
    heard = texts(plan)
    assert "No key is pressed." in heard and "The adviser's phone hears: “No key was pressed. Goodbye.”" in heard
    assert heard[-2:] == ["The line hangs up on that phone.",
                          "Nobody pressed 1, so the call was not joined: a voicemail never takes a caller."]
    assert plan["ring"] == pytest.approx(answers + seconds(built_audio, "adviser.whisper") + 8
                                         + seconds(built_audio, "adviser.whisper_missed"))
    assert plan["talk"] == 0
    assert plan["next"]["params"]["DialCallStatus"] == "completed"
    assert plan["next"]["params"]["DialBridged"] == "false"
    follow(caller, plan["next"])
    assert caller.said("Sorry, no adviser could answer just now.") and caller.said("press 1")


@pytest.mark.parametrize("outcome, status, ring", [("busy", "busy", 1), ("no-answer", "no-answer", 25)])
def test_a_busy_or_unanswered_phone_leads_to_the_helpline(line, outcome, status, ring):
    caller, dial = press_9(line())
    plan = plan_for(caller.client, outcome, dial)
    assert plan["ring"] == ring and plan["next"]["params"]["DialCallStatus"] == status
    follow(caller, plan["next"])
    assert caller.said("Sorry, no adviser could answer just now.")
    assert caller.said("The National Domestic Abuse Helpline is open day and night.")


def test_a_voicemail_slower_than_the_ringing_is_no_answer(line):
    caller, dial = press_9(line(ADVISER_RING_SECONDS="10"))
    plan = plan_for(caller.client, "voicemail", dial)
    assert texts(plan) == ["Nobody answered within 10 seconds."]
    assert plan["next"]["params"]["DialCallStatus"] == "no-answer"


def test_star_while_it_rings_stops_waiting_and_offers_the_choices(line):
    caller, dial = press_9(line())
    plan = plan_for(caller.client, "answered", dial)
    assert plan["on_star"]["params"]["DialBridged"] == "false"
    follow(caller, plan["on_star"])
    assert caller.said("To go back to the guidance, press 2.")


def test_the_clock_the_page_asks_for_is_the_one_the_line_reads(line):
    client = line(now=SATURDAY)
    caller = Caller(client, "http://localhost", "").dial()
    action = caller.gather().get("action")
    asked = {c: client.post(action, data={"Digits": "9"}, headers={adviser_side.CLOCK_HEADER: c}).data
             for c in ("open", "closed", "")}
    assert b"<Dial" in asked["open"]  # the next opening: Monday at nine
    for clock in ("closed", ""):  # it is Saturday
        assert b"<Dial" not in asked[clock] and b"adviser.closed" in asked[clock]


def test_out_of_hours_is_offered_only_when_the_hours_have_a_closed_time(line):
    offered = lambda client: [o["id"] for o in client.get("/phone/line.json").json["outcomes"]]  # noqa: E731
    assert offered(line()) == [o.id for o in adviser_side.OUTCOMES]
    assert "out-of-hours" not in offered(line(ADVISER_HOURS="Mon-Sun 00:00-24:00"))


@pytest.mark.parametrize("body", [{"dial": "<Say>hi</Say>", "outcome": "busy"}, {"dial": "<Dial", "outcome": "busy"},
                                  {"dial": "<Dial/>", "outcome": "bribed"}, {}])
def test_anything_but_a_dial_and_a_known_outcome_is_refused(line, body):
    assert line().post("/phone/advisers", json=body).status_code == 400


def test_the_advisers_side_plays_this_line_only(line):
    caller, dial = press_9(line())
    for noun in dial:
        noun.set("url", "http://elsewhere.example/screen")
    assert caller.client.post("/phone/advisers", json={"dial": ET.tostring(dial, encoding="unicode"),
                                                       "url": "http://localhost/voice", "outcome": "answered"},
                              headers=csrf(caller.client)).status_code == 400
