"""What the browser phone's wait for an adviser costs in the local preview. Not a test.

    python bench/preview_queue.py             # 200 looks
    python bench/preview_queue.py --looks 50

The preview app in this process (as `scripts/run` starts it with no Twilio settings, its
switchboard standing in for Twilio), with the offline voice's audio in .test-audio/ (as the tests
build it). Times pressing 9's <Enqueue> being joined plus the first wait page (when the line has
the board ring its two pretend advisers), then each "how does my wait stand?" the page asks once
a second while it waits (/phone/queue/look: the board run up to now, and the news since).
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ivr import create_app  # noqa: E402
from ivr.settings import UK  # noqa: E402
from tests.caller import Caller  # noqa: E402
from tests.conftest import settings  # noqa: E402

CALL = "CA" + "1" * 32


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--looks", type=int, default=200)
    looks = parser.parse_args().looks
    audio = Path(__file__).resolve().parents[1] / ".test-audio"
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(settings(TWILIO_AUTH_TOKEN="", PUBLIC_BASE_URL="", AUDIO_DIR=str(audio), TTS_ENGINE="piper",
                                  ADVISER_NUMBERS="", DATABASE_URL=f"sqlite:///{tmp}/line.sqlite3",
                                  CLOCK=lambda: datetime(2026, 11, 30, 10, 0, tzinfo=UK)))
        client = app.test_client()
        csrf = {"X-CSRFToken": re.search(rb'data-csrf="([^"]+)"', client.get("/").data)[1].decode()}
        caller = Caller(client, "http://localhost", "").dial()
        caller.press("9")
        enqueue = caller.doc.find("Enqueue")
        started = time.perf_counter()
        joined = client.post("/phone/queue/join", headers=csrf, json={
            "call": CALL, "outcome": "no-answer", "enqueue": ET.tostring(enqueue, encoding="unicode")}).json
        caller.post(enqueue.get("waitUrl"), **joined["fields"])
        first = time.perf_counter() - started
        times = []
        for _ in range(looks):
            started = time.perf_counter()
            client.post("/phone/queue/look", json={"call": CALL}, headers=csrf)
            times.append((time.perf_counter() - started) * 1000)
    print(f"join and the first wait page (both pretend advisers rung on the board): {first * 1000:.0f} ms")
    print(f"each look: median {statistics.median(times):.2f} ms, worst {max(times):.2f} ms, over {looks}")


if __name__ == "__main__":
    main()
