"""The staff phone in a real browser (headless Chromium): a member of staff signs in to the real
line (Twilio settings present), opens /staff/phone/, and calls it: recordings play, keys act, and
option 9 reaches a pretend adviser. Every POST the page makes passes the real line's staff gate.
"""
from __future__ import annotations

import pyotp
import pytest
from selenium.webdriver.common.by import By

from ivr import create_app
from ..conftest import settings
from ..databases import sqlite_url
from .browser import chromium, serving
from .conftest import PASSWORD, START, add_account
from .test_adviser_side import HOURS
from .test_phone_in_browser import WORDS, Phone, choose, wait_in_the_queue


@pytest.fixture(scope="module")
def real_line(built_audio, tmp_path_factory):
    """The real line, served on a loopback port (a browser treats http://127.0.0.1 as secure, so
    the staff cookie, Secure and __Host-, is kept), with one staff account; its Twilio is a
    recorder that must stay empty."""
    folder = tmp_path_factory.mktemp("real-line")
    twilio = Recorder()
    app = create_app(settings(AUDIO_DIR=str(built_audio), TTS_ENGINE="piper", ADVISER_HOURS=HOURS,
                              WEB_CONCURRENCY="1", DATABASE_URL=sqlite_url(folder), CLOCK=lambda: START,
                              TWILIO_HTTP_CLIENT=twilio))
    add_account(app.extensions["ivr"].database)
    with serving(app) as url:
        yield url, twilio


class Recorder:
    """The real line's Twilio REST client: keeps what it was asked, answers nothing."""

    def __init__(self):
        self.requests = []

    def request(self, method, url, **kw):
        self.requests.append((method, url))
        raise AssertionError(f"the real line asked Twilio: {method} {url}")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = chromium(tmp_path_factory.mktemp("chromium-profile"), width=1280, height=900)
    yield driver
    driver.quit()


def sign_in(driver, url: str) -> None:
    """As a person does: the staff phone's address, the sign-in page it sends you to, the
    authenticator set up from the key on the page, then back to the phone."""
    driver.get(url + "/staff/phone/")
    assert "/staff/sign-in" in driver.current_url
    driver.find_element(By.NAME, "name").send_keys("sam")
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    secret = driver.find_element(By.CSS_SELECTOR, "p.secret").text.replace(" ", "")
    driver.find_element(By.NAME, "code").send_keys(pyotp.TOTP(secret).at(START))
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    assert "You are signed in" in driver.page_source


def test_signed_in_staff_call_the_staff_phone_and_reach_a_pretend_adviser(browser, real_line):
    url, twilio = real_line
    sign_in(browser, url)
    phone = Phone(browser, url + "/staff/phone").call()
    phone.until(lambda: phone.audio()["file"].startswith("en-GB.normal.phrase.welcome.") and phone.audio()["time"] > 0.3)
    phone.press("1")  # stops the greeting at once: the menu for 1
    phone.until(lambda: phone.audio()["file"].startswith("en-GB.normal.menu.police."), timeout=3)
    assert phone.where() == "Calling the police"
    choose(phone, "answered")
    wait_in_the_queue(phone, lambda: phone.caption() == WORDS["phrase.goodbye"], timeout=45)
    heard = phone.transcript()
    assert any(line.startswith("Adviser 1 presses 1.") for line in heard), "\n".join(heard)
    assert "The phone stopped" not in "\n".join(heard)  # no request was refused on the way
    assert twilio.requests == []

