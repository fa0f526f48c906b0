"""The advisers' side of option 9 in the preview: the page's call waits in the switchboard's queue
(Twilio's part, made by the app factory) while the pretend advisers' phones do what was chosen.

Here the page's part is played as phone.js plays it, without a browser, and the board's clock is
moved by the test (PREVIEW_SECONDS), never by real time. The browser itself is walked in
test_phone_in_browser.py.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime

import pytest

from ivr import create_app
from ivr.settings import UK
from ivr.store import waits
from ivr.web import adviser_side
from ..caller import Caller
from ..conftest import settings
from ..databases import sqlite_url

MONDAY_MORNING = datetime(2026, 11, 30, 10, 0, tzinfo=UK)
SATURDAY = datetime(2026, 11, 28, 10, 0, tzinfo=UK)
HOURS = "Mon-Fri 09:00-17:00"
PAGE_SECONDS = 3  # a wait page: one ring and the keypad's last second
WORDS = {"goodbye": "Thank you for calling. Goodbye.", "no adviser": "Sorry, no adviser could answer just now.",
         "whisper": "A call from the helpline. Press 1 to take it."}


class Ticks:
    """The preview's seconds, moved by the test."""
    now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def preview(built_audio, tmp_path):
    """A local preview, as `scripts/run` starts it with no Twilio settings: its own switchboard."""
    def make(**extra):
        return create_app(settings(**{"TWILIO_AUTH_TOKEN": "", "PUBLIC_BASE_URL": "", "AUDIO_DIR": str(built_audio),
                                      "TTS_ENGINE": "piper", "ADVISER_NUMBERS": "", "ADVISER_HOURS": HOURS,
                                      "DATABASE_URL": sqlite_url(tmp_path), **extra}))
    return make


@pytest.fixture
def line(preview):
    def make(now=MONDAY_MORNING, **extra):
        ticks = Ticks()
        return Page(preview(CLOCK=lambda: now, PREVIEW_SECONDS=ticks, **extra), ticks)
    return make


@dataclass
class Sending:
    """A browser's test client that sends the page's CSRF token with each POST, as phone.js does;
    `application` is the line it rings (for the words of its recordings)."""
    client: object
    headers: dict
    application: object

    def get(self, path: str, **kw):
        return self.client.get(path, **kw)

    def post(self, path: str, headers: dict | None = None, **kw):
        return self.client.post(path, headers={**(headers or {}), **self.headers}, **kw)


class Page:
    """The browser phone's part, as phone.js plays it: the line's TwiML followed as Twilio would,
    and in the queue, the advisers' side asked how the wait stands."""

    def __init__(self, app, ticks: Ticks, client=None, root: str = ""):
        """`app`: the line the page rings; `client`: the browser (a test client of the app that
        serves the page, with its cookies); `root`: where the page is (the staff phone's /staff/phone)."""
        self.app, self.ticks, self.root = app, ticks, root
        client = client or app.test_client()
        token = re.search(rb'data-csrf="([^"]+)"', client.get(root + "/").data)[1].decode()
        self.client = Sending(client, {"X-CSRFToken": token}, app)  # as phone.js sends it with each POST
        self.side = app.extensions["advisers_side"]
        self.sid = "CA" + "5a" * 16
        self.caller = Caller(self.client, "http://localhost", "")
        self.events: list[str] = []
        self.enqueue: ET.Element | None = None

    def ask(self, step: str, **body) -> dict:
        response = self.client.post(f"{self.root}/phone/queue/{step}", json={"call": self.sid, **body})
        assert response.status_code == 200, response.status_code
        self.events += response.json["events"]
        return response.json

    def dial(self) -> Caller:
        """Press Call: the page posts to the line's answer webhook, as Twilio does."""
        self.caller.post(self.root + "/voice", CallStatus="ringing")
        return self.caller

    def press_9(self, outcome: str) -> dict:
        """Call, press 9, choose `outcome`; the first wait page is requested, as Twilio requests it."""
        self.dial().press("9")
        self.enqueue = self.caller.doc.find("Enqueue")
        assert self.enqueue is not None, self.caller.last
        standing = self.ask("join", outcome=outcome, enqueue=ET.tostring(self.enqueue, encoding="unicode"))
        assert standing["state"] == "waiting" and standing["fields"]["QueueSid"].startswith("QU")
        self.caller.post(self.enqueue.get("waitUrl"), **standing["fields"])
        return standing

    def hear_pages(self, pages: int = 40) -> dict:
        """Stay silent while it rings: each wait page heard to its end, then the next (its
        <Redirect>, or the waitUrl again), asking how the wait stands in between; until it is over."""
        for _ in range(pages):
            if self.caller.doc.find("Leave") is not None:
                return self.ask("leave")
            self.ticks.now += PAGE_SECONDS
            standing = self.ask("look")
            if standing["state"] != "waiting":
                return standing
            redirect = self.caller.doc.find("Redirect")
            if redirect is not None:
                self.caller.post(redirect.text)
            else:
                self.caller.post(self.enqueue.get("waitUrl"), **standing["fields"])
        raise AssertionError("still waiting")

    def talk(self, seconds: int = 30) -> dict:
        """Joined to an adviser: wait, asking every second, until the conversation is over."""
        for _ in range(seconds):
            self.ticks.now += 1
            standing = self.ask("look")
            if standing["state"] == "over":
                return standing
        raise AssertionError("still talking")

    def out_of_the_queue(self, standing: dict) -> Caller:
        """The wait is over: the <Enqueue action>, with the fields Twilio sends it."""
        assert standing["state"] == "over"
        self.caller.post(self.enqueue.get("action"), **standing["fields"])
        return self.caller


