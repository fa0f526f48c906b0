"""The browser phone on the real line (Twilio settings present): for signed-in staff only, at
/staff/phone/, ringing a line of its own that sends nothing to Twilio and counts nothing.

The real line here is wired to the test's switchboard as its Twilio, so anything the staff
phone wrongly sent to Twilio would be on `board.requests`.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

import json
import logging
from collections import Counter

import pytest

from ..counting import stored
from .conftest import Browser, add_account
from .test_adviser_side import HOURS, WORDS, Page, Ticks

ROOT = "/staff/phone"


@pytest.fixture
def real_line(staff_app, board, built_audio):
    """The real line, with its Twilio the test's board, and one staff account; `processes` is
    WEB_CONCURRENCY."""
    def make(processes: str = "1"):
        ticks = Ticks()
        twilio = {k: v for k, v in board.config().items() if k != "CLOCK"}
        app = staff_app(AUDIO_DIR=str(built_audio), TTS_ENGINE="piper", ADVISER_HOURS=HOURS,
                        WEB_CONCURRENCY=processes, PREVIEW_SECONDS=ticks, **twilio)
        add_account(app.extensions["ivr"].database)
        return app, ticks
    return make


@pytest.fixture
def staff(real_line, clock):
    """Signed in on the real line, with the staff phone's page open."""
    def make(processes: str = "1") -> Page:
        app, ticks = real_line(processes)
        browser = Browser(app.test_client(), clock)
        browser.full_sign_in()
        assert browser.signed_in()
        page = browser.get(ROOT + "/")
        assert page.status_code == 200, page.status_code
        line = app.extensions["staff_phone"].app()
        staff_page = Page(line, ticks, client=browser.client, root=ROOT)
        staff_page.real = app
        return staff_page
    return make


def test_nobody_signed_in_gets_the_sign_in_page_or_403_and_no_line_is_built(real_line):
    app, _ = real_line()
    client = app.test_client()
    for path in (ROOT + "/", ROOT + "/phone/line.json", ROOT + "/phone/static/phone.js"):
        page = client.get(path)
        assert page.status_code == 302 and page.headers["Location"].startswith("/staff/sign-in?next=/staff/phone/")
    for path in (ROOT + "/voice", ROOT + "/voice/key?node=main", ROOT + "/phone/queue/join"):
        assert client.post(path, data={"Digits": "1"}).status_code == 403
    assert app.extensions["staff_phone"].line is None  # nothing of it was even made
    assert client.get("/").status_code == 404  # the local preview's page is not the real line's


def test_signed_in_staff_hear_the_line_and_every_link_stays_on_the_staff_phone(staff):
    page = staff()
    html = page.client.get(ROOT + "/").get_data(as_text=True)
    assert 'data-answer="/staff/phone/voice"' in html and 'data-line="/staff/phone/phone/line.json"' in html
    assert "the phone line, for staff" in html and "nothing is sent to Twilio" in html
    caller = page.dial()
    assert caller.heard and not any(h.startswith("[audio]") for h in caller.heard), caller.heard
    caller.press("1")
    assert caller.statuses and set(caller.statuses) == {200}
    urls = [el.get("action") for el in caller.doc.iter("Gather")] + [el.text for el in caller.doc.iter("Redirect")]
    assert urls and all(u.startswith(ROOT + "/voice/") for u in urls), urls
    assert caller.played and all(u.startswith(ROOT + "/audio/") for u in caller.played), caller.played
    recording = page.client.get(caller.played[0])
    assert recording.status_code == 200 and recording.data[:4] == b"RIFF"
    line = page.client.get(ROOT + "/phone/line.json").json
    copy = next(a["browser"] for a in line["audio"].values() if a["browser"])
    assert copy.startswith(ROOT + "/phone/audio/") and page.client.get(copy).status_code == 200


def test_a_post_without_the_pages_token_is_refused_and_the_real_webhooks_stay_signed(staff):
    page = staff()
    browser = page.client.client  # the signed-in browser, without phone.js's header
    assert browser.post(ROOT + "/voice", data={"CallStatus": "ringing"}).status_code == 400
    assert browser.post("/voice", data={"CallStatus": "ringing"}, headers=page.client.headers).status_code == 403


def test_only_the_phones_own_parts_are_passed_on(staff):
    page = staff()
    for path in ("/staff/", "/staff/sign-in", "/staff/figures/", "/healthz", "/nothing"):
        assert page.client.get(ROOT + path).status_code == 404, path


def test_the_staff_phones_line_sets_no_cookie_and_never_sees_the_staff_session(staff):
    page = staff()
    for answer in (page.client.get(ROOT + "/"), page.client.post(ROOT + "/voice", data={"CallStatus": "ringing"})):
        cookies = answer.headers.getlist("Set-Cookie")
        assert all(c.startswith("__Host-staff=") for c in cookies), cookies


def test_option_9_rings_pretend_advisers_on_its_own_switchboard_and_nothing_reaches_twilio(staff, board):
    page = staff()
    page.press_9("answered")
    standing = page.hear_pages()
    assert standing["state"] == "talking" and standing["adviser"] == "adviser 1"
    assert "Adviser 1 presses 1." in page.events
    caller = page.out_of_the_queue(page.talk())
    assert caller.said(WORDS["goodbye"]) and caller.ended
    created = [data["To"] for _, method, uri, data in page.side.board.requests if uri.endswith("/Calls.json")]
    assert created == ["+442079460999", "+442079460998"]  # the pretend advisers, never ADVISER_NUMBERS
    assert board.requests == []  # the real line's Twilio was never asked for anything
    real = page.real.extensions["ivr"]
    real.figures.flush()
    assert stored(real.database) == (Counter(), Counter())  # the real line counted no call


def test_with_several_worker_processes_option_9_says_why_it_cannot_be_tried_here(staff):
    page = staff(processes="2")
    line = page.client.get(ROOT + "/phone/line.json").json
    assert line["outcomes"] == [] and "runs 2 worker processes" in line["noOutcomes"]
    page.dial().press("9")
    enqueue = page.caller.doc.find("Enqueue")
    join = page.client.post(ROOT + "/phone/queue/join", json={"call": page.sid, "outcome": "answered",
                                                               "enqueue": ET.tostring(enqueue, encoding="unicode")})
    assert join.status_code == 400


def test_each_staff_phone_request_is_logged_once_under_its_own_path(staff, caplog):
    page = staff()
    caplog.set_level(logging.INFO, logger="ivr.requests")
    caplog.clear()
    page.dial().press("1")
    paths = [json.loads(r.getMessage())["path"] for r in caplog.records if r.name == "ivr.requests"]
    assert paths == ["/staff/phone/voice", "/staff/phone/voice/key"]  # never the real line's /voice
