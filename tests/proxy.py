"""The production recipe on loopback: the shipped nginx site and systemd units, run by hand.

`start(folder, settings)` runs the line as keeping-safe.service would (its ExecStart line, on the
socket keeping-safe.socket names, passed by systemd-socket-activate as systemd passes it), and
Debian's nginx with deploy/nginx/keeping-safe.conf in front, with a certificate made here. Only
the paths and the port change, each replacement checked, so the files tested are the files shipped.
Used by tests/serve/test_proxy.py and bench/proxy.py.
"""
from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "deploy" / "nginx" / "keeping-safe.conf"
SERVICE = ROOT / "deploy" / "systemd" / "keeping-safe.service"
SOCKET_UNIT = ROOT / "deploy" / "systemd" / "keeping-safe.socket"
INSTALLED = "/srv/keeping-safe"  # where the units expect the line's folder
NGINX = "/usr/sbin/nginx"


def unit_value(unit: Path, key: str) -> str:
    values = [line.split("=", 1)[1].strip() for line in unit.read_text().splitlines() if line.startswith(f"{key}=")]
    assert len(values) == 1, f"{unit.name} should have one {key}= line"
    return values[0]


def replaced(text: str, replacements: dict[str, str], name: str) -> str:
    for old, new in replacements.items():
        assert old in text, f"{name} no longer has '{old}': update tests/proxy.py with it"
        text = text.replace(old, new)
    return text


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made now (nothing is downloaded)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def site(folder: Path, port: int, sock: Path, cert: Path, key: Path) -> str:
    return replaced(SITE.read_text(), {
        "listen 443 ssl;": f"listen 127.0.0.1:{port} ssl;",
        "listen [::]:443 ssl;": "",
        "/etc/letsencrypt/live/line.example.org/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/line.example.org/privkey.pem": str(key),
        f"unix:{unit_value(SOCKET_UNIT, 'ListenStream')}": f"unix:{sock}",
    }, SITE.name)


def nginx_conf(folder: Path, site_file: Path) -> str:
    """Debian's main nginx.conf, cut down to what the site needs, with every path in `folder`."""
    user = "user www-data;" if os.geteuid() == 0 else ""  # as Debian runs its workers
    temp = "\n".join(f"    {kind}_temp_path {folder}/temp/{kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                                 "uwsgi", "scgi"))
    return f"""daemon off;
{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log info;
events {{ worker_connections 768; }}  # Debian's default
http {{
{temp}
    include {site_file};
}}
"""


def line_command(env_file: Path, sock: Path) -> list[str]:
    """keeping-safe.service's ExecStart, on the socket systemd would pass it."""
    command = replaced(unit_value(SERVICE, "ExecStart"), {
        f"{INSTALLED}/.venv/bin/ivr": str(Path(sys.executable).with_name("ivr")),
        f"{INSTALLED}/.env": str(env_file),
    }, SERVICE.name)
    return ["systemd-socket-activate", "--listen", str(sock), *shlex.split(command)]


@dataclass
class Stack:
    folder: Path
    port: int
    socket: Path
    cert: Path
    processes: list[subprocess.Popen]

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))

    def connect(self, source: str = "127.0.0.1", timeout: float = 5) -> ssl.SSLSocket:
        """A TLS connection to nginx, as a client at `source` (any 127.x address)."""
        raw = socket.create_connection(("127.0.0.1", self.port), timeout=timeout, source_address=(source, 0))
        return self.context().wrap_socket(raw, server_hostname="127.0.0.1")

    def line_log(self) -> str:
        return (self.folder / "line.log").read_text(errors="replace")

    def nginx_log(self) -> str:
        return (self.folder / "nginx-error.log").read_text(errors="replace")

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)  # quick shutdown, for gunicorn and nginx alike
        for process in reversed(self.processes):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(folder: Path, settings: dict[str, str]) -> Stack:
    """The line behind nginx, in `folder` (readable by nginx's workers), answering at .url."""
    folder.chmod(0o755)  # nginx's workers (www-data) reach the socket through it
    (folder / "temp").mkdir()
    cert, key = certificate(folder)
    env_file, sock, port = folder / "line.env", folder / "gunicorn.sock", free_port()
    env_file.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    (folder / "keeping-safe.conf").write_text(site(folder, port, sock, cert, key))
    (folder / "nginx.conf").write_text(nginx_conf(folder, folder / "keeping-safe.conf"))
    stack = Stack(folder, port, sock, cert, [])
    try:
        with open(folder / "line.log", "w") as log:
            stack.processes.append(subprocess.Popen(line_command(env_file, sock), cwd=folder, stdout=log,
                                                    stderr=subprocess.STDOUT))
        socket_for_nginx(stack)
        with open(folder / "nginx.out", "w") as out:
            stack.processes.append(subprocess.Popen([NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"),
                                                     "-e", str(folder / "nginx-error.log")],
                                                    stdout=out, stderr=subprocess.STDOUT))
        wait_until_answering(stack)
    except BaseException:
        stack.stop()
        raise
    return stack


