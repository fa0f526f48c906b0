"""The production recipe holds: through the shipped nginx site and systemd units, a whole call
is answered while 250 clients stall, and what Twilio never sends is refused before it costs
the line anything. All on loopback; every wait is bounded.

The p99 of webhooks under this attack is a benchmark, not a test: bench/proxy.py.
"""
from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from ivr.staff.phone import Caller, Remote
from .. import proxy, wire

pytestmark = pytest.mark.xdist_group("proxy")  # one stack for the module (scripts/test: --dist loadgroup)

STALLED, SLOW_BODIES = 200, 50
MARKER = "07700900999"  # stands for a caller's number in a hostile body: it must reach no log


@pytest.fixture(scope="module")
def stack():
    missing = proxy.available()
    assert missing is None, missing
    folder = Path(tempfile.mkdtemp(prefix="ivr-proxy-"))
    settings = {**{k: v for k, v in wire.server_env(folder).items() if k in (
        "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL", "SERVICE_NUMBER", "AUDIO_DIR", "SECRET_KEY")},
        "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
        "ADVISER_NUMBERS": "+442079460901", "ADVISER_HOURS": "",  # advisers never answer: no REST calls
        "DATABASE_URL": f"sqlite:///{folder}/line.sqlite3", "WEB_CONCURRENCY": "2"}
    running = proxy.start(folder, settings)
    yield running
    running.stop()
    shutil.rmtree(folder, ignore_errors=True)


def request_lines(stack) -> list[dict]:
    return [json.loads(line.split(" ivr.requests ", 1)[1]) for line in stack.line_log().splitlines()
            if " ivr.requests " in line]


def test_a_whole_call_is_answered_while_250_clients_stall(stack, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(stack.cert))  # the caller trusts the test's certificate
    before = len(request_lines(stack))
    with proxy.Attack(lambda source: stack.connect(source=source), STALLED, SLOW_BODIES) as attack:
        for _ in range(3):  # on a busy machine, opening 250 takes long enough for nginx to drop the first
            if attack.holding() == STALLED + SLOW_BODIES:
                break
            attack.fill()
        assert attack.holding() == STALLED + SLOW_BODIES  # nginx holds every one as the call starts
        caller = Caller(Remote(stack.url, timeout=5), base_url=wire.BASE, auth_token=wire.TOKEN)
        caller.dial().press("1").wait().press("1").press("*").press("9")
        assert caller.said("Our advisers cannot take calls right now")  # the adviser path, with no REST API
        caller.press("8").press("4").press("2")
        assert caller.said("pleads not guilty")
        assert caller.statuses == [200] * 9  # every webhook answered
    lines = request_lines(stack)[before:]
    assert [line["status"] for line in lines] == [200] * 9, lines  # gunicorn saw the call, and nothing else


def test_nginx_drops_clients_that_stall_past_its_timeouts(stack):
    clients = []
    try:
        for n in range(20):
            clients.append(stack.connect(source=f"127.0.2.{n + 1}"))
            clients[-1].sendall(proxy.PARTIAL["headers" if n < 10 else "body"])
        assert all(proxy.held(conn) for conn in clients)
        deadline = time.monotonic() + 15  # 5 s timeouts, and nginx's timers are coarse
        while any(proxy.held(conn) for conn in clients) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not any(proxy.held(conn) for conn in clients), "nginx should drop clients that stall"
    finally:
        for conn in clients:
            conn.close()


def raw(conn, request: bytes) -> bytes:
    conn.sendall(request)
    reply = b""
    while b"\r\n\r\n" not in reply:
        chunk = conn.recv(4096)
        if not chunk:
            break
        reply += chunk
    return reply


BAD_CHUNKS = (b"POST /voice/key?node=main HTTP/1.1\r\nHost: line.example.org\r\n"
              b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n"
              b"X-Twilio-Signature: bm90IGEgc2lnbmF0dXJl\r\n\r\n"
              b"10\r\nFrom=" + MARKER.encode() + b"&x=\r\nzz\r\n" + MARKER.encode() + b"\r\n0\r\n\r\n")


