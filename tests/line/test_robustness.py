"""Whatever arrives, every webhook answers with TwiML that keeps the call going, or a refusal.

Property-based: hypothesis sends signed requests with any Digits, missing and repeated fields,
unknown nodes, absurd counts, odd languages and rates. The answer is always valid TwiML that
keeps the call going (or the deliberate end of a finished adviser call, or an adviser-leg
document), never a 500 and never the error page (which would hide a bug).
"""
from __future__ import annotations

import json
import logging
from contextlib import contextmanager

import pytest
from hypothesis import given, strategies as st
from twilio.twiml.voice_response import VoiceResponse

from ivr.line import flow
from ivr.line.adviser import CALLER_GONE
from .. import wire
from ..conftest import settings

NODES = ["main", "police", "police_come", "court", "emergency", "arrest", "harassment"]
KEYS = list("0123456789*#") + ["", " ", "11", "99", "1#"]
STANDARD = ["CallSid", "AccountSid", "From", "Caller", "To", "Called", "CallStatus", "Direction", "ApiVersion"]
TWILIO_FIELDS = ["Digits", "FinishedOnKey", "DialCallStatus", "DialBridged", "DialCallDuration", "CallStatus",
                 "ErrorCode", "CallDuration", "QueueResult", "QueueSid", "QueueTime"]
STATUSES = ["completed", "busy", "no-answer", "failed", "canceled", "in-progress", "ringing"]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from ivr import create_app
    app = create_app(settings(AUDIO_DIR=str(tmp_path_factory.mktemp("audio"))))
    app.config["TESTING"] = True  # an exception that escapes fails the test instead of hiding
    return app


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def webhooks(app) -> list[tuple[str, str]]:
    """(endpoint, path) of every Twilio webhook, read from the app so a new one is covered too."""
    return sorted((r.endpoint, r.rule) for r in app.url_map.iter_rules() if r.endpoint.startswith("voice."))


