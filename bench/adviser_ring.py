"""How long from pressing 9 until the first adviser's phone is asked to ring. Not a test.

    python bench/adviser_ring.py                  # 100 presses of 9
    python bench/adviser_ring.py --presses 20

Runs the line under gunicorn (ivr/serve/gunicorn_conf.py) with Twilio's REST API replaced by a
stand-in on 127.0.0.1 (this process, answering as Twilio does: 201 and the new call), which the
line reaches over HTTP with twilio's own client. Each trial does what Twilio does when a caller
presses 9: POST /voice/key with Digits=9, then, as <Enqueue> tells it, POST the waitUrl; and times
from sending the key press until the stand-in receives the request to call the first adviser, and
the second. Twilio's own time between the two webhooks (it puts the call in its queue) is not in
these figures; nor is its calls-per-second queue, which rings the second adviser 1 s after the first.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.webhooks import KEY_PATH, free_port, serve, signed  # noqa: E402


def create_app():
    """The line, its REST requests sent to the stand-in at BENCH_API instead of api.twilio.com."""
    from twilio.http.http_client import TwilioHttpClient

    from ivr import create_app as line_app

    class StandInAPI(TwilioHttpClient):
        def request(self, method, url, *args, **kwargs):
            return super().request(method, url.replace("https://api.twilio.com", os.environ["BENCH_API"]),
                                   *args, **kwargs)
    return line_app({"TWILIO_HTTP_CLIENT": StandInAPI(timeout=4)})


class API(BaseHTTPRequestHandler):
    """Twilio's REST API, as far as the line uses it: each call created is timed."""
    created: list[float] = []
    arrived = threading.Condition()

    def do_POST(self):  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.endswith("/Calls.json"):
            with API.arrived:
                API.created.append(time.perf_counter())
                API.arrived.notify_all()
            self.answer(201, {"sid": "CA" + os.urandom(16).hex(), "status": "queued"})
        else:
            self.answer(200, {"sid": self.path.rsplit("/", 1)[-1].removesuffix(".json"), "status": "canceled"})

    def do_DELETE(self):  # noqa: N802
        self.send_response(204)
        self.end_headers()

    def answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def post(port: int, path: str, extra: dict) -> str:
    body, signature = signed(path, extra)
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body.encode(),
                                     headers={"X-Twilio-Signature": signature})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


def press_nine(port: int) -> tuple[float, float]:
    """One press of 9 as Twilio makes it; seconds until the first and the second adviser's call."""
    before = len(API.created)
    started = time.perf_counter()
    enqueue = ET.fromstring(post(port, KEY_PATH, {"Digits": "9"})).find("Enqueue")
    wait_path = urlsplit(enqueue.get("waitUrl"))
    post(port, f"{wait_path.path}?{wait_path.query}", {"QueueSid": "QU" + "0" * 32, "QueueTime": "0",
                                                        "QueuePosition": "1", "CurrentQueueSize": "1"})
    with API.arrived:
        if not API.arrived.wait_for(lambda: len(API.created) >= before + 2, timeout=10):
            sys.exit("the line did not ask the stand-in API to call both advisers within 10 s")
    return API.created[before] - started, API.created[before + 1] - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=100)
    args = parser.parse_args()
    api = ThreadingHTTPServer(("127.0.0.1", free_port()), API)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        proc = serve("line", port, Path(tmp), ["--workers", "2"], app="bench.adviser_ring:create_app()",
                     env={"BENCH_API": f"http://127.0.0.1:{api.server_port}"})
        try:
            for _ in range(5):
                press_nine(port)  # warm up: imports, connections, the REST client
            times = [press_nine(port) for _ in range(args.presses)]
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            api.shutdown()
        errors = (Path(tmp) / "line.log").read_text().count(" ERROR ")
    print(f"{args.presses} presses of 9 (after 5 to warm up); gunicorn -c python:ivr.serve.gunicorn_conf --workers 2; "
          f"{os.cpu_count()} cores; the REST API a stand-in on 127.0.0.1\n")
    print("| from pressing 9 until the line asks Twilio to call | p50 ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|")
    for label, column in (("the first adviser", 0), ("the second adviser", 1)):
        values = sorted(t[column] * 1000 for t in times)
        p95 = values[max(0, int(len(values) * 0.95) - 1)]
        print(f"| {label} | {statistics.median(values):.1f} | {p95:.1f} | {values[-1]:.1f} |")
    print(f"\nErrors logged by the line: {errors}")


if __name__ == "__main__":
    main()
