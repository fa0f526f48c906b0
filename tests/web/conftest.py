"""Shared by the staff pages' tests: an app with a clock the test moves, and a browser that signs in."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pyotp
import pytest
from argon2 import PasswordHasher, profiles

from ivr import create_app
from ivr.web import accounts, passwords

from ..conftest import settings

PASSWORD = "purple monkey dishwasher"
START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch):
    """Argon2id with its cheapest settings, so each sign-in costs the suite no time; the real
    settings are checked in test_accounts.py."""
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def staff_app(database_url, clock, tmp_path):
    """An app factory over one database (SQLite or PostgreSQL) and one clock: two calls, two servers."""
    def make(**overrides):
        overrides.setdefault("AUDIO_DIR", str(tmp_path / "audio"))
        app = create_app(settings(DATABASE_URL=database_url, CLOCK=clock, **overrides))
        app.config["TESTING"] = True
        return app
    return make


@pytest.fixture
def app(staff_app):
    return staff_app()


@pytest.fixture
def database(app):
    return app.extensions["ivr"].database


def add_account(database, name: str = "sam", password: str | None = PASSWORD) -> str | None:
    return accounts.add(database, name, START, password=password)


def client_from(app, address: str):
    """A test client whose requests come from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@dataclass
class Browser:
    """One person's browser: keeps its cookies, reads forms as they are shown, and posts them back."""
    client: object
    clock: Clock
    page: object = None
    secret: str | None = None  # the authenticator app on this person's phone
    codes: list[str] = field(default_factory=list)  # recovery codes, as written down

    def get(self, path: str, **kw):
        self.page = self.client.get(path, **kw)
        return self.page

    def follow(self):
        return self.get(self.page.headers["Location"])

    def text(self) -> str:
        return self.page.get_data(as_text=True)

    def submit(self, path: str | None = None, **fields):
        """Post the form on the page shown (its CSRF token included) to `path`, or where it came from."""
        token = CSRF.search(self.text()).group(1)
        self.page = self.client.post(path or self.page.request.full_path.rstrip("?"),
                                     data={"csrf_token": token, **fields})
        return self.page

    def app_code(self, **offset) -> str:
        return pyotp.TOTP(self.secret).at(self.clock.now + timedelta(**offset))

    def sign_in(self, name: str = "sam", password: str = PASSWORD):
        """The password step; returns the page it leads to."""
        self.get("/staff/sign-in")
        self.submit(name=name, password=password)
        return self.follow() if self.page.status_code == 302 else self.page

    def set_up_authenticator(self):
        """Scan the QR code (read its key), type the app's code, write down the recovery codes."""
        assert "<svg" in self.text(), self.text()
        self.secret = re.search(r'<p class="secret">([A-Z2-7 ]+)</p>', self.text()).group(1).replace(" ", "")
        self.submit(code=self.app_code())
        self.codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", self.text())
        return self.page

    def full_sign_in(self, name: str = "sam", password: str = PASSWORD, **code_offset):
        page = self.sign_in(name, password)
        if "Set up your authenticator" in page.get_data(as_text=True):
            return self.set_up_authenticator()
        return self.submit(code=self.app_code(**code_offset))

    def signed_in(self) -> bool:
        page = self.client.get("/staff/")
        return page.status_code == 200 and "You are signed in as" in page.get_data(as_text=True)


@pytest.fixture
def browser(app, clock):
    return Browser(app.test_client(), clock)
