"""Webhook latency while clients stall, through the shipped nginx recipe and without it. Not a test.

    python bench/proxy.py                 # 40 calls of 9 webhooks for each case, about 2 minutes
    python bench/proxy.py --calls 10      # a quick look

Starts the production recipe on loopback as tests/serve/test_proxy.py does (tests/proxy.py:
deploy/nginx/keeping-safe.conf in front of keeping-safe.service's ExecStart, 2 workers), then
for each case places whole calls with the Twilio-like caller (ivr/staff/phone.py) and times
every webhook:

- through nginx, nothing else happening;
- through nginx, while 200 clients hold connections with half-sent headers and 50 more hold
  requests with half-sent bodies (each reopened as soon as nginx drops it, so the attack lasts
  the whole case), each from an address of its own (127.0.1.x), so that nginx's per-address
  rate limit does not blunt the attack: the worst case for the line;
- straight to gunicorn over TCP (`ivr serve`, the same settings, no proxy), while 8 clients
  hold half-sent headers (twice gunicorn's 2 x 2 threads): the attack the review found. A webhook that takes more than 5 s
  counts as failed (Twilio would wait 15 s, then play its error).

The caller sends its webhooks from 127.0.0.1, as Twilio sends a busy line's from one of its
addresses: at most 40 a second (--pace), below nginx's 50 a second for one address.
Prints, per case, the webhooks answered and failed, and the p50, p99 and slowest answer in ms.
Everything is on loopback and bounded by --calls and the 5 s timeout.
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivr.staff.phone import Caller, Reply  # noqa: E402
from tests import proxy  # noqa: E402

BASE, TOKEN = "https://line.example.org", "bench-token"
TIMEOUT = 5.0


def settings(folder: Path) -> dict[str, str]:
    return {"TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_BASE_URL": BASE, "SERVICE_NUMBER": "+442079460001",
            "ADVISER_NUMBERS": "+442079460901", "ADVISER_HOURS": "",  # advisers never answer: no REST calls
            "AUDIO_DIR": str(folder / "audio"), "DATABASE_URL": f"sqlite:///{folder}/line.sqlite3",
            "WEB_CONCURRENCY": "2", "IVR_LOG_LEVEL": "WARNING"}


class Timed:
    """The caller's HTTP side, as Remote sends it but over kept-alive connections, as Twilio's
    are; times each webhook and counts failures."""

    def __init__(self, server_url: str, times: list[float], failures: list[str], pace: float):
        self.url, self.times, self.failures = server_url, times, failures
        self.session = requests.Session()
        self.gap, self.next_at = 1 / pace, 0.0

    def post(self, path, data, headers):
        time.sleep(max(0.0, self.next_at - time.monotonic()))
        self.next_at = time.monotonic() + self.gap
        started = time.perf_counter()
        try:
            response = self.session.post(self.url + path, data=data, headers=headers, timeout=TIMEOUT,
                                         allow_redirects=False)
            reply = Reply(response.status_code, response.headers.get("Content-Type", "").split(";")[0].strip(),
                          response.content)
        except requests.RequestException as exc:
            self.failures.append(type(exc).__name__)
            raise
        self.times.append((time.perf_counter() - started) * 1000)
        if reply.status_code != 200:
            self.failures.append(str(reply.status_code))
        return reply


Attack = proxy.Attack


def one_call(remote: Timed) -> None:
    caller = Caller(remote, base_url=BASE, auth_token=TOKEN)
    try:
        caller.dial().press("1").wait().press("1").press("*").press("9")
        caller.press("8").press("4").press("2")
    except (AssertionError, requests.RequestException):
        pass  # counted in remote.failures


def run(name: str, url: str, calls: int, pace: float, attack=None) -> dict:
    times, failures = [], []
    remote = Timed(url, times, failures, pace)
    started = time.monotonic()
    if attack is None:
        for _ in range(calls):
            one_call(remote)
    else:
        with attack:
            for _ in range(calls):
                one_call(remote)
    ms = sorted(times)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))] if ms else float("nan")
    return {"case": name, "answered": len(ms), "failed": len(failures), "p50": statistics.median(ms) if ms else
            float("nan"), "p99": p99, "max": ms[-1] if ms else float("nan"), "seconds": time.monotonic() - started}


def direct_gunicorn(folder: Path) -> tuple[subprocess.Popen, int]:
    port = proxy.free_port()
    env_file = folder / "direct.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in settings(folder).items()))
    log = open(folder / "direct.log", "w")
    server = subprocess.Popen([str(Path(sys.executable).with_name("ivr")), "--env-file", str(env_file), "serve",
                               "--bind", f"127.0.0.1:{port}"], cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, port
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start: see " + str(folder / "direct.log"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=40, help="whole calls (9 webhooks each) per case")
    parser.add_argument("--pace", type=float, default=40, help="webhooks a second, at most, from the caller")
    args = parser.parse_args()
    missing = proxy.available()
    if missing:
        raise SystemExit(missing)
    folder = Path(tempfile.mkdtemp(prefix="ivr-bench-proxy-"))
    results = []
    stack = proxy.start(folder, settings(folder))
    try:
        os.environ["REQUESTS_CA_BUNDLE"] = str(stack.cert)
        results.append(run("nginx, no attack", stack.url, args.calls, args.pace))
        results.append(run("nginx, 200 stalled headers + 50 slow bodies", stack.url, args.calls, args.pace,
                           Attack(lambda source: stack.connect(source=source), 200, 50)))
    finally:
        stack.stop()
    server, port = direct_gunicorn(folder)
    try:
        plain = lambda source: socket.create_connection(("127.0.0.1", port), timeout=5,  # noqa: E731
                                                        source_address=(source, 0))
        results.append(run("gunicorn alone, 8 stalled headers", f"http://127.0.0.1:{port}", max(2, args.calls // 10),
                           args.pace, Attack(plain, 8, 0)))
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{'case':46} {'answered':>8} {'failed':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for r in results:
        print(f"{r['case']:46} {r['answered']:8} {r['failed']:6} {r['p50']:8.1f} {r['p99']:8.1f} {r['max']:8.1f}")


if __name__ == "__main__":
    main()
