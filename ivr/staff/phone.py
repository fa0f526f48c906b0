"""A caller that behaves like Twilio: it POSTs signed webhooks, follows the TwiML and
remembers what was said, so tests read like a phone call and `ivr call` can ring the line.

The caller talks to anything with Flask's test-client `post(path, data=, headers=)`: the app
in-process, or `Remote`, which sends the same requests to a running server.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlencode, urlsplit

import requests
from twilio.request_validator import RequestValidator

# Attributes Twilio documents for each verb and noun we may use (camelCase, as Twilio spells them).
KNOWN_ATTRIBUTES = {
    "Response": set(),
    "Gather": {"action", "actionOnEmptyResult", "finishOnKey", "hints", "input", "language", "method",
               "numDigits", "partialResultCallback", "partialResultCallbackMethod", "profanityFilter",
               "speechTimeout", "timeout", "speechModel", "enhanced", "bargeIn", "debug", "maxSpeechTime"},
    "Say": {"voice", "language", "loop"},
    "Play": {"loop", "digits"},
    "Pause": {"length"},
    "Redirect": {"method"},
    "Hangup": set(),
    "Enqueue": {"action", "method", "waitUrl", "waitUrlMethod", "maxQueueSize", "workflowSid"},
    "Leave": set(),
    "Queue": {"url", "method", "reservationSid", "postWorkActivitySid"},
    "Dial": {"action", "answerOnBridge", "callerId", "hangupOnStar", "method", "record", "recordingStatusCallback",
             "recordingStatusCallbackMethod", "recordingStatusCallbackEvent", "recordingTrack", "ringTone",
             "timeLimit", "timeout", "trim", "sequential", "referUrl", "referMethod", "events"},
    "Number": {"sendDigits", "url", "method", "statusCallbackEvent", "statusCallback", "statusCallbackMethod",
               "byoc", "machineDetection"},
    "Sip": {"username", "password", "url", "method", "statusCallbackEvent", "statusCallback",
            "statusCallbackMethod"},
    "Client": {"url", "method", "statusCallbackEvent", "statusCallback", "statusCallbackMethod"},
    "Identity": set(),
    "break": {"strength", "time"},
    "prosody": {"rate", "volume", "pitch"},  # SSML in <Say>: the slow rate's fallback
}

RINGING = "(ringing)"  # how a transcript shows the ringback tone
SERVICE = "+442079460001"  # Ofcom drama-range numbers (020 7946 0xxx): never a real person
CALLER = "+442079460123"


class CallEnded(AssertionError):
    pass


@dataclass
class Caller:
    """One phone call into the app under test."""
    client: object
    base_url: str = "https://line.example.org"
    auth_token: str = "test-token"
    from_number: str = CALLER
    heard: list[str] = field(default_factory=list)      # everything said, in order, for the whole call
    last: list[str] = field(default_factory=list)       # what the latest TwiML document said
    doc: ET.Element | None = None
    ended: bool = False
    statuses: list[int] = field(default_factory=list)
    call_sid: str = "CA" + "0" * 32
    # Maps a <Play> URL back to the words it says (None when unknown), so a transcript reads as speech.
    lookup: Callable[[str], str | None] | None = None
    played: list[str] = field(default_factory=list)     # <Play> URLs in the latest document
    # Twilio's part beyond following documents (queues, advisers' phones, the REST API), when set:
    # a `switchboard.Switchboard`, which runs the call from an <Enqueue> or a <Dial>.
    board: object | None = None

    def __post_init__(self):
        if self.lookup is None:
            self.lookup = app_lookup(self.client)

    # -- Twilio's side of the wire -------------------------------------------------------
    def params(self, **extra) -> dict[str, str]:
        return {"CallSid": self.call_sid, "AccountSid": "AC" + "1" * 32, "From": self.from_number,
                "Caller": self.from_number, "To": SERVICE, "Called": SERVICE, "CallStatus": "in-progress",
                "Direction": "inbound", "ApiVersion": "2010-04-01", **extra}

    def post(self, url: str, **extra) -> ET.Element:
        """POST to `url` exactly as Twilio would: the full public URL, signed."""
        response, path = self.send(url, **extra)
        return self.follow(path, response)

    def fetch(self, url: str, **extra) -> ET.Element:
        """GET `url` as Twilio fetches a TwiML URL whose method is GET (a fallback on static
        hosting): the call's fields in the query string, signed with it."""
        url += ("&" if "?" in url else "?") + urlencode(self.params(**extra))
        signature = RequestValidator(self.auth_token).compute_signature(url, {})
        parts = urlsplit(url)
        path = f"{parts.path}?{parts.query}"
        response = self.client.get(path, headers={"X-Twilio-Signature": signature})
        self.statuses.append(response.status_code)
        return self.follow(path, response)

    def follow(self, path: str, response) -> ET.Element:
        """Read the TwiML Twilio was sent back, as Twilio would."""
        assert response.status_code == 200, f"{path} answered {response.status_code}"
        assert response.mimetype == "text/xml", response.mimetype
        self.doc = ET.fromstring(response.data)
        check_attributes(self.doc)
        self.last = [self.speech(el) for el in self.doc.iter() if el.tag in ("Say", "Play")]
        self.played = [(el.text or "").strip() for el in self.doc.iter() if el.tag == "Play"]
        self.heard += self.last
        self.ended = self.ends_call(self.doc)
        if self.board is not None:
            self.board.follow(self)
        return self.doc

    def send(self, url: str, **extra):
        """POST the call's parameters (and `extra`) to `url`, signed as Twilio signs them."""
        if not url.startswith("http"):
            url = self.base_url + url
        data = self.params(**extra)
        signature = RequestValidator(self.auth_token).compute_signature(url, data)
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        response = self.client.post(path, data=data, headers={"X-Twilio-Signature": signature})
        self.statuses.append(response.status_code)
        return response, path

    def speech(self, element: ET.Element) -> str:
        if element.tag == "Say":
            return "".join(element.itertext()).strip()
        url = (element.text or "").strip()
        words = self.lookup(url) if self.lookup else None
        return words if words is not None else "[audio] " + url

    @staticmethod
    def ends_call(doc: ET.Element) -> bool:
        """Twilio hangs up after <Hangup>, or when a document runs out of verbs."""
        verbs = [el.tag for el in doc]
        return not verbs or verbs[-1] == "Hangup" or not {"Gather", "Dial", "Redirect", "Enqueue"} & set(verbs)

    # -- The caller's side ---------------------------------------------------------------
    def dial(self) -> "Caller":
        self.post("/voice", CallStatus="ringing")
        return self

    def gather(self) -> ET.Element:
        gathers = [el for el in self.doc if el.tag == "Gather"]
        assert gathers, f"no keypad here: {ET.tostring(self.doc, encoding='unicode')}"
        return gathers[0]

    def press(self, key: str) -> "Caller":
        if self.board is not None and self.board.holds(self):
            self.board.press(self, key)  # waiting in a queue: only a <Gather> there hears it
            return self
        gather = self.gather()
        assert gather.get("finishOnKey") == "", "hash would end input instead of reaching the line"
        self.post(gather.get("action"), Digits=key, FinishedOnKey="")
        return self

    def hang_up(self, seconds: int | None = None) -> "Caller":
        """Put the phone down; Twilio tells the line where it matters (a queue, a <Dial>, a
        conversation) and, given the call's length, the number's status callback ("Call status
        changes", /voice/status) that the call completed, with CallDuration in whole seconds."""
        if self.board is not None:
            self.board.hang_up(self)
        if seconds is not None:
            response, path = self.send("/voice/status", CallStatus="completed", CallDuration=str(seconds))
            assert response.status_code in (200, 204), f"{path} answered {response.status_code}"
        self.ended = True
        return self

    def wait(self) -> "Caller":
        """Stay silent until the Gather times out: Twilio moves on to the next verb."""
        verbs = list(self.doc)
        i = verbs.index(self.gather())
        rest = verbs[i + 1:]
        if not rest or rest[0].tag == "Hangup":
            raise CallEnded("silence ended the call")
        assert rest[0].tag == "Redirect", rest[0].tag
        self.post(rest[0].text)
        return self

    def dial_element(self) -> ET.Element:
        dials = [el for el in self.doc if el.tag == "Dial"]
        assert dials, f"no <Dial> here: {self.last}"
        return dials[0]

    def dial_ends(self, status: str, bridged: bool | None = None) -> "Caller":
        """Twilio reports how the <Dial> ended to its action URL."""
        dial = self.dial_element()
        extra = {"DialCallStatus": status, "CallStatus": "in-progress"}
        if bridged is not None:
            extra["DialBridged"] = "true" if bridged else "false"
        if status == "completed" and bridged:
            extra["DialCallDuration"] = "120"
        self.post(dial.get("action"), **extra)
        return self

    def said(self, words: str) -> bool:
        """Whether the latest document says `words` (case and spacing ignored)."""
        return _norm(words) in _norm(" ".join(self.last))


