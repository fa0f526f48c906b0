"""The local preview: what `scripts/run` starts with no Twilio settings, and who it answers."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner

from ivr import create_app, local
from ivr.audio import tones
from ivr.cli import main
from ivr.settings import PREVIEW_ADVISERS, from_env
from ivr.web import preview
from .. import wire
from ..conftest import settings
from ..helpers import isolate

PREVIEW = {"TWILIO_AUTH_TOKEN": "", "PUBLIC_BASE_URL": ""}


@pytest.fixture
def preview_app(make_app):
    return make_app(**PREVIEW)


def test_no_twilio_settings_is_the_preview_with_two_stand_in_advisers():
    s = from_env({"CONTENT_DIR": ""})
    assert s.preview and s.advisers == PREVIEW_ADVISERS and len(s.advisers) == 2 and s.service_number
    production = from_env(settings())
    assert not production.preview and production.advisers == ("+442079460901", "+442079460902")


def test_the_preview_answers_this_computer(preview_app):
    client = preview_app.test_client()
    assert client.post("/voice").status_code == 200  # the test client is 127.0.0.1, to "localhost"
    assert client.get("/").status_code == 200
    assert client.post("/voice", headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://127.0.0.1:8000"},
                       base_url="http://127.0.0.1:8000").status_code == 200


@pytest.mark.parametrize("request_from", [
    {"environ_base": {"REMOTE_ADDR": "192.0.2.10"}},  # another machine (checked on the connection)
    {"environ_base": {"REMOTE_ADDR": "::ffff:192.0.2.10"}},
    {"headers": {"X-Forwarded-For": "192.0.2.10"}},  # passed on by a proxy on this computer
    {"headers": {"Forwarded": "for=192.0.2.10"}},
    {"base_url": "http://evil.example:8000"},  # a web page whose name points at 127.0.0.1
    {"headers": {"Sec-Fetch-Site": "cross-site"}},  # another site's form, in this computer's browser
    {"headers": {"Sec-Fetch-Site": "same-site"}},
    {"headers": {"Origin": "http://evil.example"}},
])
def test_the_preview_refuses_every_request_not_made_on_this_computer(preview_app, request_from, caplog):
    client = preview_app.test_client()
    for path in ("/voice", "/voice/key?node=main", "/phone/queue/look", "/voice/status"):
        assert client.post(path, **request_from).status_code == 403
    if "Sec-Fetch-Site" not in request_from.get("headers", {}) and "Origin" not in request_from.get("headers", {}):
        for path in ("/", "/phone/line.json", "/healthz"):
            assert client.get(path, **request_from).status_code == 403
    assert '"refused": "not-this-computer"' in caplog.text


def test_following_a_link_from_another_site_to_the_page_still_opens_it(preview_app):
    # A page load changes nothing and its answer cannot be read by the other site.
    assert preview_app.test_client().get("/", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 200


def test_in_production_there_is_no_page_and_nothing_unsigned(make_app):
    client = make_app().test_client()
    for path in ("/", "/phone/line.json", "/phone/static/phone.js"):
        assert client.get(path).status_code == 404
    assert client.post("/voice").status_code == 403  # from this computer too: production is signed


def test_local_preview_is_the_one_answer_for_the_preview_and_for_production(make_app):
    preview_app, production = make_app(**PREVIEW), make_app()
    for app, expected in ((preview_app, True), (production, False)):
        with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
            from flask import request
            assert local.local_preview(app.extensions["ivr"].settings, request) is expected
    with preview_app.test_request_context("/", environ_base={"REMOTE_ADDR": "192.0.2.10"}):
        from flask import request
        assert not local.local_preview(preview_app.extensions["ivr"].settings, request)


def test_the_retired_development_mode_is_named_and_changes_nothing(make_app, caplog):
    app = make_app(IVR_DEV_MODE="1", **PREVIEW)
    assert "IVR_DEV_MODE is no longer read" in caplog.text
    assert app.test_client().post("/voice", environ_base={"REMOTE_ADDR": "192.0.2.10"}).status_code == 403


@pytest.mark.parametrize("bind, refused", [
    ("127.0.0.1:8000", False), ("127.0.0.1:8080", False), ("localhost:8000", False), ("[::1]:8000", False),
    ("0.0.0.0:8000", True), ("192.0.2.1:8000", True), ("[::]:8000", True), ("unix:/tmp/line.sock", True),
    ("127.0.0.1", True),
])
def test_the_preview_listens_on_this_computer_only(bind, refused):
    assert (preview.bind_problem(bind) is not None) is refused


def test_serving_the_preview_anywhere_but_here_is_refused_before_anything_is_built(monkeypatch, tmp_path):
    isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("AUDIO_DIR", str(tmp_path / "audio"))
    result = CliRunner().invoke(main, ["serve", "--bind", "0.0.0.0:8000"])
    assert result.exit_code == 2
    assert "listens on this computer only" in result.output and "--bind 127.0.0.1:8080" in result.output
    assert not (tmp_path / "audio").exists()


def http(port: int, path: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def test_scripts_run_with_no_twilio_settings_starts_the_preview_and_says_where(built_audio, tmp_path):
    audio = tmp_path / "audio"
    shutil.copytree(built_audio, audio, ignore=shutil.ignore_patterns(".lock", ".staging-*", "browser"))
    port = wire.free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL")}
    env.update(PYTHONPATH=str(wire.Path(__file__).resolve().parents[2]), AUDIO_DIR=str(audio), TTS_ENGINE="piper",
               ADVISER_HOURS="Mon-Sun 00:00-23:59", DATABASE_URL=f"sqlite:///{tmp_path / 'line.sqlite3'}")
    out = open(tmp_path / "stdout", "w")
    server = subprocess.Popen([sys.executable, "-m", "ivr", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
                              cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wire.wait_until_listening(server, port)  # the first start checks the audio and makes the browser's copies
        assert server.poll() is None, (tmp_path / "stdout").read_text()
        page, html = http(port, "/")
        answered, twiml = http(port, "/voice", b"CallSid=CA1")
        proxied, _ = http(port, "/voice", b"CallSid=CA1", {"X-Forwarded-For": "192.0.2.10"})
    finally:
        server.terminate()
        server.wait(timeout=30)
        out.close()
    said = (tmp_path / "stdout").read_text()
    assert f"open http://127.0.0.1:{port}/ in a web browser" in said and "this computer only" in said
    prompts = re.search(r"Audio \(piper\): all (\d+) prompts are up to date\.", said)  # nothing to build: nothing built
    # the browser's copies were made, though: one of each prompt, and of the ringback tone
    assert prompts and len(list((audio / "browser").glob("*.wav"))) == int(prompts[1]) + len(tones.TONES)
    assert (page, answered, proxied) == (200, 200, 403)
    assert b"Keeping Safe" in html and b"<Play>/audio/en-GB.normal.phrase.welcome." in twiml


def test_the_staff_tools_run_the_line_in_process_whatever_the_twilio_settings(monkeypatch, tmp_path):
    isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "a-real-token")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://line.example.org")
    monkeypatch.setenv("SERVICE_NUMBER", "+442079460001")
    result = CliRunner().invoke(main, ["call", "--keys", "1", "--no-play"])
    assert result.exit_code == 0, result.output
    assert "Line: Calling the police." in result.output
