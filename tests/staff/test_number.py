"""`ivr number` points the Twilio number at the line, through a fake of Twilio's REST API."""
from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs

import pytest
from twilio.http import HttpClient
from twilio.http.response import Response

from ivr.staff import number as number_mod
from ..helpers import isolate, ivr

SID, TOKEN = "AC" + "a1" * 16, "secret-token"
NUMBER, OTHER = "+442079460001", "+442079460002"
BASE = "https://line.example.org"
CREDENTIALS = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN}
NUMBERS_URL = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/IncomingPhoneNumbers"


def record(phone: str, sid: str, **fields) -> dict:
    return {"sid": sid, "account_sid": SID, "phone_number": phone, "friendly_name": "Keeping Safe",
            "voice_url": "https://demo.twilio.com/welcome/voice/", "voice_method": "POST",
            "voice_fallback_url": None, "voice_fallback_method": "POST", "status_callback": "",
            "status_callback_method": "POST", **fields}


class FakeTwilio(HttpClient):
    """Answers like api.twilio.com for one account's numbers, and remembers every request."""

    def __init__(self, numbers: list[dict]):
        super().__init__(logging.getLogger("fake-twilio"), is_async=False)
        self.numbers = {n["sid"]: n for n in numbers}
        self.requests: list[tuple[str, str, dict]] = []

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        self.requests.append((method, uri, dict(data or params or {})))
        if auth != (SID, TOKEN):
            return Response(401, json.dumps({"code": 20003, "message": "Authenticate", "status": 401}))
        if method == "GET" and uri == NUMBERS_URL + ".json":
            wanted = (params or {}).get("PhoneNumber")
            found = [n for n in self.numbers.values() if wanted in (None, n["phone_number"])]
            return Response(200, json.dumps({"incoming_phone_numbers": found, "next_page_uri": None, "page": 0,
                                             "page_size": 50, "uri": uri, "first_page_uri": uri, "start": 0,
                                             "end": len(found), "previous_page_uri": None}))
        sid = uri.removeprefix(NUMBERS_URL + "/").removesuffix(".json")
        if method == "POST" and sid in self.numbers:
            fields = {_snake(k): v for k, v in data.items()}
            self.numbers[sid].update(fields)
            return Response(200, json.dumps(self.numbers[sid]))
        return Response(404, json.dumps({"code": 20404, "message": "Not found", "status": 404}))

    def updates(self) -> list[dict]:
        return [data for method, _, data in self.requests if method == "POST"]


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


@pytest.fixture
def twilio(monkeypatch, tmp_path):
    isolate(monkeypatch, tmp_path)
    fake = FakeTwilio([record(NUMBER, "PN" + "1" * 32), record(OTHER, "PN" + "2" * 32)])
    monkeypatch.setattr(number_mod, "HTTP_CLIENT", fake)
    return fake


def test_a_dry_run_shows_every_change_and_changes_nothing(twilio):
    result = ivr(f"ivr number {NUMBER} {BASE} --dry-run", **CREDENTIALS)
    assert result.exit_code == 0, result.output
    assert f"  A call comes in: https://demo.twilio.com/welcome/voice/  ->  {BASE}/voice" in result.output
    assert f"  Primary handler fails: (nothing)  ->  {BASE}/voice/fallback" in result.output
    assert f"  Call status changes: (nothing)  ->  {BASE}/voice/status" in result.output
    assert "(method)" not in result.output  # already POST
    assert "Dry run: nothing was changed." in result.output
    assert twilio.updates() == []


def test_the_number_is_pointed_at_the_line_with_post_everywhere(twilio):
    twilio.numbers["PN" + "1" * 32]["voice_method"] = "GET"
    result = ivr(f"ivr number {NUMBER} {BASE}/", **CREDENTIALS)
    assert result.exit_code == 0, result.output
    assert f"Done: calls to {NUMBER} now go to {BASE}/voice." in result.output
    assert twilio.updates() == [{"VoiceUrl": f"{BASE}/voice", "VoiceMethod": "POST",
                                 "VoiceFallbackUrl": f"{BASE}/voice/fallback",
                                 "StatusCallback": f"{BASE}/voice/status"}]
    assert twilio.requests[-1][1] == f"{NUMBERS_URL}/PN{'1' * 32}.json"
    again = ivr(f"ivr number {NUMBER} {BASE}", **CREDENTIALS)
    assert f"Nothing to change: {NUMBER} already sends calls to {BASE}/voice." in again.output


def test_the_number_and_address_default_to_the_settings_in_the_env_file(twilio, tmp_path):
    (tmp_path / ".env").write_text(f"SERVICE_NUMBER=020 7946 0002\nPUBLIC_BASE_URL={BASE}\n"
                                   f"TWILIO_ACCOUNT_SID={SID}\nTWILIO_AUTH_TOKEN={TOKEN}\n")
    result = ivr("ivr number --dry-run")
    assert result.exit_code == 0, result.output
    assert f"{OTHER} (Keeping Safe):" in result.output


def test_a_number_not_on_the_account_is_named_with_the_ones_that_are(twilio):
    result = ivr(f"ivr number +442079460999 {BASE}", **CREDENTIALS)
    assert result.exit_code == 1
    assert f"+442079460999 is not a number on the Twilio account {SID}. " \
           f"Its numbers are: {NUMBER}, {OTHER}." in result.output


