"""Benchmark the webhooks under gunicorn with wrk, against a bare Flask ceiling. Not a test.

    python bench/webhooks.py                      # 5 rounds of 20 s a target, 32 connections
    python bench/webhooks.py --rounds 1 --seconds 5   # a quick look

Starts gunicorn (the settings in ivr/serve/gunicorn_conf.py, the same worker count for every run) on
127.0.0.1 only, for bench/ceiling.py (a fixed TwiML string; and the same string only after reading
the form and checking its signature with twilio's validator) and for the line, and drives each
with wrk, POSTing the form body Twilio sends with its X-Twilio-Signature. The line's database (a
SQLite file, as one server has by default) holds a caller waiting while an adviser's phone rings,
for the wait page, and a wait another adviser has taken, for a press of 1 that comes too late. Prints requests per
second, p50 and p99 latency, errors, and each target's throughput as a fraction of each ceiling's.
The line counts its usage figures as in production (into a SQLite file in the run's temporary
folder), and the calls they counted are printed at the end.
Needs wrk (scripts/setup --bench installs it). Every run is bounded by --seconds.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "signed_post.lua"
BASE, TOKEN = "https://line.example.org", "bench-token"
HERE = "node=main&misses=0&lang=en-GB&rate=normal"
KEY_PATH = f"/voice/key?{HERE}"
WAITING, TAKEN = "bench-waiting-0000000000", "bench-taken-00000000000"  # tokens of the two seeded waits
WAIT_PATH = f"/voice/adviser/wait?{HERE}&wait={WAITING}&ring=5"
ACCEPT_PATH = f"/voice/adviser/accept?{HERE}&wait={TAKEN}&leg=1"
LINE_ENV = {"TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_BASE_URL": BASE, "SERVICE_NUMBER": "+442079460001",
            "ADVISER_NUMBERS": "+442079460901,+442079460902", "ADVISER_HOURS": "Mon-Sun 00:00-23:59",
            "TWILIO_ACCOUNT_SID": "AC" + "2" * 32, "SECRET_KEY": "bench-secret-key-for-staff-sign-in-cookies"}
CALL = {"CallSid": "CA" + "0" * 32, "AccountSid": "AC" + "1" * 32, "From": "+442079460123",
        "Caller": "+442079460123", "To": "+442079460001", "Called": "+442079460001",
        "CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01"}
# (name, server, path, extra form fields, words the answer must contain)
TARGETS = [
    ("ceiling: fixed TwiML", "ceiling", "/voice", {}, "press 1"),
    ("ceiling + signature: the form read and checked", "signed", KEY_PATH, {"Digits": "1"}, "press 1"),
    ("line: /voice (new call)", "line", "/voice", {}, "For calling the police, press 1."),
    ("line: /voice/key Digits=1", "line", KEY_PATH, {"Digits": "1"}, "Calling the police."),
    ("line: /voice/adviser/wait (one ring of a wait)", "line", WAIT_PATH,
     {"QueueSid": "QU" + "0" * 32, "QueueTime": "15"}, "Still ringing."),
    ("line: /voice/adviser/accept Digits=1 (too late)", "line", ACCEPT_PATH, {"Digits": "1"},
     "Another adviser has taken this call."),
]
APPS = {"ceiling": "bench.ceiling:create_app()", "signed": "bench.ceiling:create_signed_app()",
        "line": "ivr:create_app()"}


def signed(path: str, extra: dict) -> tuple[str, str]:
    params = {**CALL, **extra}
    return urlencode(params), RequestValidator(TOKEN).compute_signature(BASE + path, params)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(server: str, port: int, workdir: Path, options: list[str], *, app: str = "", under: list[str] = (),
          env: dict | None = None, seconds: float = 10) -> subprocess.Popen:
    """gunicorn with the line's settings serving `server` (or `app`) on 127.0.0.1:`port`, once it
    accepts connections; `under` runs it under another program (valgrind). Its output goes to
    workdir/<server>.log; if it never listens it is stopped and the benchmark ends, naming that log."""
    log = workdir / f"{server}.log"
    if server == "line":
        env = {**seed(workdir), **(env or {})}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [*under, sys.executable, "-m", "gunicorn", "--config", "python:ivr.serve.gunicorn_conf",
             "--bind", f"127.0.0.1:{port}", *options, app or APPS[server]],
            cwd=workdir, stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, **(LINE_ENV if server != "ceiling" else {}), "PYTHONPATH": str(ROOT),
                 "DATABASE_URL": f"sqlite:///{workdir / 'line.sqlite3'}", **(env or {})})
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    proc.wait(timeout=30)
    sys.exit(f"{server} did not start; see {log.read_text()[-2000:] or log}")


def seed(workdir: Path) -> dict[str, str]:
    """The line's database with the two waits the adviser targets answer from; its DATABASE_URL."""
    sys.path.insert(0, str(ROOT))
    from ivr.store import waits
    from ivr.store.database import Database
    url = f"sqlite:///{workdir / 'line.sqlite3'}"
    db = Database(url)
    db.upgrade()
    later = time.time() + 10 ** 7  # rung "later": the waits never reach their ring limit while measured
    for token in (WAITING, TAKEN):
        if waits.read(db, token) is None:
            waits.open_wait(db, token, later)
            waits.start_ringing(db, token, "QU" + "0" * 32, later, 2)
            waits.placed(db, token, 0, "CA" + "3" * 32)
    waits.claim(db, TAKEN, 0)
    db.dispose()
    return {"DATABASE_URL": url}


