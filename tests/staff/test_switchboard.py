"""The switchboard plays Twilio as Twilio documents itself, not as the line assumes.

Each test serves a few fixed TwiML documents from a tiny Flask app, so what is checked is the
stand-in's behaviour alone: <Number>s ringing together, screening, queues, the REST resources.
"""
from __future__ import annotations

import pytest
from flask import Flask, Response, request
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from ivr.staff.phones import Phone, parse_phone
from ivr.staff.switchboard import ACCOUNT_SID, AUTH_TOKEN, Switchboard

A, B = "+442079460901", "+442079460902"
SERVICE = "+442079460001"


def twiml_app(documents: dict[str, str], seen: list | None = None) -> Flask:
    """POST <path> -> the fixed document; every request's path and form recorded in `seen`."""
    app = Flask(__name__)
    for path, body in documents.items():
        def view(body=body):
            if seen is not None:
                seen.append((request.path, request.form.to_dict()))
            return Response(f"<Response>{body}</Response>", mimetype="text/xml")
        app.add_url_rule(path, path, view, methods=["POST"])
    return app


def board_for(documents: dict[str, str], seen: list | None = None) -> Switchboard:
    return Switchboard(twiml_app(documents, seen).test_client())


SCREEN = ('<Gather numDigits="1" timeout="5" action="/accept" finishOnKey=""><Say>Press 1.</Say></Gather>'
          '<Hangup/>')


def test_numbers_in_one_dial_ring_together_and_the_first_to_answer_wins_the_rest_hung_up():
    seen = []
    board = board_for({"/voice": f'<Dial action="/done"><Number>{A}</Number><Number>{B}</Number></Dial>',
                       "/done": "<Hangup/>"}, seen)
    board.script(A, "answers-after=5")
    board.script(B, "answers-after=2")
    caller = board.caller().dial()
    board.advance(3)
    assert board.talking(caller) == B
    assert board.legs(A)[0].status == "canceled"  # hung up the moment B answered
    board.advance(60)
    done = dict(seen)["/done"]
    assert (done["DialCallStatus"], done["DialBridged"]) == ("completed", "true")


def test_a_hangup_in_the_screening_document_ends_the_dial_completed_but_not_bridged():
    seen = []
    board = board_for({"/voice": f'<Dial action="/done"><Number url="/screen">{A}</Number>'
                                 f'<Number url="/screen">{B}</Number></Dial>',
                       "/screen": SCREEN, "/done": "<Hangup/>"}, seen)
    board.script(A, "off")
    board.script(B, "answers-after=8")
    caller = board.caller().dial()
    board.settle()
    done = dict(seen)["/done"]
    assert (done["DialCallStatus"], done["DialBridged"]) == ("completed", "false")
    assert board.legs(B)[0].status == "canceled" and board.legs(B)[0].answered_at is None
    assert board.talking(caller) is None


def test_a_queue_is_made_by_enqueue_its_wait_url_loops_and_leave_runs_the_action():
    seen = []
    board = board_for({"/voice": '<Enqueue waitUrl="/wait" action="/left">q1</Enqueue>',
                       "/wait": '<Gather numDigits="1" timeout="1" action="/key"><Say>Hold.</Say></Gather>',
                       "/key": "<Leave/>", "/left": "<Say>Bye.</Say><Hangup/>"}, seen)
    caller = board.caller().dial()
    board.advance(10)
    waits = [form for path, form in seen if path == "/wait"]
    assert len(waits) >= 4 and waits[0]["QueueSid"].startswith("QU") and waits[-1]["QueueTime"] != "0"
    caller.press("*")
    assert dict(seen)["/left"]["QueueResult"] == "leave" and caller.last == ["Bye."]
    assert [q.name for q in board.queues.values()] == ["q1"]  # queues persist until deleted


def test_dialling_a_queue_takes_its_first_caller_and_the_action_comes_after_the_talk():
    seen = []
    board = board_for({"/voice": '<Enqueue waitUrl="/wait" action="/left">q1</Enqueue>',
                       "/wait": "<Pause length=\"3\"/>", "/left": "<Hangup/>",
                       "/adviser": '<Dial><Queue url="/through">q1</Queue></Dial>', "/through": ""}, seen)
    board.script(A, Phone("person", after=2, talks=30))
    caller = board.caller().dial()
    client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=board)
    client.calls.create(to=A, from_=SERVICE, url="https://line.example.org/adviser")
    board.advance(5)
    assert board.talking(caller) == A and "/through" in dict(seen)
    assert "/left" not in dict(seen)  # "hit once when the bridged parties disconnect"
    board.advance(40)
    assert dict(seen)["/left"]["QueueResult"] == "bridged"