def test_wrong_credentials_are_explained(twilio):
    result = ivr(f"ivr number {NUMBER} {BASE}", TWILIO_ACCOUNT_SID=SID, TWILIO_AUTH_TOKEN="old-token")
    assert result.exit_code == 1
    assert "Twilio did not accept TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (401)" in result.output


@pytest.mark.parametrize("env, says", [
    ({"TWILIO_AUTH_TOKEN": TOKEN}, "TWILIO_ACCOUNT_SID is missing. Copy it from the Twilio console"),
    ({"TWILIO_ACCOUNT_SID": SID}, "TWILIO_AUTH_TOKEN is missing."),
    ({"TWILIO_ACCOUNT_SID": "12345", "TWILIO_AUTH_TOKEN": TOKEN}, "does not look like an account SID"),
])
def test_missing_or_odd_credentials_stop_before_calling_twilio(twilio, env, says):
    result = ivr(f"ivr number {NUMBER} {BASE}", **env)
    assert result.exit_code == 1 and says in result.output
    assert twilio.requests == []


@pytest.mark.parametrize("args, says", [
    (f"12 {BASE}", "'12' is not a valid phone number"),
    (f"{NUMBER} http://line.example.org", "should be the line's public https address"),
])
def test_a_bad_number_or_address_is_refused(twilio, args, says):
    result = ivr(f"ivr number {args}", **CREDENTIALS)
    assert result.exit_code == 2 and says in result.output
    assert twilio.requests == []


@pytest.mark.parametrize("args, env, says", [
    ("", {}, "SERVICE_NUMBER is not set. Put the line's Twilio phone number in the .env file, as "
     "SERVICE_NUMBER=+442079460001, or give it to this command: ivr number NUMBER."),
    (NUMBER, {}, "PUBLIC_BASE_URL is not set. Put the line's public https address in the .env file"),
    ("", {"SERVICE_NUMBER": "12"}, "Invalid value for SERVICE_NUMBER: '12' is not a valid phone number"),
    ("", {"SERVICE_NUMBER": NUMBER, "PUBLIC_BASE_URL": "http://line.example.org"},
     "Invalid value for PUBLIC_BASE_URL: 'http://line.example.org' should be the line's public https address"),
])
def test_a_setting_that_is_missing_or_wrong_is_named(twilio, args, env, says):
    result = ivr(f"ivr number {args}", **CREDENTIALS, **env)
    assert result.exit_code in (1, 2) and says in result.output, result.output
    assert twilio.requests == []


def test_no_network_is_explained(monkeypatch, tmp_path):
    isolate(monkeypatch, tmp_path)
    import requests

    class Offline(FakeTwilio):
        def request(self, *args, **kwargs):
            raise requests.ConnectionError("no route to host")
    monkeypatch.setattr(number_mod, "HTTP_CLIENT", Offline([]))
    result = ivr(f"ivr number {NUMBER} {BASE}", **CREDENTIALS)
    assert result.exit_code == 1
    assert "Could not reach Twilio (no route to host)" in result.output


def test_other_refusals_pass_on_twilios_words_and_error_page(twilio):
    def refuse(*args, **kwargs):
        return Response(400, json.dumps({"code": 21402, "message": "Url is not a valid URL", "status": 400}))
    twilio.numbers["PN" + "1" * 32]["voice_url"] = ""
    fake_list = twilio.request

    def request(method, uri, *args, **kwargs):
        return refuse() if method == "POST" else fake_list(method, uri, *args, **kwargs)
    twilio.request = request
    result = ivr(f"ivr number {NUMBER} {BASE}", **CREDENTIALS)
    assert result.exit_code == 1
    assert "Twilio refused: Unable to update record: Url is not a valid URL (HTTP 400). " \
           "More: https://www.twilio.com/docs/errors/21402" in result.output


def test_with_published_audio_the_fallback_is_the_static_document_fetched_with_get(twilio):
    result = ivr(f"ivr number {NUMBER} {BASE}", AUDIO_BASE_URL="https://cdn.example.org/audio/", **CREDENTIALS)
    assert result.exit_code == 0, result.output
    assert "  Primary handler fails: (nothing)  ->  https://cdn.example.org/audio/fallback.xml" in result.output
    assert "  Primary handler fails (method): POST  ->  GET" in result.output
    update = twilio.updates()[-1]
    assert (update["VoiceFallbackUrl"], update["VoiceFallbackMethod"]) == (
        "https://cdn.example.org/audio/fallback.xml", "GET")
    assert (update["VoiceUrl"], update["StatusCallback"]) == (f"{BASE}/voice", f"{BASE}/voice/status")


def test_a_plain_http_audio_address_is_refused_for_the_fallback(twilio):
    result = ivr(f"ivr number {NUMBER} {BASE}", AUDIO_BASE_URL="http://cdn.example.org/audio", **CREDENTIALS)
    assert result.exit_code != 0
    assert "AUDIO_BASE_URL" in result.output and "https" in result.output
    assert twilio.updates() == []
