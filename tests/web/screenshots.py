"""`scripts/screenshots`: the browser phone in docs/, at a phone's width and a desktop's, mid-call.

The line runs as the local preview, with the offline voice's audio (built into .test-audio/, as
the tests build it), in Debian's headless Chromium.
"""
from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from ivr import create_app
from ..conftest import build_audio, settings
from .browser import chromium, screen, serving

REPO = Path(__file__).resolve().parents[2]
SHOTS = {"browser-phone-narrow.png": (390, 844, True), "browser-phone-wide.png": (1280, 860, False)}


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("ivr").setLevel(logging.ERROR)
    audio = REPO / ".test-audio"
    build_audio(audio)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(settings(TWILIO_AUTH_TOKEN="", PUBLIC_BASE_URL="", AUDIO_DIR=str(audio),
                                  TTS_ENGINE="piper", DATABASE_URL=f"sqlite:///{tmp}/line.sqlite3"))
        with serving(app) as url:
            for name, (width, height, mobile) in SHOTS.items():
                driver = chromium(Path(tmp) / name)
                screen(driver, width, height, mobile)
                try:
                    shoot(driver, url, REPO / "docs" / name)
                finally:
                    driver.quit()
                print(f"docs/{name}")


def shoot(driver, url: str, path: Path) -> None:
    wait = WebDriverWait(driver, 10)
    driver.get(url + "/")
    wait.until(lambda d: d.find_element(By.ID, "phone").get_attribute("data-ready") == "true")
    driver.find_element(By.ID, "call").click()
    wait.until(lambda d: d.find_element(By.ID, "phone").get_attribute("data-state") == "playing")
    time.sleep(1)
    driver.find_element(By.TAG_NAME, "body").send_keys("1")
    wait.until(lambda d: d.find_element(By.ID, "caption").text == "Calling the police.")
    time.sleep(0.5)
    driver.execute_script("document.activeElement.blur()")
    path.write_bytes(driver.get_screenshot_as_png())


if __name__ == "__main__":
    main()