def test_dialling_a_queue_that_does_not_exist_posts_an_error_status():
    seen = []
    board = board_for({"/adviser": '<Dial action="/after"><Queue>nowhere</Queue></Dial>', "/after": "<Hangup/>"},
                      seen)
    board.script(A, "answers")
    Client(ACCOUNT_SID, AUTH_TOKEN, http_client=board).calls.create(to=A, from_=SERVICE,
                                                                   url="https://line.example.org/adviser")
    board.advance(10)
    assert dict(seen)["/after"]["DialCallStatus"] == "failed"


def test_rest_calls_are_placed_at_the_calls_per_second_rate_and_report_completed():
    seen = []
    board = board_for({"/leg": "<Hangup/>", "/status": ""}, seen)
    client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=board)
    numbers = [f"+4420794609{n:02d}" for n in range(10)]
    for number in numbers:
        client.calls.create(to=number, from_=SERVICE, url="https://line.example.org/leg", timeout=20,
                            status_callback="https://line.example.org/status")
    board.advance(0.1)
    assert [c.status for c in board.legs()].count("ringing") == 1
    board.advance(9)
    assert [c.status for c in board.legs()].count("ringing") == 10  # the tenth rings 9 s after the first
    board.advance(30)
    statuses = [form["CallStatus"] for path, form in seen if path == "/status"]
    assert statuses == ["no-answer"] * 10


def test_cancelling_a_queued_call_fires_no_callback_and_completed_hangs_up_one_in_progress():
    seen = []
    board = board_for({"/leg": '<Pause length="30"/>', "/status": ""}, seen)
    board.script(A, "answers-after=1")
    client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=board)
    first = client.calls.create(to=A, from_=SERVICE, url="https://line.example.org/leg",
                                status_callback="https://line.example.org/status")
    second = client.calls.create(to=B, from_=SERVICE, url="https://line.example.org/leg",
                                 status_callback="https://line.example.org/status")
    client.calls(second.sid).update(status="canceled")  # still queued behind the first (1 a second)
    board.advance(3)
    client.calls(first.sid).update(status="canceled")   # in progress: canceled does nothing
    assert board.calls[first.sid].status == "in-progress"
    client.calls(first.sid).update(status="completed")
    assert [form["CallStatus"] for path, form in seen if path == "/status"] == ["completed"]


def test_only_an_empty_queue_can_be_deleted():
    board = board_for({"/voice": '<Enqueue waitUrl="/wait">q1</Enqueue>', "/wait": '<Pause length="5"/>'})
    caller = board.caller().dial()
    board.advance(1)
    client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=board)
    (queue,) = board.queues.values()
    with pytest.raises(TwilioRestException):
        client.queues(queue.sid).delete()
    caller.hang_up()
    assert client.queues(queue.sid).delete() is True and not board.queues


def test_wrong_credentials_are_refused_as_twilio_does():
    board = board_for({})
    with pytest.raises(TwilioRestException) as refused:
        Client(ACCOUNT_SID, "wrong", http_client=board).calls.create(to=A, from_=SERVICE, url="https://x.example/")
    assert (refused.value.status, refused.value.code) == (401, 20003)
    with pytest.raises(TwilioRestException) as unknown_number:
        Client(ACCOUNT_SID, AUTH_TOKEN, http_client=board).calls.create(to=A, from_=B, url="https://x.example/")
    assert unknown_number.value.code == 21210


@pytest.mark.parametrize("text,phone", [
    ("off", Phone("voicemail", 1.5, "")), ("answers-after=8", Phone("person", 8.0)),
    ("declines-after=3", Phone("person", 3.0, "2")), ("answered", Phone("person")), ("busy", Phone("busy"))])
def test_adviser_behaviours_are_read_from_words(text, phone):
    assert parse_phone(text) == phone


@pytest.mark.parametrize("text", ["sometimes", "busy-after=3", "answers-after=soon"])
def test_an_unknown_behaviour_names_the_choices(text):
    with pytest.raises(ValueError, match="answers, declines"):
        parse_phone(text)
