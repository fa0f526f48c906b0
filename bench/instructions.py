"""Count the CPU instructions one webhook costs under gunicorn, with valgrind. Not a test.

    python bench/instructions.py                 # 300 requests a target, about a minute
    python bench/instructions.py --requests 100
    python bench/instructions.py --without log       # the line less one piece (bench/knockout.py)

The same targets as bench/webhooks.py (the bare Flask ceiling, /voice, /voice/key), each served by
gunicorn with the line's settings, one worker and one thread, under valgrind's callgrind. A client
sends the signed requests over one kept-alive connection, as wrk does; only the requests after a
warm-up are counted. Instruction counts do not depend on what else the machine is doing, so
unlike requests a second on a shared machine they compare exactly from one change to the next.
Needs valgrind (`scripts/setup --bench` installs it).
"""
from __future__ import annotations

import argparse
import http.client
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.knockout import PIECES  # noqa: E402
from bench.webhooks import TARGETS, free_port, serve, signed  # noqa: E402


def control(server: subprocess.Popen, command: str) -> None:
    """callgrind_control for gunicorn's one worker only, not any other valgrind run on the machine."""
    with open(f"/proc/{server.pid}/task/{server.pid}/children") as children:
        worker = children.read().split()[0]
    subprocess.run(["callgrind_control", command, worker], capture_output=True, check=True)


def send(port: int, path: str, extra: dict, words: str, count: int) -> None:
    body, signature = signed(path, extra)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    for _ in range(count):
        connection.request("POST", path, body=body, headers={
            "X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        text = response.read().decode()
        if response.status != 200 or words not in text:  # a fast wrong answer would be no result
            sys.exit(f"{path} did not answer as expected ({response.status}):\n{text}")
    connection.close()


def count(server: str, path: str, extra: dict, words: str, requests: int, without: str) -> float:
    """Instructions per request in the worker, for `requests` requests after a warm-up."""
    if without and server == "line":
        words = "press 1" if "flow" in without else words  # the fixed page, or the line's own
    with tempfile.TemporaryDirectory() as tmp:
        out, port = Path(tmp), free_port()
        proc = serve(server, port, out, ["--workers", "1", "--threads", "1", "--timeout", "600"],
                     app="bench.knockout:create_app()" if server == "line" and without else "",
                     under=["valgrind", "--tool=callgrind", "--trace-children=yes", "--instr-atstart=no",
                            f"--callgrind-out-file={out}/callgrind.%p"],
                     env={"BENCH_WITHOUT": without}, seconds=120)  # about 50 times slower under valgrind
        try:
            send(port, path, extra, words, 30)
            control(proc, "--instr=on")
            send(port, path, extra, words, requests)
            control(proc, "--instr=off")
            control(proc, "--dump")
        finally:
            proc.terminate()
            proc.wait(timeout=120)
        totals = [int(m.group(1)) for f in out.glob("callgrind.*")
                  for m in re.finditer(r"^totals: (\d+)", f.read_text(errors="replace"), re.M)]
        return max(totals) / requests  # the worker's dump; the master's is near nothing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--without", default="", help="take pieces out of the line: "
                        "log, signature, hmac, flow (comma-separated; see bench/knockout.py)")
    args = parser.parse_args()
    unknown = set(filter(None, args.without.split(","))) - set(PIECES)
    if unknown:
        parser.error(f"--without: unknown {', '.join(sorted(unknown))}; known: {', '.join(PIECES)}")
    results = [(name + (f" without {args.without}" if server == "line" and args.without else ""),
                count(server, path, extra, words, args.requests, args.without))
               for name, server, path, extra, words in TARGETS]
    ceiling, signed_ceiling = results[0][1], results[1][1]
    print(f"{args.requests} requests a target after 30 to warm up; gunicorn -c python:ivr.serve.gunicorn_conf "
          "--workers 1 --threads 1, under valgrind --tool=callgrind\n")
    print("| target | instructions a request | more than the ceiling | ceiling / this "
          "| ceiling + signature / this |")
    print("|---|---:|---:|---:|---:|")
    for name, per_request in results:
        print(f"| {name} | {per_request:,.0f} | {per_request - ceiling:,.0f} | {ceiling / per_request:.0%} "
              f"| {signed_ceiling / per_request:.0%} |")


if __name__ == "__main__":
    main()