def check(port: int, path: str, extra: dict, words: str) -> None:
    """One request by hand first: a fast wrong answer would be no result."""
    body, signature = signed(path, extra)
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body.encode(),
                                 headers={"X-Twilio-Signature": signature})
    with urllib.request.urlopen(req, timeout=5) as response:
        text = response.read().decode()
    if words not in text or "went wrong" in text:
        sys.exit(f"{path} did not answer as expected:\n{text}")


def wrk(port: int, path: str, extra: dict, seconds: int, args) -> dict:
    body, signature = signed(path, extra)
    out = subprocess.run(
        ["wrk", "-t", str(args.wrk_threads), "-c", str(args.connections), "-d", f"{seconds}s", "--timeout", "5s",
         "-s", str(LUA), f"http://127.0.0.1:{port}{path}"],
        env={**os.environ, "BENCH_BODY": body, "BENCH_SIGNATURE": signature},
        capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def run(args) -> dict[str, list[dict]]:
    """All servers up at once (the idle ones cost nothing); the targets take turns, round after
    round, so a busy neighbour on the machine slows the ceilings and the line alike."""
    rounds: dict[str, list[dict]] = {name: [] for name, *_ in TARGETS}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        ports = {server: free_port() for server in APPS}
        procs = []
        try:
            for server, port in ports.items():
                procs.append(serve(server, port, workdir, ["--workers", str(args.workers), *args.gunicorn]))
            for name, server, path, extra, words in TARGETS:
                check(ports[server], path, extra, words)
                wrk(ports[server], path, extra, args.warmup, args)  # warm up: imports, caches, accept queue
            for _ in range(args.rounds):
                for name, server, path, extra, _words in TARGETS:
                    rounds[name].append(wrk(ports[server], path, extra, args.seconds, args))
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(timeout=30)
        # A 200 could still be the error page: the line logs every failure at ERROR.
        rounds["app errors"] = [{"count": (workdir / "line.log").read_text().count(" ERROR ")}]
        rounds["calls counted"] = [{"count": counted_calls(workdir / "line.sqlite3")}]
    return rounds


def counted_calls(database: Path) -> int:
    """Calls the usage figures counted: every /voice request the line answered, warm-up included
    (the workers write their last batch as they stop)."""
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT coalesce(sum(count), 0) FROM figures_days WHERE what = 'calls'").fetchone()[0]


def summary(results: list[dict]) -> dict:
    seconds = sum(r["seconds"] for r in results)
    return {"requests": sum(r["requests"] for r in results), "rps": sum(r["requests"] for r in results) / seconds,
            "p50": statistics.median(r["p50_ms"] for r in results),
            "p99": statistics.median(r["p99_ms"] for r in results),
            "p99_worst": max(r["p99_ms"] for r in results),
            "errors": sum(r["errors"] + r["non_2xx"] for r in results)}


def report(rounds, args) -> None:
    app_errors = rounds.pop("app errors")[0]["count"]
    calls_counted = rounds.pop("calls counted")[0]["count"]
    rows = {name: summary(results) for name, results in rounds.items()}
    ceiling, signed_ceiling = (rows[TARGETS[i][0]]["rps"] for i in (0, 1))
    print(f"{args.rounds} rounds x {args.seconds} s a target; wrk -t{args.wrk_threads} -c{args.connections}; "
          f"gunicorn -c python:ivr.serve.gunicorn_conf --workers {args.workers} {' '.join(args.gunicorn)}; "
          f"{os.cpu_count()} cores\n")
    print("| target | requests | req/s | p50 ms | p99 ms (median round) | p99 ms (worst round) | errors "
          "| of ceiling | of ceiling + signature |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in rows.items():
        print(f"| {name} | {r['requests']:,} | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p99']:.1f} | "
              f"{r['p99_worst']:.1f} | {r['errors']} | {r['rps'] / ceiling:.0%} | {r['rps'] / signed_ceiling:.0%} |")
    print(f"\nErrors logged by the line (error pages served): {app_errors}")
    measured = rows[TARGETS[2][0]]["requests"]
    print(f"Calls counted by the usage figures: {calls_counted:,} (measured /voice requests: {measured:,}, "
          "plus the warm-up and the check)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=20, help="length of each measured run")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--gunicorn", nargs=argparse.REMAINDER, default=[],
                        help="more gunicorn options for both servers, e.g. --gunicorn --worker-class sync")
    parser.add_argument("--wrk-threads", type=int, default=2)
    args = parser.parse_args()
    report(run(args), args)


if __name__ == "__main__":
    main()