@contextmanager
def log_records():
    """Every record the line logs while the block runs (hypothesis cannot use caplog)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append
    logger = logging.getLogger("ivr")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


anything = st.text(max_size=40)
huge_count = st.integers(min_value=10, max_value=10**40).map(str)
query = st.fixed_dictionaries({}, optional={
    "node": st.sampled_from(NODES) | anything,
    "misses": st.integers(-5, 12).map(str) | huge_count | anything | st.just("9" * 5000) | st.just("²"),
    "lang": st.sampled_from(["en-GB", "cy-GB", "EN-gb", ""]) | anything,
    "rate": st.sampled_from(["normal", "slow", ""]) | anything,
}) | st.dictionaries(anything, anything, max_size=4)
digits = st.sampled_from(KEYS) | anything | st.text(alphabet="0123456789*#", min_size=2, max_size=300)
field_value = {"Digits": digits, "DialCallStatus": st.sampled_from(STATUSES) | anything,
               "CallStatus": st.sampled_from(STATUSES) | anything,
               "DialBridged": st.sampled_from(["true", "false", "TRUE", ""]) | anything,
               "QueueResult": st.sampled_from(["bridged", "leave", "hangup", "error", "queue-full"]) | anything}
extra_fields = st.lists(
    st.sampled_from(TWILIO_FIELDS).flatmap(lambda name: st.tuples(st.just(name), field_value.get(name, anything)))
    | st.tuples(st.text(min_size=1, max_size=12), anything),
    max_size=8)  # repeats allowed: Twilio never repeats a field, a forger might
standard_fields = st.sets(st.sampled_from(STANDARD)).map(lambda keep: [(k, wire.CALL_FIELDS[k]) for k in sorted(keep)])


def first(form, name: str) -> str:
    return next((v for k, v in form if k == name), "")


ADVISER_PHONE = {"voice.adviser_screen", "voice.adviser_accept", "voice.adviser_after"}
IN_QUEUE = {"voice.adviser_wait", "voice.adviser_wait_key"}
CALLBACKS = {"voice.status", "voice.adviser_leg"}  # Twilio ignores what these answer


def check_answer(endpoint: str, response, form) -> None:
    """The oracle: what a webhook may answer, given what it was sent."""
    if endpoint in CALLBACKS:
        assert response.status_code == 204
        return
    doc = wire.twiml(response)
    tags = wire.verbs(doc)
    if endpoint in ADVISER_PHONE:  # an adviser's phone: the whisper, why not, or hang up; never joined unasked
        assert tags in (["Gather", "Say", "Hangup"], ["Say", "Hangup"], ["Hangup"]), tags
        if tags[0] == "Gather":
            assert doc[0].get("action").startswith(wire.BASE + "/voice/adviser/accept?")
        return
    if endpoint in IN_QUEUE:  # waiting: one more ring with keys live, or leave the queue
        assert tags in (["Leave"], ["Gather", "Redirect"]), tags
        return
    if endpoint == "voice.adviser_through":  # about to be joined: nothing to say
        assert tags == [], tags
        return
    if endpoint == "voice.adviser_over" and (first(form, "CallStatus") in CALLER_GONE
                                             or first(form, "QueueResult") in ("hangup", "bridged")):
        assert tags in (["Hangup"], ["Say", "Hangup"]), tags  # gone, or goodbye after a talk
        return
    if endpoint == "voice.adviser_done":
        if first(form, "CallStatus") in CALLER_GONE:
            assert tags in ([], ["Hangup"]), tags  # the caller hung up: nothing to say to anyone
            return
        if first(form, "DialBridged").lower() == "true":
            assert tags[-1:] == ["Hangup"] and set(tags[:-1]) <= {"Say", "Play"}, tags  # goodbye after a talk
            return
    assert wire.keeps_going(doc), tags


@pytest.mark.parametrize("endpoint_path", [
    "voice.answer", "voice.key", "voice.silence", "voice.fallback", "voice.status", "voice.adviser_offer",
    "voice.adviser_done", "voice.adviser_choice", "voice.adviser_silence", "voice.adviser_screen",
    "voice.adviser_accept", "voice.adviser_wait", "voice.adviser_wait_key", "voice.adviser_over",
    "voice.adviser_through", "voice.adviser_after", "voice.adviser_leg"])
def test_the_webhooks_under_test_are_all_of_them(app, endpoint_path):
    assert endpoint_path in dict(webhooks(app))


@given(data=st.data(), q=query, standard=standard_fields, extra=extra_fields)
def test_any_signed_request_to_any_webhook_gets_an_answer_that_keeps_the_call_going(app, client, data, q,
                                                                                    standard, extra):
    endpoint, path = data.draw(st.sampled_from(webhooks(app)), label="webhook")
    form = standard + extra
    with log_records() as records:
        response = wire.post(client, path, q, form)
    check_answer(endpoint, response, form)
    failures = [r.getMessage() for r in records if r.levelno >= logging.ERROR]
    assert not failures, failures  # the error page would keep the call going, but hides a bug


@given(data=st.data(), method=st.sampled_from(["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]))
def test_a_wrong_method_is_405_signed_or_not(app, client, data, method):
    _, path = data.draw(st.sampled_from(webhooks(app)))
    signed = data.draw(st.booleans())
    response = wire.post(client, path, {"node": "main"}, [("Digits", "1")], method=method,
                         signature=None if signed else "")
    assert response.status_code == 405


def test_a_body_larger_than_twilio_ever_sends_is_refused_even_when_signed(app, client):
    for _, path in webhooks(app):
        response = wire.post(client, path, {"node": "main"}, [("Digits", "1"), ("Junk", "x" * 70_000)])
        assert response.status_code == 413, path


# What Twilio's longest fields look like: a CallToken (JSON holding a signed token) and a STIR/SHAKEN
# PASSporT, each about a kilobyte, among the forty-odd fields of a call from a real network.
CALL_TOKEN = '{"parentCallInfoToken":"' + "eyJhbGciOiJFUzI1NiJ9." * 40 + '","identityHeaderTokens":[]}'
LONG_CALL = [*wire.CALL_FIELDS.items(), ("CallToken", CALL_TOKEN), ("StirPassportToken", "eyJ0eXAiOi." * 90),
             ("StirVerstat", "TN-Validation-Passed-A"), *((f"{side}{part}", "LONDON")
                                                         for side in ("From", "To", "Caller", "Called")
                                                         for part in ("City", "State", "Zip", "Country")),
             *((f"SipHeader_X-Note-{n}", "y" * 200) for n in range(20)), ("Digits", "1")]


def test_a_large_but_plausible_body_is_answered(client):
    assert len(LONG_CALL) > 45
    doc = wire.twiml(wire.post(client, "/voice/key", {"node": "main"}, LONG_CALL))
    assert "calling the police" in wire.spoken(doc)


def test_more_fields_than_twilio_ever_sends_are_refused_even_when_signed(client):
    form = [("Digits", str((i + 1) % 10)) for i in range(3000)]
    with log_records() as records:
        response = wire.post(client, "/voice/key", {"node": "main"}, form)
    assert response.status_code == 413
    assert [json.loads(r.getMessage())["refused"] for r in records if r.name == "ivr.requests"] == ["fields"]


@pytest.mark.parametrize("raw", ["node=%FF%FE&misses=%&lang=%zz", "node=main&node=court&misses=1&misses=2",
                                 "%00=%00&node", "node=" + "a" * 4000, "=&&=&node=main%00"])
def test_a_mangled_query_string_signed_as_sent_still_keeps_the_call_going(client, raw):
    form = [*wire.CALL_FIELDS.items(), ("Digits", "#")]
    signature = wire.sign(f"{wire.BASE}/voice/key?{raw}", wire.MultiDict(form))
    with log_records() as records:
        response = client.post(f"/voice/key?{raw}", data=wire.MultiDict(form),
                               headers={"X-Twilio-Signature": signature})
    assert not [r for r in records if r.levelno >= logging.ERROR]
    assert wire.keeps_going(wire.twiml(response))


def test_absurd_counts_and_unknown_places_still_land_somewhere_useful(client):
    for misses, offers_person_first in [("99999999999999999999999", True), ("9" * 5000, True), ("-1", False),
                                        ("²", False), ("٣", False), ("1e9", False)]:
        with log_records() as records:
            doc = wire.twiml(wire.post(client, "/voice/silence", {"node": "nowhere", "misses": misses}, []))
        assert not [r for r in records if r.levelno >= logging.ERROR], misses
        assert wire.keeps_going(doc)
        assert "main menu, for england and wales." in wire.spoken(doc)
        assert ("talk to a person, press 9 now" in wire.spoken(doc)) == offers_person_first, misses


def test_the_audio_route_answers_a_file_or_404(app, client):
    @given(name=st.text(max_size=60) | st.sampled_from(["../../etc/passwd", "en-GB/normal/x.mp3", "%00", ""]))
    def property_(name):
        response = client.get("/audio/" + name)
        assert response.status_code in (200, 404), (name, response.status_code)
        if response.status_code == 200:
            assert response.mimetype.startswith("audio/")
    property_()


# -- Faults: an exception anywhere still gives the caller a way to get help -----------------------

def boom(*args, **kwargs):
    raise RuntimeError("boom")


FAILURE_POINTS = ["ivr.line.webhooks.render", "ivr.line.content.Content.prompt", "ivr.line.speech.Speaker.add",
                  "ivr.line.flow.Line.gather", "ivr.line.webhooks.where"]


def assert_safe(endpoint: str, response) -> None:
    """A caller hears the emergency advice and the adviser key; an adviser's phone hangs up; a
    caller in a queue leaves it (the queue's action then speaks); a caller being joined is joined."""
    if endpoint in CALLBACKS:
        assert response.status_code in (200, 204)
        return
    doc = wire.twiml(response)
    if endpoint in ADVISER_PHONE:
        assert wire.verbs(doc) == ["Hangup"]  # an unscreened leg must never be joined to the caller
        return
    if endpoint in IN_QUEUE:
        assert wire.verbs(doc) == ["Leave"]
        return
    if endpoint == "voice.adviser_through":
        assert wire.verbs(doc) == []
        return
    assert wire.keeps_going(doc)
    said = wire.spoken(doc)
    assert "if you are in danger, hang up and call nine nine nine" in said
    assert "to talk to an adviser, press 9" in said


@pytest.mark.parametrize("point", FAILURE_POINTS)
def test_an_exception_in_any_webhook_still_gives_the_safe_answer(make_app, monkeypatch, caplog, point):
    app = make_app()
    client = app.test_client()
    monkeypatch.setattr(point, boom)
    for endpoint, path in webhooks(app):
        caplog.clear()
        response = wire.post(client, path, {"node": "police", "misses": "0"},
                             [*wire.CALL_FIELDS.items(), ("Digits", "1")])
        failed = any(r.levelno >= logging.ERROR for r in caplog.records)
        if endpoint not in CALLBACKS and (point == "ivr.line.webhooks.render" or failed):
            assert failed, (point, endpoint)
            assert_safe(endpoint, response)


@pytest.mark.parametrize("hook", ["before_request", "after_request"])
def test_an_exception_around_a_webhook_still_gives_the_safe_answer(make_app, hook):
    app = make_app()
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: Flask's 500 path, not the test's
    getattr(app, hook)(boom)
    client = app.test_client()
    for endpoint, path in webhooks(app):
        response = wire.post(client, path, {"node": "main"}, [*wire.CALL_FIELDS.items(), ("Digits", "1")])
        assert_safe(endpoint, response)


def test_the_error_page_does_not_need_anything_that_could_have_failed(make_app, monkeypatch):
    app = make_app()
    client = app.test_client()
    for point in ["ivr.line.content.Content.prompt", "ivr.line.speech.Speaker.add", "ivr.line.flow.Line.gather",
                  "ivr.line.service.Links.__call__", "ivr.line.flow.error", "ivr.line.webhooks.render"]:
        monkeypatch.setattr(point, boom)
    doc = wire.twiml(wire.post(client, "/voice/key", {"node": "court", "lang": "en-GB"}, [("Digits", "1")]))
    assert "call nine nine nine" in wire.spoken(doc)
    monkeypatch.undo()
    caller_presses_9 = wire.post(client, doc[0].get("action").removeprefix(wire.BASE), None, [("Digits", "9")])
    assert "connecting you to an adviser" in wire.spoken(wire.first_wait_page(client, caller_presses_9))


def test_when_even_the_error_pages_are_gone_the_literal_last_resort_answers(make_app, monkeypatch):
    from ivr.line import safety
    app = make_app()
    client = app.test_client()
    object.__setattr__(app.extensions["ivr"], "error_pages", None)  # simulate the unthinkable
    monkeypatch.setattr("ivr.line.webhooks.render", boom)
    response = wire.post(client, "/voice/key", {"node": "main"}, [("Digits", "1")])
    assert response.data.decode() == safety.LAST_RESORT
    doc = wire.twiml(response)
    assert wire.keeps_going(doc) and "call nine nine nine" in wire.spoken(doc)
    monkeypatch.undo()
    object.__setattr__(app.extensions["ivr"], "error_pages", safety.error_pages(app.extensions["ivr"]))
    # Its links are relative: Twilio resolves them against the URL it fetched, and signs the result.
    pressed = wire.post(client, doc[0].get("action"), None, [("Digits", "9")])
    assert "connecting you to an adviser" in wire.spoken(wire.first_wait_page(client, pressed))
    silence = wire.post(client, doc[1].text, None, [])
    assert wire.keeps_going(wire.twiml(silence))


# -- /healthz -----------------------------------------------------------------------------------

class HalfBuilt:
    """An audio index in which every other prompt has current audio."""

    def __init__(self):
        self.seen: dict[str, int] = {}

    def status(self, language, rate, prompt):
        n = self.seen.setdefault(prompt.id, len(self.seen))
        return "current" if n % 2 == 0 else "stale"

    def url(self, language, rate, prompt):
        return None

    def duration(self, language, rate, prompt):
        return None


def test_healthz_reports_content_and_audio_per_language_without_a_signature(app, client):
    from ivr.line.adviser import derived_prompts
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    content = app.extensions["ivr"].contents["en-GB"]
    prompts = len(content.prompts()) + len(derived_prompts(content, app.extensions["ivr"].settings))
    assert body["content"] == "loaded"
    assert body["languages"]["en-GB"] == {"prompts": prompts, "audio_current": {"normal": 0, "slow": 0}}
    assert client.post("/healthz").status_code == 405


def test_healthz_counts_current_audio(make_app):
    app = make_app()
    object.__setattr__(app.extensions["ivr"], "audio", HalfBuilt())
    body = app.test_client().get("/healthz").get_json()
    lang = body["languages"]["en-GB"]
    assert lang["audio_current"]["normal"] == (lang["prompts"] + 1) // 2


def test_healthz_reveals_nothing_about_calls(client):
    call = wire.post(client, "/voice", None, wire.CALL_FIELDS.items())
    assert call.status_code == 200
    text = client.get("/healthz").data.decode()
    for secret in (wire.CALL_FIELDS["From"], wire.CALL_FIELDS["CallSid"], "2079460123"):
        assert secret not in text


# -- A broken content file at deploy: the new process refuses to start ------------------------------

@pytest.fixture
def broken_content(tmp_path):
    """A copy of the guidance with a menu option that goes nowhere, on a known line."""
    from ivr.settings import PACKAGE_DIR
    folder = tmp_path / "guidance"
    folder.mkdir()
    lines = (PACKAGE_DIR / "guidance" / "en-GB.yaml").read_text(encoding="utf-8").splitlines()
    n = next(i for i, text in enumerate(lines) if "go: police}" in text)
    lines[n] = lines[n].replace("go: police}", "go: nowhere_at_all}")
    (folder / "en-GB.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder, f"{folder / 'en-GB.yaml'}:{n + 1}"


def test_create_app_refuses_a_broken_content_file_naming_file_and_line(make_app, broken_content):
    from ivr.line.content import ContentError
    folder, where = broken_content
    with pytest.raises(ContentError) as error:
        make_app(CONTENT_DIR=str(folder))
    assert where in str(error.value) and "nowhere_at_all" in str(error.value)


def test_ivr_serve_exits_before_starting_any_server(tmp_path, broken_content, monkeypatch):
    from click.testing import CliRunner

    from ivr import cli
    folder, where = broken_content
    for name in ("TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL", "SERVICE_NUMBER", "SECRET_KEY", "AUDIO_DIR", "CONTENT_DIR"):
        monkeypatch.setenv(name, wire.server_env(tmp_path, CONTENT_DIR=str(folder))[name])
    monkeypatch.chdir(tmp_path)
    started = []
    monkeypatch.setattr(cli.os, "execvp", lambda *a: started.append(a))
    result = CliRunner().invoke(cli.main, ["serve", "--bind", "127.0.0.1:0"])
    assert result.exit_code != 0
    assert where in result.output
    assert not started


@pytest.mark.parametrize("command", ["ivr serve", "gunicorn --preload"])
def test_a_real_start_with_a_broken_file_fails_once_and_never_listens(tmp_path, broken_content, command):
    import socket
    import subprocess
    import sys
    folder, where = broken_content
    port = wire.free_port()
    argv = ([sys.executable, "-c", "from ivr.cli import main; main()", "serve", "--bind", f"127.0.0.1:{port}"]
            if command == "ivr serve" else
            [sys.executable, "-m", "gunicorn", "--config", "python:ivr.serve.gunicorn_conf", "--bind",
             f"127.0.0.1:{port}", "ivr:create_app()"])
    done = subprocess.run(argv, cwd=tmp_path, env=wire.server_env(tmp_path, CONTENT_DIR=str(folder)),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert where in done.stderr + done.stdout
    assert "Booting worker" not in done.stderr  # nothing half-loaded ever served
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
