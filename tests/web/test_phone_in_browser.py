"""The browser phone in a real browser (headless Chromium): calls walked as a person makes them.

One browser and one line for the whole module. Prompts are heard for real where the test is
about hearing them; elsewhere the test moves the player to the end of each prompt (as if it had
listened) to keep the walk short.
"""
from __future__ import annotations

import shutil
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from ivr import create_app
from ivr.line.content import load_all
from ivr.settings import content_dir
from ..conftest import settings
from .browser import chromium, screen, serving

CONTENT = load_all(content_dir(None))["en-GB"]
WORDS = {p.id: p.text for p in CONTENT.prompts()}
NOT_BUILT = "section.arrest"  # its recording is taken away: the line says it with <Say>


@pytest.fixture(scope="module")
def line_url(built_audio, tmp_path_factory):
    folder = tmp_path_factory.mktemp("phone") / "audio"
    shutil.copytree(built_audio, folder, ignore=shutil.ignore_patterns(".lock", ".staging-*", "manifest.tmp*"))
    for recording in folder.glob(f"en-GB.normal.{NOT_BUILT}.*.wav"):
        recording.unlink()
    preview = settings(TWILIO_AUTH_TOKEN="", PUBLIC_BASE_URL="", AUDIO_DIR=str(folder), TTS_ENGINE="piper",
                       ADVISER_HOURS="Mon-Fri 09:00-17:00",
                       DATABASE_URL=f"sqlite:///{folder.parent / 'line.sqlite3'}")
    with serving(create_app(preview)) as url:
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = chromium(tmp_path_factory.mktemp("chromium-profile"), width=1280, height=900)
    yield driver
    driver.quit()


class Phone:
    """The page, as a person uses it: keys, the Call button, and what the screen says."""

    def __init__(self, driver, url: str):
        self.driver, self.url = driver, url

    def open(self) -> "Phone":
        self.driver.get(self.url + "/")
        self.until(lambda: self.js("return document.getElementById('phone').dataset.ready") == "true")
        return self

    def call(self) -> "Phone":
        self.open()
        self.driver.find_element(By.ID, "call").click()
        self.until(lambda: self.state() in ("playing", "waiting"))
        return self

    def press(self, key: str) -> None:
        self.driver.find_element(By.TAG_NAME, "body").send_keys(key)

    def js(self, script: str):
        return self.driver.execute_script(script)

    def until(self, condition, timeout: float = 5.0):
        return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(lambda _: condition())

    def state(self) -> str:
        return self.js("return document.getElementById('phone').dataset.state")

    def caption(self) -> str:
        return self.driver.find_element(By.ID, "caption").text

    def where(self) -> str:
        return self.driver.find_element(By.ID, "where").text

    def transcript(self) -> list[str]:
        return self.js("return [...document.querySelectorAll('#transcript li')].map(li => li.textContent)")

    def audio(self) -> dict:
        return self.js("const a = document.getElementById('line-audio');"
                       "return {file: a.src.split('/').pop(), time: a.currentTime, paused: a.paused};")

    def hear_to_the_end(self) -> None:
        """Let every recorded prompt of this document finish, as if listened to."""
        while self.state() == "playing":
            self.js("const a = document.getElementById('line-audio');"
                    "if (!a.paused && a.duration) a.currentTime = a.duration;")
            time.sleep(0.05)

    def hang_up(self) -> None:
        if self.state() not in ("ended", "idle"):
            self.driver.find_element(By.ID, "hangup").click()


@pytest.fixture
def phone(browser, line_url):
    phone = Phone(browser, line_url)
    yield phone
    phone.hang_up()