def test_the_preview_rings_its_pretend_advisers_on_the_switchboard_and_never_twilio(line):
    page = line()
    board = page.side.board
    assert page.app.extensions["ivr"].ringer.client().http_client is board  # the line's REST client
    page.press_9("no-answer")
    assert page.caller.said("Connecting you to an adviser.")
    page.ticks.now += 1  # Twilio places the REST API's calls one a second
    page.ask("look")
    created = [data for _, method, uri, data in board.requests if method == "POST" and uri.endswith("/Calls.json")]
    assert [c["To"] for c in created] == ["+442079460999", "+442079460998"]  # the two pretend advisers
    assert {c["From"] for c in created} == {"+442079460001"}
    assert "Adviser 1's phone rings." in page.events and "Adviser 2's phone rings." in page.events


def test_an_adviser_who_presses_1_takes_the_call_and_the_caller_hears_goodbye_after_talking(line):
    page = line()
    page.press_9("answered")
    standing = page.hear_pages()
    assert standing["state"] == "talking" and standing["adviser"] == "adviser 1"
    assert page.events.index("Adviser 1's phone answers.") < page.events.index(
        f"Adviser 1's phone hears: “{WORDS['whisper']}”") < page.events.index("Adviser 1 presses 1.")
    assert "Adviser 2's phone stops ringing: the line cancelled its call." in page.events
    over = page.talk()
    assert over["fields"]["QueueResult"] == "bridged" and "Adviser 1 hangs up." in page.events
    caller = page.out_of_the_queue(over)
    assert caller.said(WORDS["goodbye"]) and caller.ended


def test_a_switched_off_phone_ends_only_its_own_call_and_the_other_adviser_takes_it(line):
    page = line()
    page.press_9("off-then-answers")
    standing = page.hear_pages()
    assert standing["state"] == "talking" and standing["adviser"] == "adviser 2"
    assert "Adviser 1's phone is answered by its voicemail." in page.events
    assert page.out_of_the_queue(page.talk()).said(WORDS["goodbye"])


@pytest.mark.parametrize("outcome, advisers_side", [
    ("no-answer", "Adviser 1's phone rings out: nobody answered."),
    ("voicemail", "Adviser 1's phone hears: “No key was pressed. Goodbye.”"),
    ("busy", "Adviser 2's phone is busy."),
    ("switched-off", "Adviser 2's phone is answered by its voicemail."),
    ("twilio-down", "The line asks Twilio to ring a phone: Twilio's API cannot be reached."),
])
def test_when_no_adviser_takes_the_call_the_caller_hears_the_no_adviser_advice(line, outcome, advisers_side, caplog):
    page = line()
    page.press_9(outcome)
    standing = page.hear_pages()
    assert standing["fields"]["QueueResult"] == "leave"  # the line's wait page said <Leave>
    assert advisers_side in page.events
    caller = page.out_of_the_queue(standing)
    assert caller.said(WORDS["no adviser"]) and caller.said("To try an adviser again, press 1.")
    if outcome == "twilio-down":
        assert '"why": "Twilio\'s API could not be reached"' in caplog.text


