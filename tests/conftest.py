from __future__ import annotations

import pytest

from ivr import create_app

from .caller import SERVICE, Caller

BASE = "https://line.example.org"
TOKEN = "test-token"


def settings(**overrides) -> dict:
    """A complete, valid production configuration that touches nothing outside the test."""
    return {
        "IGNORE_ENV": True,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "PUBLIC_BASE_URL": BASE,
        "SERVICE_NUMBER": SERVICE,
        "ADVISER_NUMBERS": "+442079460901,+442079460902",
        "ADVISER_HOURS": "Mon-Sun 00:00-23:59",
        **overrides,
    }


@pytest.fixture
def make_app(tmp_path):
    def make(**overrides):
        overrides.setdefault("AUDIO_DIR", str(tmp_path / "audio"))
        app = create_app(settings(**overrides))
        app.config["TESTING"] = True
        return app
    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def caller(client):
    return Caller(client, base_url=BASE, auth_token=TOKEN)
