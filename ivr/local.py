"""Settings as read on this computer (the line's .env file, then the environment), and the one answer
to "is this request the local preview?".

Without Twilio's settings the line is the local preview: nothing it is sent can be signed, so it
answers only requests made on this computer, to this computer's own address, or passed to it by
the real line's staff gate (the staff phone, ivr/web/staff_phone.py). Everything that needs that
answer (the webhooks' signature check, the preview's guard, a page that would otherwise ask staff
to sign in) asks `local_preview`.
"""
from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from .settings import PACKAGE_DIR

# The names by which a browser on this computer reaches it (the Host header's, port left off).
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
# Headers a proxy adds when it passes on a request from elsewhere; the peer is then the proxy.
PASSED_ON = ("Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-IP")

LINE_FOLDER = PACKAGE_DIR.parent  # the folder with scripts/, README.md and .env
# The WSGI environ key the real line's staff phone sets on a request its staff gate let in (a
# signed-in person, a good CSRF token) before passing it to its own preview line. A client
# cannot set it: the headers it sends arrive as HTTP_* keys.
STAFF_PHONE = "ivr.staff_phone"
ENV_FILE = "IVR_ENV_FILE"  # set by `ivr --env-file PATH`, so the servers `ivr serve` starts read it too


def env_file() -> Path:
    """The .env file the line reads: the one `ivr --env-file` named, else the one in the line's
    folder, wherever the command is run from (never the current folder's)."""
    chosen = os.environ.get(ENV_FILE, "")
    return Path(chosen) if chosen else LINE_FOLDER / ".env"


def environment() -> dict[str, str]:
    """Settings as the line reads them: the .env file, overridden by the environment."""
    return {**{k: v for k, v in dotenv_values(env_file()).items() if v is not None}, **os.environ}


def settings(env: dict[str, str] | None = None):
    """The settings from `env` (default: this computer's), read as the local preview reads them:
    the tools need no Twilio token or public address, which are `ivr serve`'s business."""
    from .settings import from_env
    return from_env({**(environment() if env is None else env), "TWILIO_AUTH_TOKEN": "", "PUBLIC_BASE_URL": ""})


def is_loopback(address: str | None) -> bool:
    """Whether an IP address is this computer's own (127.0.0.0/8, ::1, or ::ffff:127.x)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False  # no address (a Unix socket) or not one: not known to be this computer
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def _host_name(host: str) -> str:
    """'127.0.0.1:8000' -> '127.0.0.1', '[::1]:8000' -> '[::1]', 'Localhost' -> 'localhost'."""
    host = host.strip().lower()
    return host.partition("]")[0] + "]" if host.startswith("[") else host.partition(":")[0]


def from_this_computer(request) -> bool:
    """Whether `request` (a Flask/werkzeug request) was made on this computer, to this computer.

    - the peer is a loopback address, checked on the connection, not only on where we listen;
    - no proxy passed it on from elsewhere (a proxy on this computer would look like a local peer);
    - it was sent to a loopback name, so a web page that points its own name at 127.0.0.1
      (DNS rebinding) is refused;
    - a form or script from another web site open in the same browser cannot send anything but
      a plain page load (the browser says where a request came from, in Sec-Fetch-Site or Origin).
    """
    if not is_loopback(request.remote_addr) or any(h in request.headers for h in PASSED_ON):
        return False
    if _host_name(request.host or "") not in LOOPBACK_NAMES:
        return False
    if request.method in ("GET", "HEAD"):
        return True  # loading a page or a file changes nothing, and another site cannot read it
    site = request.headers.get("Sec-Fetch-Site", "same-origin")
    origin = request.headers.get("Origin")
    return site in ("same-origin", "none") and (origin is None or _host_name(urlsplit(origin).netloc) in LOOPBACK_NAMES)


def passed_on_by_staff_gate(request) -> bool:
    """Whether the real line's staff gate let this request in and passed it to the staff phone."""
    return request.environ.get(STAFF_PHONE) is True


def local_preview(settings, request) -> bool:
    """The one answer to "is this the local preview, asked from this computer?".

    True only when the line has no Twilio settings (so it is the preview) and the request was
    made on this computer (see `from_this_computer`), or is the staff phone's, passed on by the
    real line's staff gate. Such a request needs no signature and no sign-in of its own; in the
    preview, every other request is refused.
    """
    return settings.preview and (passed_on_by_staff_gate(request) or from_this_computer(request))