def test_the_greeting_really_plays_and_key_1_stops_it_for_the_menu_of_1(phone):
    phone.call()
    phone.until(lambda: phone.audio()["file"].startswith("en-GB.normal.phrase.welcome.") and phone.audio()["time"] > 0.3)
    first = phone.audio()["time"]
    time.sleep(0.4)
    assert phone.audio()["time"] > first + 0.2  # the recording is playing, not stuck
    assert phone.caption() == WORDS["phrase.welcome"]
    assert phone.where() == "Main menu, for England and Wales"
    phone.press("1")
    phone.until(lambda: phone.audio()["file"].startswith("en-GB.normal.menu.police."), timeout=1.5)
    assert phone.caption() == WORDS["menu.police"] == "Calling the police."
    assert phone.where() == "Calling the police"
    phone.until(lambda: phone.audio()["time"] > 0.2)


def test_six_seconds_of_silence_does_what_the_line_does_the_choices_again(phone):
    phone.call()
    phone.hear_to_the_end()
    assert phone.state() == "waiting" and phone.caption() == WORDS["phrase.again"]
    quiet = time.monotonic()
    phone.until(lambda: phone.caption() == WORDS["menu.main"], timeout=9)
    assert time.monotonic() - quiet > 5.5
    heard = phone.transcript()
    assert heard.count(WORDS["menu.main"]) == 2 and heard.count(WORDS["phrase.welcome"]) == 1
    assert phone.where() == "Main menu, for England and Wales"


def test_hash_hears_it_again_and_star_goes_back(phone):
    phone.call()
    phone.press("1")
    phone.until(lambda: phone.caption() == "Calling the police.")
    phone.press("#")
    phone.until(lambda: phone.transcript()[-1] == "Calling the police." and "hash" in phone.transcript())
    assert phone.where() == "Calling the police"
    phone.press("*")
    phone.until(lambda: phone.caption() == WORDS["menu.main"])
    assert phone.where() == "Main menu, for England and Wales"
    assert phone.transcript()[-3:] == ["Calling the police.", "star", WORDS["menu.main"]]


WHISPER = "Adviser 1's phone hears: “A call from the helpline. Press 1 to take it.”"
EXPECTED = {  # what the line says first once the wait is over, and what the advisers' side showed
    "answered": (WORDS["phrase.goodbye"], [WHISPER, "Adviser 1 presses 1.", "(You are talking to adviser 1."]),
    "off-then-answers": (WORDS["phrase.goodbye"], ["Adviser 1's phone is answered by its voicemail.",
                                                   "Adviser 2 presses 1.", "(You are talking to adviser 2."]),
    "no-answer": (WORDS["adviser.no_answer"], ["Adviser 1's phone rings out: nobody answered."]),
    "voicemail": (WORDS["adviser.no_answer"], ["Adviser 1's phone is answered by its voicemail.", WHISPER,
                                               "Adviser 1's phone hears: “No key was pressed. Goodbye.”"]),
    "busy": (WORDS["adviser.no_answer"], ["Adviser 1's phone is busy.", "Adviser 2's phone is busy."]),
    "switched-off": (WORDS["adviser.no_answer"], ["Adviser 2's phone is answered by its voicemail."]),
    "twilio-down": (WORDS["adviser.no_answer"],
                    ["The line asks Twilio to ring a phone: Twilio's API cannot be reached."]),
    "out-of-hours": (WORDS["adviser.closed"], []),
}


def choose(phone: Phone, outcome: str) -> dict:
    """Press 9 and pick what the advisers' side does; the outcomes offered, by id."""
    phone.press("9")
    phone.until(lambda: phone.js("return document.getElementById('adviser-choice').open"))
    offered = {b.get_attribute("data-outcome"): b.text
               for b in phone.driver.find_elements(By.CSS_SELECTOR, "#outcomes button")}
    phone.driver.find_element(By.CSS_SELECTOR, f"#outcomes button[data-outcome='{outcome}']").click()
    return offered


def wait_in_the_queue(phone: Phone, until, timeout: float = 30) -> None:
    """Wait for an adviser, hearing each wait page to its end and skipping on to whatever happens
    next on the advisers' side, until `until()` holds."""
    ends = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < ends, phone.transcript()
        phone.js("const a = document.getElementById('line-audio');"
                 "if (!a.paused && a.duration) a.currentTime = a.duration;"  # as if each page were heard
                 "const skip = document.getElementById('skip'); if (!skip.hidden) skip.click();")
        time.sleep(0.2)


