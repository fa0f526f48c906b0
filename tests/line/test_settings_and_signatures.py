"""Start-up settings and Twilio's signatures: what staff and an attacker each see."""
from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from ivr import create_app
from ivr.settings import SettingsError

from ..caller import Caller
from ..conftest import BASE, TOKEN, settings


def test_without_an_auth_token_the_line_refuses_to_start():
    with pytest.raises(SettingsError, match="TWILIO_AUTH_TOKEN: missing"):
        create_app(settings(TWILIO_AUTH_TOKEN=""))


def test_a_public_address_without_the_token_is_named_not_served_unsigned():
    with pytest.raises(SettingsError, match="TWILIO_AUTH_TOKEN: missing.*leave PUBLIC_BASE_URL empty"):
        create_app(settings(TWILIO_AUTH_TOKEN=""))


def test_the_retired_development_mode_turns_nothing_off(caplog):
    app = create_app(settings(IVR_DEV_MODE="1"))
    assert "IVR_DEV_MODE is no longer read" in caplog.text
    assert app.test_client().post("/voice").status_code == 403


def test_a_plain_http_public_address_is_refused():
    with pytest.raises(SettingsError, match="PUBLIC_BASE_URL: must start with https://"):
        create_app(settings(PUBLIC_BASE_URL="http://line.example.org"))


def test_every_bad_setting_is_named_at_once():
    with pytest.raises(SettingsError) as info:
        create_app(settings(SERVICE_NUMBER="12", ADVISER_HOURS="weekdays nine to five",
                            ADVISER_RING_SECONDS="forever"))
    text = str(info.value)
    for name in ("SERVICE_NUMBER", "ADVISER_HOURS", "ADVISER_RING_SECONDS"):
        assert name in text


def test_unsigned_requests_get_403(client):
    assert client.post("/voice", data={"CallSid": "CA1"}).status_code == 403


def test_forged_signatures_get_403(client):
    data = {"CallSid": "CA1", "From": "+442079460123"}
    forged = RequestValidator("not-our-token").compute_signature(f"{BASE}/voice", data)
    assert client.post("/voice", data=data, headers={"X-Twilio-Signature": forged}).status_code == 403


def test_a_signature_for_another_url_gets_403(client):
    data = {"CallSid": "CA1", "Digits": "9"}
    elsewhere = RequestValidator(TOKEN).compute_signature(f"{BASE}/voice/key?node=main", data)
    response = client.post("/voice/key?node=court", data=data, headers={"X-Twilio-Signature": elsewhere})
    assert response.status_code == 403
    assert response.data == b"" or b"<Response" not in response.data


def test_signatures_are_checked_against_the_public_url_behind_a_proxy(client):
    # The proxy hands us http://127.0.0.1/..., but Twilio signed the public https address.
    caller = Caller(client, base_url=BASE, auth_token=TOKEN).dial()
    assert caller.statuses == [200]