def test_what_twilio_never_sends_is_refused_by_nginx_before_the_line_sees_it(stack):
    before = len(request_lines(stack))
    with stack.connect() as conn:
        big = b"Digits=1&Junk=" + b"x" * 70_000
        reply = raw(conn, b"POST /voice/key?node=main HTTP/1.1\r\nHost: line.example.org\r\n"
                          b"Content-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: x\r\n"
                          b"Content-Length: " + str(len(big)).encode() + b"\r\n\r\n" + big)
    assert reply.startswith(b"HTTP/1.1 413"), reply[:80]
    with stack.connect() as conn:
        assert raw(conn, BAD_CHUNKS).startswith(b"HTTP/1.1 400"), "a broken chunked body"
    assert len(request_lines(stack)) == before
    assert MARKER not in stack.nginx_log()


def test_the_line_itself_refuses_a_broken_chunked_body_with_400_and_no_body_bytes_in_its_log(stack):
    """What nginx would stop, sent straight to gunicorn's socket: the line's own layer answers."""
    import socket
    with socket.socket(socket.AF_UNIX) as conn:
        conn.settimeout(10)
        conn.connect(str(stack.socket))
        reply = raw(conn, BAD_CHUNKS)
    assert reply.startswith(b"HTTP/1.1 400"), reply[:80]
    time.sleep(0.2)  # the log line is written as the answer is sent
    assert request_lines(stack)[-1]["refused"] == "body"
    assert MARKER not in stack.line_log()
    assert "Traceback" not in stack.line_log()


def test_unsigned_webhooks_through_nginx_are_refused_by_the_line(stack):
    with stack.connect() as conn:
        reply = raw(conn, b"POST /voice HTTP/1.1\r\nHost: line.example.org\r\n"
                          b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 8\r\n\r\nDigits=1")
    assert reply.startswith(b"HTTP/1.1 403"), reply[:80]
    assert request_lines(stack)[-1]["refused"] == "signature"


def test_one_address_sending_too_fast_gets_429_and_others_are_still_answered(stack):
    """From 127.0.0.2, so the other tests' address keeps its own allowance."""
    conn = http.client.HTTPSConnection("127.0.0.1", stack.port, context=stack.context(), timeout=5,
                                       source_address=("127.0.0.2", 0))
    statuses = []
    try:
        for _ in range(400):  # far more than the burst of 200 in well under the 4 s it would allow
            conn.request("GET", "/healthz")
            reply = conn.getresponse()
            reply.read()
            statuses.append(reply.status)
    finally:
        conn.close()
    assert set(statuses) == {200, 429}, set(statuses)
    assert statuses[:200] == [200] * 200  # the burst is served in full
    with urllib_open(stack, "/healthz") as reply:
        assert reply.status == 200  # 127.0.0.1 is not held back by 127.0.0.2


def urllib_open(stack, path: str):
    import urllib.request
    return urllib.request.urlopen(stack.url + path, context=stack.context(), timeout=5)


def test_the_systemd_units_are_valid(tmp_path):
    """systemd's own check of the shipped units, with the line's folder where this test put it."""
    folder = tmp_path / "srv"
    (folder / ".venv" / "bin").mkdir(parents=True)
    (folder / ".venv" / "bin" / "ivr").write_text("#!/bin/sh\n")
    (folder / ".venv" / "bin" / "ivr").chmod(0o755)
    for unit in (proxy.SERVICE, proxy.SOCKET_UNIT):
        (tmp_path / unit.name).write_text(unit.read_text().replace(proxy.INSTALLED, str(folder)))
    result = subprocess.run(["systemd-analyze", "verify", *(str(tmp_path / u.name) for u in (
        proxy.SERVICE, proxy.SOCKET_UNIT))], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "keeping-safe" not in result.stderr, result.stderr
