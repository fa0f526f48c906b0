"""Shared by the tests of the staff tools: run `ivr ...` as staff would, isolated from this machine."""
from __future__ import annotations

import shlex

import pytest
from click.testing import CliRunner

from ivr.cli import main

# Settings that would leak in from the machine running the tests.
SETTINGS = ("TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID", "PUBLIC_BASE_URL", "SERVICE_NUMBER", "ADVISER_NUMBERS",
            "ADVISER_HOURS", "ADVISER_CLOSED_DAYS", "HELPLINE_NUMBER", "ADVISER_RING_SECONDS", "IVR_DEV_MODE",
            "CONTENT_DIR", "AUDIO_DIR", "AUDIO_BASE_URL", "DEFAULT_LANGUAGE", "TTS_ENGINE", "PIPER_VOICE",
            "PIPER_LENGTH_SCALE", "GTTS_TLD", "DATABASE_URL", "SECRET_KEY", "TWILIO_API_KEY", "TWILIO_API_SECRET")


def isolate(monkeypatch, tmp_path) -> None:
    """No .env and no settings from this machine: each test says what it needs, in a .env of
    its own folder (the line's is not read)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IVR_ENV_FILE", str(tmp_path / ".env"))
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    # The default database is a file in the line's own folder: a test keeps its own.
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'line.sqlite3'}")
    # A line in development mode makes a SECRET_KEY in its instance folder: a test gives one.
    monkeypatch.setenv("SECRET_KEY", "test-secret-key-for-staff-sign-in-cookies")


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """A test module that imports this fixture runs each test isolated, in its own folder."""
    isolate(monkeypatch, tmp_path)


def ivr(command: str, **env: str):
    """Run one `ivr ...` command line and return click's result (output, exit_code)."""
    args = shlex.split(command)
    assert args[0] == "ivr", command
    return CliRunner().invoke(main, args[1:], env=env or None, catch_exceptions=False)
