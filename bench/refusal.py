"""What it costs the line to answer, or refuse, one request, in-process. Not a test.

    python bench/refusal.py                 # 200 rounds a case
    python bench/refusal.py --rounds 50     # a quick look

Builds the real app (`ivr:create_app()`, request log on, at WARNING so refusals are still
written) and calls it as gunicorn would, through WSGI, with a body already in memory: so the
figures are the line's own work for each request, without the network or the server. Cases:

- a genuine webhook: /voice/key with Twilio's fields, Digits=1, signed;
- the hostile body: Twilio's fields and 11,650 more (`x=1`, about 47 KB, under the 64 KB cap),
  once with no X-Twilio-Signature and once with a made-up one;
- the same hostile body, signed with the real token (a forger who has it, or a Twilio bug).

Prints the median and 99th percentile per request, in milliseconds, and the status answered.
"""
from __future__ import annotations

import argparse
import atexit
import io
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE, TOKEN = "https://line.example.org", "bench-token"
PATH, QUERY = "/voice/key", "node=main&misses=0&lang=en-GB&rate=normal"
CALL = {"CallSid": "CA" + "0" * 32, "AccountSid": "AC" + "1" * 32, "From": "+442079460123",
        "Caller": "+442079460123", "To": "+442079460001", "Called": "+442079460001",
        "CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01", "Digits": "1"}
HOSTILE_FIELDS = 11_650


def bodies() -> list[tuple[str, bytes, str | None]]:
    """(case, body, signature) for each case; None means no signature header at all."""
    validator = RequestValidator(TOKEN)
    url = f"{BASE}{PATH}?{QUERY}"
    genuine = urlencode(CALL)
    pairs = list(CALL.items()) + [("x", "1")] * HOSTILE_FIELDS
    hostile = urlencode(pairs)
    from werkzeug.datastructures import MultiDict
    hostile_signed = validator.compute_signature(url, MultiDict(pairs))
    return [("genuine webhook, signed", genuine.encode(), validator.compute_signature(url, CALL)),
            (f"{HOSTILE_FIELDS:,} fields, no signature", hostile.encode(), None),
            (f"{HOSTILE_FIELDS:,} fields, made-up signature", hostile.encode(), "bm90IGEgc2lnbmF0dXJl"),
            (f"{HOSTILE_FIELDS:,} fields, signed with the real token", hostile.encode(), hostile_signed)]


def environ(body: bytes, signature: str | None) -> dict:
    env = {"REQUEST_METHOD": "POST", "PATH_INFO": PATH, "QUERY_STRING": QUERY, "SERVER_NAME": "127.0.0.1",
           "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
           "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.multithread": True,
           "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0),
           "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body))}
    if signature is not None:
        env["HTTP_X_TWILIO_SIGNATURE"] = signature
    return env


def call(app, body: bytes, signature: str | None) -> tuple[float, str]:
    status = []
    env = environ(body, signature)
    started = time.perf_counter()
    chunks = app(env, lambda s, headers, exc_info=None: status.append(s))
    b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return (time.perf_counter() - started) * 1000, status[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ivr-bench-refusal-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.environ.update({"TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_BASE_URL": BASE, "SERVICE_NUMBER": "+442079460001",
                       "ADVISER_NUMBERS": "+442079460901", "ADVISER_HOURS": "Mon-Sun 00:00-23:59",
                       "AUDIO_DIR": str(folder / "audio"), "DATABASE_URL": f"sqlite:///{folder}/line.sqlite3"})
    logging.basicConfig(level=logging.WARNING, stream=open(os.devnull, "w"))  # written, then thrown away
    from ivr import create_app
    app = create_app()
    cases = bodies()
    times: dict[str, list[float]] = {case: [] for case, _, _ in cases}
    answered: dict[str, set[str]] = {case: set() for case, _, _ in cases}
    for _ in range(args.rounds):  # cases take turns, so load from elsewhere falls on all alike
        for case, body, signature in cases:
            ms, status = call(app.wsgi_app, body, signature)
            times[case].append(ms)
            answered[case].add(status)
    print(f"{'case':48} {'median ms':>10} {'p99 ms':>8}  answer")
    for case, _, _ in cases:
        ms = sorted(times[case])
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
        print(f"{case:48} {statistics.median(ms):10.3f} {p99:8.3f}  {', '.join(sorted(answered[case]))}")


if __name__ == "__main__":
    main()