def app_lookup(client) -> Callable[[str], str | None] | None:
    """For a line in this process (Flask's test client): its audio URLs -> the words in them."""
    service = getattr(getattr(client, "application", None), "extensions", {}).get("ivr")
    return audio_words(service) if service is not None else None


def audio_words(service) -> Callable[[str], str | None]:
    """URL of a built prompt -> its words. Matched on the file name, which carries a hash of the
    words, so it holds whatever address the audio was reached at (the local preview's links are
    paths; a remote line's follow its own address)."""
    from ..audio import tones
    from ..line.adviser import all_prompts
    from ..line.speech import RATES

    words = {tone.file: RINGING for tone in tones.TONES.values()}
    for content in service.contents.values():
        for rate in RATES:
            for prompt in all_prompts(content, service.settings):
                url = service.audio.url(content.language, rate, prompt)
                if url:
                    words[_file(url)] = prompt.text
    return lambda url: words.get(_file(url))


def _file(url: str) -> str:
    return url.rsplit("/", 1)[-1]


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def check_attributes(doc: ET.Element) -> None:
    for element in doc.iter():
        known = KNOWN_ATTRIBUTES.get(element.tag)
        assert known is not None, f"<{element.tag}> is not a TwiML element we use"
        unknown = set(element.attrib) - known
        assert not unknown, f"<{element.tag}> has attributes Twilio does not know: {unknown}"


@dataclass(frozen=True)
class Reply:
    """The parts of an HTTP response the caller reads (the same names as Flask's test response)."""
    status_code: int
    mimetype: str
    data: bytes


@dataclass(frozen=True)
class Remote:
    """Sends the caller's requests to a running server, as Twilio's servers would."""
    server_url: str
    timeout: float = 15  # Twilio gives up on a webhook after 15 seconds too

    def post(self, path: str, data: dict, headers: dict) -> Reply:
        response = requests.post(self.server_url.rstrip("/") + path, data=data, headers=headers,
                                 timeout=self.timeout, allow_redirects=False)
        return self.reply(response)

    def get(self, path: str, headers: dict) -> Reply:
        return self.reply(requests.get(self.server_url.rstrip("/") + path, headers=headers, timeout=self.timeout,
                                       allow_redirects=False))

    @staticmethod
    def reply(response: requests.Response) -> Reply:
        mimetype = response.headers.get("Content-Type", "").split(";")[0].strip()
        return Reply(response.status_code, mimetype, response.content)