def socket_for_nginx(stack: Stack, seconds: float = 10) -> None:
    """Let nginx's workers connect to the socket, as SocketUser=www-data does under systemd."""
    deadline = time.monotonic() + seconds
    while not stack.socket.exists():
        if time.monotonic() > deadline or stack.processes[0].poll() is not None:
            raise RuntimeError(f"no socket from systemd-socket-activate:\n{stack.line_log()[-3000:]}")
        time.sleep(0.05)
    stack.socket.chmod(0o666)


def wait_until_answering(stack: Stack, seconds: float = 60) -> None:
    """Until GET /healthz through nginx answers 200 (the first one starts the line, as systemd would)."""
    deadline = time.monotonic() + seconds
    while True:
        for process in stack.processes:
            if process.poll() is not None:
                raise RuntimeError(f"{process.args[0]} stopped:\n{stack.line_log()[-3000:]}\n"
                                   f"{stack.nginx_log()[-3000:]}")
        try:
            with urllib.request.urlopen(stack.url + "/healthz", context=stack.context(), timeout=20) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the line did not answer through nginx:\n{stack.line_log()[-3000:]}\n"
                               f"{stack.nginx_log()[-3000:]}")
        time.sleep(0.2)


def available() -> str | None:
    """Why the stack cannot run here, or None."""
    for tool in (NGINX, "openssl", "systemd-socket-activate"):
        if not shutil.which(tool):
            return f"{tool} is not installed: run scripts/setup --test"
    return None


# -- Clients that stall ---------------------------------------------------------------------------

PARTIAL = {"headers": b"POST /voice HTTP/1.1\r\nHost: line.example.org\r\nX-Twilio-Signa",
           "body": b"POST /voice/key?node=main HTTP/1.1\r\nHost: line.example.org\r\n"
                   b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 4000\r\n"
                   b"X-Twilio-Signature: bm90IGEgc2lnbmF0dXJl\r\n\r\nCallSid=CA0&From=%2B44"}


def held(conn) -> bool:
    """Whether the server still holds the connection open (no answer, not closed)."""
    conn.setblocking(False)
    try:
        conn.recv(1)
        return False  # an answer (a 408) or the end of the connection: the server let go
    except (ssl.SSLWantReadError, BlockingIOError):
        return True
    except OSError:
        return False
    finally:
        conn.setblocking(True)


@dataclass
class Attack:
    """Clients that open a connection, send part of a request and stop, each from a loopback
    address of its own (127.0.1.x: no per-address limit blunts them); while the block runs, one
    the server drops is opened again within half a second, so the attack lasts as long as it does."""
    connect: object  # connect(source) -> a connection from that address
    stalled: int  # clients stopped halfway through their headers
    slow_bodies: int  # clients stopped halfway through their bodies
    open: list = field(default_factory=list)
    reopened: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> "Attack":
        self.open = [None] * (self.stalled + self.slow_bodies)
        self.fill()
        self._thread = threading.Thread(target=self._hold, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        for conn in self.open:
            if conn is not None:
                conn.close()

    def fill(self) -> None:
        with self._lock:
            for i, conn in enumerate(self.open):
                if conn is not None and held(conn):
                    continue
                if conn is not None:
                    conn.close()
                    self.reopened += 1
                try:
                    self.open[i] = self.connect(f"127.0.1.{1 + i % 250}")
                    self.open[i].sendall(PARTIAL["headers" if i < self.stalled else "body"])
                except OSError:
                    self.open[i] = None

    def holding(self) -> int:
        """How many of the clients the server holds open right now."""
        with self._lock:
            return sum(conn is not None and held(conn) for conn in self.open)

    def _hold(self) -> None:
        while not self._stop.wait(0.5):
            self.fill()
