"""Twilio's side of the wire for tests that send what no polite caller would."""
from __future__ import annotations

import os
import socket
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from .caller import CALLER, SERVICE, check_attributes

BASE = "https://line.example.org"
TOKEN = "test-token"
CALL_FIELDS = {"CallSid": "CA" + "0" * 32, "AccountSid": "AC" + "1" * 32, "From": CALLER, "Caller": CALLER,
               "To": SERVICE, "Called": SERVICE, "CallStatus": "in-progress", "Direction": "inbound",
               "ApiVersion": "2010-04-01"}


def sign(url: str, form: MultiDict, token: str = TOKEN) -> str:
    """X-Twilio-Signature as Twilio computes it: every value of every field, sorted."""
    return RequestValidator(token).compute_signature(url, form)


def post(client, path: str, query: dict | None = None, form=(), *, token: str = TOKEN,
         signed_url: str | None = None, signature: str | None = None, method: str = "POST"):
    """Send `form` (pairs, so fields may repeat) to path?query, signed for `signed_url` (default: the
    URL itself) with `token`, or with the given `signature` ("" for none)."""
    target = path + (f"?{urlencode(query)}" if query else "")
    form = MultiDict(list(form))
    if signature is None:
        signature = sign(signed_url or BASE + target, form, token)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    return client.open(target, method=method, data=form, headers=headers)


def twiml(response) -> ET.Element:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/xml", response.mimetype
    doc = ET.fromstring(response.data)
    assert doc.tag == "Response"
    check_attributes(doc)
    return doc


def verbs(doc: ET.Element) -> list[str]:
    return [el.tag for el in doc]


def keeps_going(doc: ET.Element) -> bool:
    """The caller is not left in silence: a keypad then a redirect for silence, a <Dial>, or a
    queue whose waiting pages Twilio fetches next."""
    tags = verbs(doc)
    if "Dial" in tags or tags == ["Enqueue"]:
        return True
    if "Gather" not in tags:
        return False
    i = tags.index("Gather")
    gather = doc[i]
    return (tags[i + 1:] == ["Redirect"] and bool(gather.get("action")) and bool((doc[i + 1].text or "").strip())
            and len(list(gather)) > 0)


def first_wait_page(client, response) -> ET.Element:
    """After pressing 9: Twilio puts the caller in the <Enqueue>'s queue and fetches its waitUrl."""
    doc = twiml(response)
    assert verbs(doc) == ["Enqueue"], verbs(doc)
    queue = [("QueueSid", "QU" + "0" * 32), ("QueuePosition", "1"), ("QueueTime", "0"), ("CurrentQueueSize", "1")]
    return twiml(post(client, doc[0].get("waitUrl").removeprefix(BASE), None, [*CALL_FIELDS.items(), *queue]))


def spoken(doc: ET.Element) -> str:
    return " ".join(" ".join(el.itertext()) for el in doc.iter("Say")).lower()


def free_port() -> int:
    """A loopback port nothing listens on, for a real server under test."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_listening(server, port: int, seconds: float = 60) -> None:
    """Until the server started as `server` (a Popen) accepts connections on `port`, it exits,
    or `seconds` pass (generous: a busy shared machine can take many seconds to start it)."""
    deadline = time.monotonic() + seconds
    while server.poll() is None and time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.1)


def server_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment for a real `ivr serve` or gunicorn run from this checkout, in tmp_path."""
    return {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
            "TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_BASE_URL": BASE, "SERVICE_NUMBER": SERVICE,
            "SECRET_KEY": "test-secret-key-for-staff-sign-in-cookies", "AUDIO_DIR": str(tmp_path / "audio"),
            **settings}
