from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings as hypothesis_settings

from ivr.line import content
from ivr import create_app
from ivr import settings as settings_mod
from ivr.staff.switchboard import Switchboard
from .caller import SERVICE, Caller
from .databases import PostgresServer, sqlite_url

BASE = "https://line.example.org"
TOKEN = "test-token"
SECRET_KEY = "test-secret-key-for-staff-sign-in-cookies"
ACCOUNT_SID = "AC" + "1" * 32

# Property tests: quick by default so the suite stays within a few minutes on 2 cores;
# HYPOTHESIS_PROFILE=thorough for a long search before a release.
hypothesis_settings.register_profile("default", max_examples=60, deadline=None,
                                     suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.register_profile("thorough", max_examples=2000, deadline=None,
                                     suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# A .env in this checkout (a developer's own settings) is never read by the tests, nor by the
# servers they start: a test that wants a .env writes one and points IVR_ENV_FILE at it.
os.environ["IVR_ENV_FILE"] = os.devnull


# Apps built from `settings()` without a database of their own keep it in this run's folder.
_DATABASES = Path(tempfile.mkdtemp(prefix="ivr-test-databases-"))


def no_background(job, *args) -> None:
    """Work a line would do off the webhook's path (ringing advisers): dropped, unless a test
    brings a switchboard (`board`), so nothing rings and no test can reach Twilio."""


def settings(**overrides) -> dict:
    """A complete, valid production configuration that touches nothing outside the test."""
    return {
        "IGNORE_ENV": True,
        "BACKGROUND": no_background,
        "DATABASE_URL": sqlite_url(_DATABASES),
        "TWILIO_AUTH_TOKEN": TOKEN,
        "SECRET_KEY": SECRET_KEY,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "PUBLIC_BASE_URL": BASE,
        "SERVICE_NUMBER": SERVICE,
        "ADVISER_NUMBERS": "+442079460901,+442079460902",
        "ADVISER_HOURS": "Mon-Sun 00:00-23:59",
        **overrides,
    }


@pytest.fixture(scope="session", autouse=True)
def _remove_test_databases():
    yield
    shutil.rmtree(_DATABASES, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server for this test process, stopped at the end."""
    server = PostgresServer()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """Each test that takes this runs twice: on a SQLite file and on a real PostgreSQL server."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture
def board() -> Switchboard:
    """Twilio's part around the line (ivr/staff/switchboard.py): queues, advisers' phones, the
    REST API, on a clock of its own. Apps from `make_app` use it; it posts to the latest one."""
    return Switchboard(None, BASE, auth_token=TOKEN, account_sid=ACCOUNT_SID)


@pytest.fixture
def make_app(tmp_path, board):
    def make(**overrides):
        overrides.setdefault("AUDIO_DIR", str(tmp_path / "audio"))
        overrides.setdefault("DATABASE_URL", sqlite_url(tmp_path))
        app = create_app(settings(**{**board.config(), **overrides}))
        app.config["TESTING"] = True
        board.connect(app.test_client())
        return app
    return make


def build_audio(folder: Path, **overrides):
    """Build the real content's audio with the offline engine; returns the build's summary."""
    from ivr.audio import build as audio_build, engines
    config = {k: v for k, v in settings(AUDIO_DIR=str(folder), **overrides).items() if isinstance(v, str)}
    env_settings = settings_mod.from_env(config)
    return audio_build.build(content.load_all(env_settings.content_dir), env_settings,
                             engines.PiperEngine(engines.default_piper_voice()))


@pytest.fixture(scope="session")
def built_audio() -> Path:
    """The real content built with the offline voice and shared, read-only, by every test.

    Kept between runs in .test-audio/ (not in git): the build is incremental, so a run after a
    change to the words rebuilds only those prompts, and a clean clone builds them all. Under
    xdist each worker asks for it: the build's own lock makes the first build what is needed and
    the rest find nothing to do. Tests that change audio copy it first (see `audio_copy`).
    """
    folder = Path(__file__).resolve().parents[1] / ".test-audio"
    summary = build_audio(folder)
    assert not summary.failed, summary.failed
    return folder


@pytest.fixture
def audio_copy(built_audio, tmp_path) -> Path:
    """A private copy of the built audio that a test may change: the files its manifest names,
    as a fresh build leaves them (not the leftovers of earlier wordings kept in .test-audio/)."""
    import shutil
    from ivr.audio.manifest import Manifest
    copy = Path(shutil.copytree(built_audio, tmp_path / "audio-copy",
                                ignore=shutil.ignore_patterns(".lock", ".staging-*", "manifest.tmp*")))
    named = {e.file for e in Manifest.load(copy).entries.values()}
    for wav in copy.glob("*.wav"):
        if wav.name not in named:
            wav.unlink()
    return copy


@pytest.fixture(params=["say", "audio"])
def app(request, make_app):
    """Every call-flow test runs twice: before any audio is built (<Say>), and with audio (<Play>)."""
    if request.param == "audio":
        return make_app(AUDIO_DIR=str(request.getfixturevalue("built_audio")), TTS_ENGINE="piper")
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def caller(client, board):
    """A caller on the `app`, whose calls the switchboard carries (queues, advisers' phones)."""
    return board.caller()