@pytest.mark.parametrize("outcome", list(EXPECTED))
def test_9_offers_the_adviser_outcomes_and_each_says_what_the_line_says(phone, outcome):
    phone.call()
    offered = choose(phone, outcome)
    assert list(offered) == list(EXPECTED)
    assert offered["answered"] == "An adviser answers and presses 1"
    said, advisers_side = EXPECTED[outcome]
    if outcome != "out-of-hours":
        phone.until(lambda: phone.caption() == WORDS["adviser.connecting"])  # the first wait page
        assert phone.where() == "Waiting for an adviser"
    wait_in_the_queue(phone, lambda: phone.caption() == said)
    heard = phone.transcript()
    for line in advisers_side:
        assert any(item.startswith(line) for item in heard), (line, "\n".join(heard))
    if said == WORDS["phrase.goodbye"]:
        phone.until(lambda: phone.state() == "ended")  # goodbye, then the line hangs up
        assert phone.where() == "The call has ended"
    else:
        assert phone.where() in ("No adviser could answer", "Main menu, for England and Wales")


def test_while_it_rings_a_wrong_key_says_how_to_stop_and_star_stops_waiting(phone):
    phone.call()
    choose(phone, "no-answer")
    phone.until(lambda: phone.caption() == WORDS["adviser.connecting"])
    phone.hear_to_the_end()
    phone.until(lambda: phone.caption() == "(ringing)" and phone.audio()["time"] > 0.2, timeout=3)  # the built ringback
    phone.press("5")
    phone.until(lambda: phone.caption() == WORDS["adviser.stop_waiting"])
    assert WORDS["phrase.wrong_key"] in phone.transcript()
    phone.press("*")
    phone.until(lambda: phone.caption() == WORDS["adviser.stopped"])
    assert phone.where() == "No adviser could answer"


def test_a_prompt_with_no_recording_is_said_by_the_browser_and_marked(phone):
    phone.call()
    phone.press("3")
    phone.until(lambda: phone.caption() == WORDS[NOT_BUILT])
    assert phone.driver.find_element(By.ID, "voice-note").is_displayed()
    marked = phone.js("return [...document.querySelectorAll('#transcript li.browser-voice')].map(li => li.textContent)")
    assert marked == [WORDS[NOT_BUILT]]


def test_the_keyboard_alone_makes_a_call_and_every_control_is_named(phone):
    phone.open()
    body = phone.driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    assert phone.js("return document.activeElement.id") == "call"
    phone.driver.switch_to.active_element.send_keys(Keys.ENTER)
    phone.until(lambda: phone.state() == "playing")
    names = [k.accessible_name for k in phone.driver.find_elements(By.CSS_SELECTOR, ".keypad .key")]
    assert names == ["1", "2", "3", "4", "5", "6", "7", "8", "9", "star", "0", "hash"]
    assert [phone.driver.find_element(By.ID, i).accessible_name for i in ("call", "hangup")] == ["Call", "Hang up"]
    for live in ("caption", "where"):
        assert phone.driver.find_element(By.ID, live).get_attribute("aria-live") == "polite"


def test_on_a_phone_sized_screen_the_keys_are_large_and_nothing_comes_from_elsewhere(phone, line_url):
    screen(phone.driver, 390, 844, mobile=True)
    try:
        phone.call()
        sizes = phone.js("return [...document.querySelectorAll('.key')].map(k => k.getBoundingClientRect().height)")
        assert min(sizes) >= 60
        assert phone.js("return document.documentElement.scrollWidth <= window.innerWidth")
        loaded = phone.js("return performance.getEntriesByType('resource').map(e => e.name)")
        assert loaded and all(url.startswith(line_url + "/") for url in loaded), loaded
    finally:
        phone.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
