"""A caller's number never reaches a log line or a file, whether it is known or withheld.

Twilio sends the caller's number in the form body (From, Caller). The line logs one JSON line
per request from what it put in the URL itself, so the number has nowhere to go.
"""
from __future__ import annotations

import json
import logging
import subprocess
import sys
import traceback
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

from .. import wire
from ..caller import Caller

KNOWN = "+447700900123"
# How Twilio presents a withheld number: the word, or one of its placeholder numbers.
WITHHELD = ["anonymous", "+266696687", "+86282452253", "+7378742833", "+2562533"]
NUMBERS = [KNOWN, *WITHHELD]


def traces(number: str) -> list[str]:
    """The number in the forms it could be written."""
    digits = number.lstrip("+")
    out = [number, digits]
    if number == KNOWN:
        out += ["07700900123", "7700900123", "07700 900123", "%2B447700900123"]
    return out


def place_calls(board, number: str, monkeypatch) -> int:
    """A whole call from `number`: menus, silence, a wrong key, the adviser (one voicemail, one
    phone unanswered: the wait ends unanswered), a failure, a forgery; how many requests it made."""
    board.script("+442079460901", "voicemail")
    caller = board.caller(from_number=number)
    caller.dial().press("1").wait().press("7").press("9")
    assert board.settle(until=lambda: caller.said("Sorry, no adviser could answer just now."))
    caller.press("2")
    caller.post("/voice/fallback", ErrorCode="11200")
    client = board.client
    requests = len(caller.statuses) + board.webhooks
    with monkeypatch.context() as m:
        m.setattr("ivr.line.webhooks.Webhook.page", lambda *a, **k: 1 / 0)  # the error path logs a traceback
        caller.press("1")
        requests += 1
    status = wire.post(client, "/voice/status", None, [*caller.params(CallStatus="completed").items()])
    forged = wire.post(client, "/voice/key", {"node": "main"}, [*caller.params(Digits="1").items()], token="guess")
    assert (status.status_code, forged.status_code) == (204, 403)
    return requests + 2


def logged_text(record: logging.LogRecord) -> str:
    parts = [record.getMessage(), repr(record.args), repr(vars(record))]
    if record.exc_info:
        parts.append("".join(traceback.format_exception(*record.exc_info)))
    return "\n".join(parts)


@pytest.mark.parametrize("number", NUMBERS)
def test_no_log_line_and_no_file_holds_the_callers_number(make_app, board, tmp_path, monkeypatch, caplog, number):
    monkeypatch.chdir(tmp_path)
    make_app(AUDIO_DIR=str(tmp_path / "audio"))
    caplog.set_level(logging.DEBUG)
    place_calls(board, number, monkeypatch)
    assert caplog.records, "the calls should have been logged"
    for record in caplog.records:
        text = logged_text(record)
        for trace in traces(number):
            assert trace not in text, f"{trace!r} logged by {record.name}: {record.getMessage()}"
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for trace in traces(number):
                assert trace.encode() not in data, f"{trace!r} written to {path}"


def test_one_structured_line_per_request_and_nothing_else_about_the_call(make_app, board, monkeypatch, caplog):
    make_app()
    caplog.clear()  # start-up lines (how many prompts have audio) are about the line, not a call
    caplog.set_level(logging.DEBUG)
    requests = place_calls(board, KNOWN, monkeypatch)
    lines = [r for r in caplog.records if r.name == "ivr.requests"]
    assert len(lines) == requests
    allowed = {"path", "node", "key", "status", "ms", "refused", "outcome", "adviser"}
    keys_pressed = []
    for record in lines:
        line = json.loads(record.getMessage())
        assert {"path", "node", "key", "status", "ms"} <= set(line) <= allowed, line
        assert line["path"].startswith("/voice") and isinstance(line["ms"], (int, float))
        keys_pressed.append(line["key"])
    assert [k for k in keys_pressed if k] == ["1", "7", "9", "2", "1"]
    others = [r.getMessage() for r in caplog.records if r.name.startswith("ivr") and r.name != "ivr.requests"]
    assert others == ["webhook failed: /voice/key"]  # only the deliberate failure, as a traceback



def test_refusals_of_every_kind_are_logged_like_any_answer(make_app, caplog):
    """A wrong method, an unknown file and a missing page are answered before any view runs,
    and each still gets its one line, at WARNING."""
    client = make_app().test_client()
    caplog.set_level(logging.DEBUG)
    statuses = [client.get("/voice").status_code, client.get("/audio/nothing.mp3").status_code,
                client.post("/nowhere").status_code]
    assert statuses == [405, 404, 404]
    lines = [(r.levelno, json.loads(r.getMessage())) for r in caplog.records if r.name == "ivr.requests"]
    assert [(level, line["path"], line["status"]) for level, line in lines] == [
        (logging.WARNING, "/voice", 405), (logging.WARNING, "/audio/nothing.mp3", 404),
        (logging.WARNING, "/nowhere", 404)]


# -- The production server: `ivr serve` with gunicorn ---------------------------------------------

def http_post(port: int, path: str, form: dict, token: str = wire.TOKEN) -> int:
    signature = wire.sign(wire.BASE + path, wire.MultiDict(form), token)
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=urlencode(form).encode(),
                                     headers={"X-Twilio-Signature": signature})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_ivr_serve_logs_one_line_per_request_and_never_the_number(tmp_path):
    port = wire.free_port()
    out, err = open(tmp_path / "stdout", "w"), open(tmp_path / "stderr", "w")
    server = subprocess.Popen([sys.executable, "-c", "from ivr.cli import main; main()", "serve",
                               "--bind", f"127.0.0.1:{port}", "--workers", "1"],
                              cwd=tmp_path, env=wire.server_env(tmp_path), stdout=out, stderr=err)
    try:
        wire.wait_until_listening(server, port)
        statuses = []
        for number in NUMBERS:
            call = {**wire.CALL_FIELDS, "From": number, "Caller": number}
            pressed = {**call, "Digits": "1"}
            statuses += [http_post(port, "/voice", call),
                         http_post(port, "/voice/key?node=main&misses=0&lang=en-GB&rate=normal", pressed),
                         http_post(port, "/voice/key?node=main", pressed, token="guess")]
    finally:
        server.terminate()
        server.wait(timeout=30)
        out.close()
        err.close()
    assert statuses == [200, 200, 403] * len(NUMBERS)
    logs = (tmp_path / "stdout").read_text() + (tmp_path / "stderr").read_text()
    request_lines = [line for line in logs.splitlines() if "ivr.requests" in line]
    assert len(request_lines) == len(statuses)
    assert "POST /voice" not in logs  # gunicorn's own access log is off: the app's line is the log
    for number in NUMBERS:
        for trace in traces(number):
            assert trace not in logs, trace
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.name not in ("stdout", "stderr"):
            assert not any(t.encode() in path.read_bytes() for n in NUMBERS for t in traces(n)), path
