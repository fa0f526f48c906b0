"""A real browser on the browser phone: Debian's Chromium, headless, driven by Selenium through
the system chromedriver (named explicitly, so Selenium never downloads a driver or a browser).

Used by the browser tests and by `scripts/screenshots`.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Chromium reaches out to Google at start (updates, sync, field trials); the closed network
# refuses those connections slowly, so they are switched off.
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
         "--disable-extensions", "--mute-audio")


def chromium(profile: Path, width: int = 1280, height: int = 900):
    """A headless Chromium with a fresh profile in `profile`, sized `width` x `height`."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager: never fetch anything
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


def screen(driver, width: int, height: int, mobile: bool = False) -> None:
    """Show the page in a viewport of exactly `width` x `height` CSS pixels (a phone's, with `mobile`)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})


@contextmanager
def serving(app):
    """The app on a loopback port in a thread, as `flask run` serves it; yields its address."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