def test_star_while_it_rings_stops_waiting_and_every_phone_stops_ringing(line):
    page = line()
    page.press_9("no-answer")
    page.ticks.now += PAGE_SECONDS
    page.ask("look")
    page.caller.post(page.caller.gather().get("action"), Digits="*")  # a key in the wait page's keypad
    assert page.caller.doc.find("Leave") is not None
    caller = page.out_of_the_queue(page.ask("leave"))
    assert caller.said("You have stopped waiting.") and caller.said("To go back to the guidance, press 2.")
    page.ask("look")
    assert {leg.status for leg in page.side.board.legs()} == {"canceled"}


def test_hanging_up_while_it_rings_stops_every_phone_and_the_wait_is_gone(line):
    page = line()
    page.press_9("no-answer")
    page.ticks.now += PAGE_SECONDS
    page.ask("look")
    standing = page.ask("hang-up")  # all the page sends: Twilio (the board) tells the line itself
    assert standing["fields"]["QueueResult"] == "hangup" and standing["fields"]["CallStatus"] == "completed"
    assert {leg.status for leg in page.side.board.legs()} == {"canceled"}
    assert waits.read(page.app.extensions["ivr"].database, page.enqueue.text) is None


def test_hanging_up_while_talking_ends_the_advisers_call_too(line):
    page = line()
    page.press_9("answered")
    assert page.hear_pages()["state"] == "talking"
    standing = page.ask("hang-up")
    assert standing["fields"]["QueueResult"] == "bridged" and standing["fields"]["CallStatus"] == "completed"
    assert page.side.board.legs("+442079460999")[0].status == "completed"


def test_the_board_moves_with_the_preview_clock_only_when_asked_and_skip_moves_on(preview):
    ticks = Ticks()
    app = preview(ADVISER_HOURS="Mon-Sun 00:00-24:00", PREVIEW_SECONDS=ticks)  # the line's clock: the preview's
    page = Page(app, ticks)
    side, board = page.side, page.side.board
    line_clock = app.extensions["ivr"].clock
    page.press_9("voicemail")  # answers after 12 s
    ticks.now = 11
    assert board.now == 0  # nobody asked yet
    page.ask("look")
    assert board.now == 11 and "Adviser 1's phone is answered by its voicemail." not in page.events
    before = line_clock()
    page.ask("skip")
    assert board.now == 12 and "Adviser 1's phone is answered by its voicemail." in page.events
    assert (line_clock() - before).total_seconds() == pytest.approx(1)  # the line's clock moved on with it
    assert side.ahead == pytest.approx(1)


def test_the_clock_the_page_asks_for_is_the_one_the_line_reads(line):
    page = line(now=SATURDAY)
    action = page.caller.dial().gather().get("action")
    asked = {c: page.client.post(action, data={"Digits": "9"}, headers={adviser_side.CLOCK_HEADER: c}).data
             for c in ("open", "closed", "")}
    assert b"<Enqueue" in asked["open"]  # the next opening: Monday at nine
    for clock in ("closed", ""):  # it is Saturday
        assert b"<Enqueue" not in asked[clock] and b"adviser.closed" in asked[clock]


def test_the_outcomes_offered_are_those_that_can_happen_with_these_settings(line):
    offered = lambda page: [o["id"] for o in page.client.get("/phone/line.json").json["outcomes"]]  # noqa: E731
    assert offered(line()) == [o.id for o in adviser_side.OUTCOMES]
    assert "out-of-hours" not in offered(line(ADVISER_HOURS="Mon-Sun 00:00-24:00"))
    assert "off-then-answers" not in offered(line(ADVISER_NUMBERS="+442079460901"))  # one phone cannot do both


@pytest.mark.parametrize("step, body, status", [
    ("join", {"enqueue": "<Say>hi</Say>", "outcome": "busy"}, 400),
    ("join", {"enqueue": "<Enqueue", "outcome": "busy"}, 400),
    ("join", {"enqueue": "<Enqueue>q</Enqueue>", "outcome": "bribed"}, 400),
    ("join", {"call": "CA1", "enqueue": "<Enqueue>q</Enqueue>", "outcome": "busy"}, 400),
    ("look", {}, 404),  # a call that is not waiting
    ("dial", {}, 404),
])
def test_anything_but_a_call_waiting_at_an_enqueue_is_refused(line, step, body, status):
    page = line()
    sent = {"call": page.sid, **body}
    assert page.client.post(f"/phone/queue/{step}", json=sent).status_code == status


def test_the_advisers_side_is_asked_from_this_page_only(line):
    page = line()
    refused = page.client.client.post("/phone/queue/look", json={"call": page.sid})  # no CSRF token: not this page
    assert refused.status_code == 400 and not refused.is_json
