from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings as hypothesis_settings

from ivr import create_app

from .caller import SERVICE, Caller

BASE = "https://line.example.org"
TOKEN = "test-token"

# Property tests: quick by default so the suite stays within a few minutes on 2 cores;
# HYPOTHESIS_PROFILE=thorough for a long search before a release.
hypothesis_settings.register_profile("default", max_examples=60, deadline=None,
                                     suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.register_profile("thorough", max_examples=2000, deadline=None,
                                     suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


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
