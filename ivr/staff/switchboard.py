"""Twilio's part, played on a virtual clock: the phone network, call queues and the REST API.

The line under test is the real app; this plays what Twilio documents it does around it, so a
test (or `ivr call`, or a browser preview) can say "adviser A's phone is off, B answers after
8 s and presses 1" and see what a caller would hear, in no real time at all:

- the caller is a `phone.Caller` bound to the board: when a document holds <Enqueue> or <Dial>,
  the board runs the call from there (wait pages, keys, who is bridged to whom);
- the line's REST requests reach the board as its twilio HttpClient (`http_client=board`): it
  creates calls at the account's calls-per-second rate, rings each adviser's phone as scripted,
  POSTs the call's Url and its StatusCallback to the app, signed, and honours Status updates
  (canceled, completed) and queue deletion;
- the line's work "off the webhook's critical path" is handed to `board.later`, which runs it
  on the same clock, after the webhook that asked for it has answered.

The interface is small: `script()` what each adviser's phone does (phones.py), `advance()` (or
`settle()`) the clock, and read `happened` (or `report()`) for what happened; the REST API is in
switchboard_api.py, and a caller whose documents another player follows (the browser phone) in
switchboard_elsewhere.py. Behaviour follows Twilio's documentation: <Number> ("up to ten ... the
first call to pick up is connected to the current call and the rest are hung up"), <Enqueue>
(waitUrl re-requested whenever its document runs out; the action requested at once after <Leave>,
after the bridged parties disconnect when dequeued by <Dial>), <Queue> ("if the queue is empty,
Dial will wait ... if the queue does not exist, Dial will post an error status"), the Calls
resource (Timeout, StatusCallbackEvent, "canceled will attempt to hang up calls that are queued or
ringing", "no status callbacks are fired" for a call cancelled while queued, "completed will
attempt to hang up a call even if it's already in progress") and the Queue resource ("remove an
empty queue").
"""
from __future__ import annotations

import heapq
import itertools
import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Callable
from urllib.parse import urlsplit

from twilio.request_validator import RequestValidator

from ..audio import tones
from ..line.ringing import API_TIMEOUT_SECONDS
from .phone import SERVICE, Caller, app_lookup, check_attributes
from .phones import Phone, parse_phone
from .switchboard_api import RestAPI
from .switchboard_elsewhere import CallersElsewhere

ACCOUNT_SID = "AC" + "5" * 32
AUTH_TOKEN = "stand-in-token"
START = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)  # a Tuesday noon: advisers answering
SPEECH_WORDS_A_SECOND = 2.5  # 150 words a minute, the line's own pace
ENDED = ("completed", "busy", "no-answer", "failed", "canceled")


@dataclass(eq=False)
class Call:
    sid: str
    to: str
    from_: str
    direction: str                    # inbound, outbound-api (REST), outbound-dial (a <Dial> child)
    phone: Phone = field(default_factory=lambda: Phone("no-answer"))
    caller: Caller | None = None      # the test's caller, for an inbound call
    status: str = "queued"
    url: str = ""                     # REST: the TwiML to run on answer; <Dial> child: the screening url
    callback: str = ""
    events: frozenset = frozenset({"completed"})
    timeout: float = 60
    parent: Call | None = None
    context: str = "call"             # call, queue, bridging, screen (a <Number url>), leg (a REST call)
    gen: int = 0                      # bumps whenever the document it runs is replaced
    keypad: tuple | None = None       # (gather element, gen) while a <Gather> listens
    peer: Call | None = None          # who it is bridged to
    dial: dict | None = None          # the <Dial> this call runs
    queue: Queue | None = None
    enqueued_at: float = 0.0
    wait_url: str = ""
    after_queue: str = ""             # the <Enqueue action>
    answered_at: float | None = None
    bridged_at: float = 0.0
    placed: bool = False              # left Twilio's own queue of API calls (calls per second)
    heard: list[str] = field(default_factory=list)  # what an adviser's phone was told
    refetches: int = 0
    refetched_at: float = -1.0

    @property
    def ended(self) -> bool:
        return self.status in ENDED


@dataclass(eq=False)
class Queue:
    sid: str
    name: str
    members: list[Call] = field(default_factory=list)
    max_size: int = 1000


class Switchboard(RestAPI, CallersElsewhere):
    """See the module docstring. `client` is what webhooks are POSTed to (a Flask test client,
    `phone.Remote`, or anything with the same `post(path, data=, headers=)`)."""

    def __init__(self, client, base_url: str = "https://line.example.org", *, auth_token: str = AUTH_TOKEN,
                 account_sid: str = ACCOUNT_SID, api_key: tuple[str, str] | None = None,
                 numbers: tuple[str, ...] = (SERVICE,), start: datetime = START, calls_per_second: float = 1.0):
        super().__init__(logging.getLogger("ivr.switchboard"), is_async=False, timeout=API_TIMEOUT_SECONDS)
        self.client, self.base_url, self.auth_token = client, base_url.rstrip("/"), auth_token
        self.account_sid, self.numbers, self.start = account_sid, numbers, start
        self.credentials = {(account_sid, auth_token), *([api_key] if api_key else [])}
        self.api_key_pair = api_key
        self.calls_per_second = calls_per_second
        self.api = "ok"         # or: down, refuses, rate-limited, slow
        self.callbacks = True   # False: status callbacks never arrive (a lost webhook)
        self.slow_seconds = 30.0
        self.now = 0.0
        self.happened: list[tuple[float, str]] = []
        self.requests: list[tuple[float, str, str, dict]] = []  # the REST requests the line made
        self.webhooks = 0  # requests posted to the line for advisers' phones (not the caller's)
        self.calls: dict[str, Call] = {}
        self.queues: dict[str, Queue] = {}
        self.phones: dict[str, Phone] = {}
        self.names: dict[str, str] = {}
        self.lookup = app_lookup(client)
        self._events: list = []
        self._order = itertools.count()
        self._sids = itertools.count(1)
        self._next_slot = 0.0

    # -- The small interface ---------------------------------------------------------------
    def connect(self, client) -> "Switchboard":
        """Send webhooks to `client` (for a board made before the app it serves)."""
        self.client, self.lookup = client, app_lookup(client)
        return self

    def script(self, number: str, phone: Phone | str, name: str = "", talks: float | None = None) -> None:
        """What `number`'s phone does whenever it rings (unscripted phones ring out unanswered);
        `talks`: seconds the adviser talks before hanging up, if not the behaviour's own."""
        phone = parse_phone(phone) if isinstance(phone, str) else phone
        self.phones[number] = phone if talks is None else replace(phone, talks=talks)
        self.names[number] = name or self.names.get(number) or f"adviser {len(self.names) + 1}"

    def caller(self, **fields) -> Caller:
        """A caller whose calls this board carries."""
        fields.setdefault("call_sid", self._sid("CA"))
        caller = Caller(self.client, self.base_url, self.auth_token, board=self, lookup=self.lookup, **fields)
        self.calls[caller.call_sid] = Call(caller.call_sid, SERVICE, caller.from_number, "inbound",
                                           caller=caller, status="in-progress")
        return caller

    def clock(self) -> datetime:
        """The time on the board's clock: give it to the app as CLOCK."""
        return self.start + timedelta(seconds=self.now)

    def later(self, job: Callable, *args) -> None:
        """The app's background work: run on this clock, once the webhook asking for it has answered."""
        self._at(self.now, job, *args)

    def config(self) -> dict:
        """What an app needs to be wired to this board (create_app's test config)."""
        return {"TWILIO_HTTP_CLIENT": self, "BACKGROUND": self.later, "CLOCK": self.clock,
                "TWILIO_ACCOUNT_SID": self.account_sid, "TWILIO_AUTH_TOKEN": self.auth_token}

    # The local preview has no Twilio token (nothing it is sent is signed), so the board there
    # lets the line in with an API key of its own, which nothing real ever accepts.
    PREVIEW_KEY = ("SK" + "0" * 32, "preview-stand-in-secret")

    @classmethod
    def for_preview(cls, start: datetime) -> "Switchboard":
        """A board for a line run as the local preview, which answers at paths on this computer."""
        return cls(None, "http://localhost", api_key=cls.PREVIEW_KEY, start=start)

    def preview_config(self) -> dict:
        """What a local-preview app needs to be wired to this board: the API key, not the token."""
        key, secret = self.api_key_pair
        return {"TWILIO_HTTP_CLIENT": self, "BACKGROUND": self.later, "CLOCK": self.clock,
                "TWILIO_ACCOUNT_SID": self.account_sid, "TWILIO_API_KEY": key, "TWILIO_API_SECRET": secret}

    def advance(self, seconds: float) -> None:
        self._run_until(self.now + seconds)

    def settle(self, until: Callable[[], bool] | None = None, seconds: float = 300) -> bool:
        """Run until `until()` holds (True) or nothing is left to happen or `seconds` pass (False)."""
        limit = self.now + seconds
        while until is None or not until():
            if not self._events or self._events[0][0] > limit:
                return False
            self._run_until(self._events[0][0], one=True)
        return True

    def report(self, since: int = 0) -> list[str]:
        return [f"[{t:6.1f} s] {text}" for t, text in self.happened[since:]]

    def talking(self, caller: Caller) -> str | None:
        """The number the caller is talking to now, if any."""
        peer = self.calls[caller.call_sid].peer
        return peer.to if peer else None

    def queued(self, caller: Caller) -> bool:
        return self.calls[caller.call_sid].context in ("queue", "bridging")

    def holds(self, caller: Caller) -> bool:
        """Whether the board runs this caller's call now (in a queue, a <Dial> or a conversation)."""
        call = self.calls.get(caller.call_sid)
        return call is not None and (call.context != "call" or call.dial is not None or call.peer is not None)

    def legs(self, number: str | None = None) -> list[Call]:
        """The calls made to advisers' phones (by the REST API or a <Dial>), oldest first."""
        return [c for c in self.calls.values() if c.direction != "inbound" and number in (None, c.to)]

    # -- The caller's side -----------------------------------------------------------------
    def follow(self, caller: Caller) -> None:
        """Called by the caller after each document: take over at an <Enqueue> or a <Dial>."""
        call = self.calls[caller.call_sid]
        if call.context != "call" or caller.doc is None:
            return
        delay = 0.0
        for i, verb in enumerate(caller.doc):
            if verb.tag in ("Enqueue", "Dial"):
                call.gen += 1
                self._at(self.now + delay, self._step, call, caller.doc, i, call.gen)
                return
            delay += self.duration(verb)

    def press(self, caller: Caller, key: str) -> None:
        """The caller presses a key while the board runs the call: heard only inside a <Gather>."""
        self._key(self.calls[caller.call_sid], key)
        self._run_until(self.now)

    def hang_up(self, caller: Caller) -> None:
        call = self.calls[caller.call_sid]
        caller.ended = True
        self._note(call, "hangs up")
        if call.peer is not None:
            self._end_bridge(call, by=call)
        elif call.context in ("queue", "bridging"):
            self._out_of_queue(call, "hangup", status="completed")
        elif call.dial is not None:
            for child in call.dial["children"]:
                self._end(child, "canceled")
            self._dial_over(call, "completed", status="completed")
        call.status, call.context = "completed", "call"
        call.gen += 1
        self._run_until(self.now)

    # -- Running documents, verb by verb ---------------------------------------------------
    def _step(self, call: Call, doc: ET.Element, i: int, gen: int) -> None:
        if gen != call.gen or call.ended:
            return
        if i >= len(doc):
            return self._document_ran_out(call)
        verb = doc[i]
        if verb.tag in ("Say", "Play", "Pause"):
            if call.direction != "inbound":
                call.heard.append(self._words(verb))
            self._at(self.now + self.duration(verb), self._step, call, doc, i + 1, gen)
        elif verb.tag == "Gather":
            call.keypad = (verb, gen)
            listens = sum(self.duration(el) for el in verb) + float(verb.get("timeout", 5))
            if call.direction != "inbound":
                call.heard += [self._words(el) for el in verb]
            self._at(self.now + listens, self._keypad_closes, call, doc, i, gen)
            if call.phone.does == "person" and call.phone.presses and call.answered_at is not None:
                self._at(call.answered_at + call.phone.press_after, self._person_presses, call, gen)
        elif verb.tag == "Redirect":
            self._fetch(call, (verb.text or "").strip())
        elif verb.tag == "Leave" and call.context == "queue":
            self._out_of_queue(call, "leave")
        elif verb.tag == "Hangup":
            self._hangs_up_by_twiml(call)
        elif verb.tag == "Enqueue":
            self._enqueue(call, verb, doc, i)
        elif verb.tag == "Dial":
            self._dial(call, verb, doc, i, gen)
        else:
            self._step(call, doc, i + 1, gen)

    def _document_ran_out(self, call: Call) -> None:
        if call.context == "queue":
            call.refetches = call.refetches + 1 if call.refetched_at == self.now else 0
            call.refetched_at = self.now
            assert call.refetches < 20, "the wait documents loop without playing anything"
            self._fetch(call, call.wait_url, queue=True)  # "Twilio re-requests the waitUrl"
        elif call.context == "screen":
            self._bridge(call.parent, call)  # the screening document ended: the call is joined
        elif call.context == "leg":
            self._end(call, "completed")     # a call with nothing left to do is hung up
        elif call.caller is not None:
            call.caller.ended = True

    def _keypad_closes(self, call: Call, doc: ET.Element, i: int, gen: int) -> None:
        if call.keypad and call.keypad[1] == gen and gen == call.gen:
            call.keypad = None
            self._step(call, doc, i + 1, gen)  # actionOnEmptyResult is false: on to the next verb

    def _key(self, call: Call, key: str) -> None:
        if not call.keypad or call.keypad[1] != call.gen:
            self._note(call, f"presses {key}, but no keypad is listening: Twilio ignores it")
            return
        gather, _ = call.keypad
        call.keypad = None
        self._note(call, f"presses {key}")
        self._fetch(call, gather.get("action"), Digits=key, FinishedOnKey="")

    def _person_presses(self, call: Call, gen: int) -> None:
        if gen == call.gen and not call.ended:
            self._key(call, call.phone.presses)

    def _fetch(self, call: Call, url: str, queue: bool = False, **fields) -> None:
        """Request `url` for this call and run what comes back in the same place (queue, leg...)."""
        if queue:
            fields.update(self._queue_fields(call))
        doc = self._post(call, url, **fields)
        call.gen += 1
        if doc is None:  # Twilio says "an application error has occurred" and hangs up
            return self._hangs_up_by_twiml(call) if call.direction != "inbound" else None
        self._step(call, doc, 0, call.gen)

    def _hangs_up_by_twiml(self, call: Call) -> None:
        if call.direction == "inbound":
            if call.context in ("queue", "bridging"):
                self._out_of_queue(call, "hangup", status="completed")
            call.caller.ended = True
            call.status = "completed"
        else:
            self._end(call, "completed")

    # -- Queues ----------------------------------------------------------------------------
    def _enqueue(self, call: Call, verb: ET.Element, doc: ET.Element, i: int) -> None:
        name = (verb.text or "").strip()
        queue = self._queue_named(name) or self._new_queue(name)
        call.after_queue = verb.get("action", "")
        if len(queue.members) >= queue.max_size:
            return self._out_of_queue(call, "queue-full")
        call.context, call.queue, call.enqueued_at = "queue", queue, self.now
        call.wait_url = verb.get("waitUrl", "")
        queue.members.append(call)
        self._note(call, "waits in a queue")
        waiting = [c for c in self.calls.values() if c.dial and c.dial.get("queue") is queue]
        if waiting:
            return self._dequeue(waiting[0], queue)
        self._fetch(call, call.wait_url, queue=True)

    def _queue_fields(self, call: Call) -> dict:
        queue = call.queue
        return {"QueueSid": queue.sid, "QueuePosition": str(queue.members.index(call) + 1),
                "QueueTime": str(int(self.now - call.enqueued_at)), "AvgQueueTime": str(int(self.now - call.enqueued_at)),
                "CurrentQueueSize": str(len(queue.members)), "MaxQueueSize": str(queue.max_size)}

    def _out_of_queue(self, call: Call, result: str, status: str = "in-progress") -> None:
        """The caller leaves the queue: Twilio requests the <Enqueue action> with QueueResult."""
        queue = call.queue
        if queue is not None and call in queue.members:
            queue.members.remove(call)
        call.context, call.keypad = "call", None
        call.gen += 1
        self._note(call, f"is out of the queue ({result})")
        fields = {"QueueResult": result, "CallStatus": status}
        if queue is not None:
            fields.update(QueueSid=queue.sid, QueueTime=str(int(self.now - call.enqueued_at)))
        call.queue = None
        if call.after_queue:
            call.caller.post(call.after_queue, **fields)  # the caller follows whatever comes back

    def _queue_named(self, name: str) -> Queue | None:
        return next((q for q in self.queues.values() if q.name == name), None)

    def _new_queue(self, name: str) -> Queue:
        queue = Queue(self._sid("QU"), name)
        self.queues[queue.sid] = queue
        return queue

    def _dequeue(self, leg: Call, queue: Queue) -> None:
        member = queue.members.pop(0)
        member.context, member.keypad = "bridging", None
        member.gen += 1
        noun = leg.dial["noun"]
        self._note(leg, "takes the caller out of the queue (<Dial><Queue>)")
        delay = 0.0
        if noun.get("url"):
            doc = self._post(member, noun.get("url"), QueueSid=queue.sid, DequeingCallSid=leg.sid,
                             QueueTime=str(int(self.now - member.enqueued_at)))
            delay = sum(self.duration(el) for el in doc if el.tag in ("Say", "Play", "Pause"))
        self._at(self.now + delay, self._bridge, member, leg)

    # -- <Dial> ----------------------------------------------------------------------------
    def _dial(self, call: Call, verb: ET.Element, doc: ET.Element, i: int, gen: int) -> None:
        nouns = list(verb)
        timeout = float(verb.get("timeout", 30))
        call.dial = {"verb": verb, "doc": doc, "i": i, "children": [], "noun": nouns[0] if nouns else None}
        if nouns and nouns[0].tag == "Queue":
            queue = self._queue_named((nouns[0].text or "").strip())
            if queue is None:  # "If the queue does not exist, Dial will post an error status"
                return self._dial_over(call, "failed")
            call.dial["queue"] = queue
            if queue.members:
                return self._dequeue(call, queue)
            self._at(self.now + timeout, self._dial_times_out, call, gen)
            return
        for noun in nouns:  # up to ten numbers ring together
            to = ("client:" if noun.tag == "Client" else "") + (noun.text or "").strip()
            child = self._new_call(to, verb.get("callerId") or call.from_, "outbound-dial", url=noun.get("url", ""))
            child.parent = call
            call.dial["children"].append(child)
            self._ring(child)
        self._note(call, f"<Dial> rings {len(nouns)} phones together")
        self._at(self.now + timeout, self._dial_times_out, call, gen)

    def _dial_times_out(self, call: Call, gen: int) -> None:
        if call.dial is None or gen != call.gen or call.peer is not None:
            return
        if any(c.answered_at is not None and not c.ended for c in call.dial["children"]):
            return  # someone is in the screening document
        for child in call.dial["children"]:
            self._end(child, "no-answer")
        if call.dial is not None:
            self._dial_over(call, "no-answer")

    def _child_ended(self, child: Call) -> None:
        """A <Dial> child ended: the Dial is over once all have, unless one was joined."""
        call = child.parent
        if call.dial is None or call.peer is not None or not all(c.ended for c in call.dial["children"]):
            return
        statuses = {c.status for c in call.dial["children"]}
        answered = any(c.answered_at is not None for c in call.dial["children"])
        # A leg hung up during screening ends the Dial as completed, DialBridged=false (changelog 2020-12-09).
        status = "completed" if answered else (statuses.pop() if len(statuses) == 1 else "no-answer")
        self._dial_over(call, status, bridged=False if answered else None)

    def _dial_over(self, call: Call, status: str, bridged: bool | None = None, duration: int = 0,
                   peer: Call | None = None, call_status: str | None = None) -> None:
        dial = call.dial
        call.dial = None
        call.gen += 1
        fields = {"DialCallStatus": status, "CallStatus": call_status or ("in-progress" if not call.ended else "completed")}
        if peer is not None:
            fields.update(DialCallSid=peer.sid, DialCallDuration=str(duration))
        if bridged is not None:
            fields["DialBridged"] = "true" if bridged else "false"
        action = dial["verb"].get("action")
        if call.caller is not None:
            call.context = "call"
            if action:
                call.caller.post(action, **fields)
            return
        if action:
            self._fetch(call, action, **fields)
        else:
            self._step(call, dial["doc"], dial["i"] + 1, call.gen)

    # -- Phones ringing, answering, talking ------------------------------------------------
    def _new_call(self, to: str, from_: str, direction: str, **fields) -> Call:
        call = Call(self._sid("CA"), to, from_, direction, phone=self.phones.get(to, Phone("no-answer")), **fields)
        self.calls[call.sid] = call
        return call

    def _ring(self, call: Call) -> None:
        call.status, call.placed = "ringing", True
        self._note(call, "rings")
        self._callback(call, "ringing")
        phone = call.phone
        if self._engaged(call) or phone.does == "busy":  # on another call, or busy
            self._at(self.now + 1, self._end, call, "busy")
        elif phone.does == "fails":
            self._at(self.now + 0.5, self._end, call, "failed")
        elif phone.does != "no-answer" and phone.after < call.timeout:
            self._at(self.now + phone.after, self._answer, call)
        if call.direction == "outbound-api":  # a <Dial> child's ringing is ended by the Dial's timeout
            self._at(self.now + call.timeout, self._rings_out, call)

    def _engaged(self, call: Call) -> bool:
        """Whether the phone `call` rings is already answered for another call."""
        return any(c.to == call.to and c is not call and c.answered_at is not None and not c.ended
                   for c in self.calls.values())

    def _rings_out(self, call: Call) -> None:
        if call.status == "ringing":
            self._end(call, "no-answer")

    def _answer(self, call: Call) -> None:
        if call.status != "ringing" or self._engaged(call):
            return  # a person on another call cannot answer this one: it rings on
        call.status, call.answered_at = "in-progress", self.now
        self._note(call, "voicemail answers" if call.phone.does == "voicemail" else "answers")
        self._callback(call, "answered")
        if call.direction == "outbound-dial":
            for other in call.parent.dial["children"]:
                if other is not call and not other.ended:
                    self._end(other, "canceled")  # "the first call to pick up is connected ... the rest are hung up"
            if not call.url:
                return self._bridge(call.parent, call)
            call.context = "screen"
        else:
            call.context = "leg"
        if call.phone.does == "whisper-fails":
            self._note(call, "cannot reach the line's whisper URL: Twilio hangs up this phone")
            return self._end(call, "completed")
        self._fetch(call, call.url)

    def _bridge(self, a: Call, b: Call) -> None:
        if a.ended or b.ended:
            return
        a.peer, b.peer = b, a
        adviser = b if a.direction == "inbound" else a
        a.bridged_at = b.bridged_at = self.now
        self._note(adviser, "is talking to the caller")
        self._at(self.now + adviser.phone.talks, self._adviser_hangs_up, adviser)

    def _adviser_hangs_up(self, adviser: Call) -> None:
        if adviser.peer is not None:
            self._note(adviser, "hangs up")
            self._end(adviser, "completed")

    def _end_bridge(self, call: Call, by: Call) -> None:
        """A conversation ends because `by` hung up."""
        caller, adviser = (call, call.peer) if call.direction == "inbound" else (call.peer, call)
        caller.peer = adviser.peer = None
        seconds = int(self.now - caller.bridged_at)
        if adviser.direction == "outbound-dial":  # today's <Dial><Number>: the caller's Dial is over
            if by is caller:
                self._end(adviser, "completed")
            self._dial_over(caller, "completed", bridged=True, duration=seconds, peer=adviser,
                            call_status="completed" if by is caller else "in-progress")
            return
        # Dequeued by <Dial><Queue>: the caller's <Enqueue action> "once the bridged parties disconnect".
        caller.context = "bridging"
        self._out_of_queue(caller, "bridged", status="completed" if by is caller else "in-progress")
        if by is caller and adviser.dial is not None:
            self._dial_over(adviser, "completed", duration=seconds, peer=caller)

    def _end(self, call: Call, status: str) -> None:
        if call.ended:
            return
        was_queued = not call.placed
        call.status, call.keypad = status, None
        call.gen += 1
        self._note(call, {"completed": "call ends", "canceled": "stops ringing (cancelled)"}.get(status, status))
        if call.peer is not None:
            self._end_bridge(call, by=call)
        if call.parent is not None:
            self._child_ended(call)
        if call.direction == "outbound-api" and not (status == "canceled" and was_queued):
            self._callback(call, "completed")  # none for a call cancelled while still queued

    def _callback(self, call: Call, event: str) -> None:
        if self.callbacks and call.callback and event in call.events:
            self._post(call, call.callback, twiml=False, CallbackSource="call-progress-events",
                       SequenceNumber=str(next(self._order)), Timestamp=self.clock().strftime("%a, %d %b %Y %H:%M:%S +0000"),
                       **({"CallDuration": str(int(self.now - call.answered_at)) if call.answered_at else "0"}
                          if event == "completed" else {}))

    # -- Webhooks to the app ---------------------------------------------------------------
    def _post(self, call: Call, url: str, twiml: bool = True, **fields) -> ET.Element | None:
        if call.caller is not None:
            doc = call.caller.post(url, **fields)
            if call.context in ("queue", "bridging"):
                call.caller.ended = False  # a wait page, <Leave> or <Queue url> is not the end of the call
            return doc
        self.webhooks += 1
        return self._send(call, url, twiml, **fields)

    def _send(self, call: Call, url: str, twiml: bool = True, **fields) -> ET.Element | None:
        """POST `url` to the line for `call`, signed, as Twilio does; the TwiML it answers, if asked."""
        data = {"CallSid": call.sid, "AccountSid": self.account_sid, "From": call.from_, "To": call.to,
                "Caller": call.from_, "Called": call.to, "CallStatus": call.status, "ApiVersion": "2010-04-01",
                "Direction": call.direction, **({"ParentCallSid": call.parent.sid} if call.parent else {}), **fields}
        if not url.startswith("http"):
            url = self.base_url + url
        signature = RequestValidator(self.auth_token).compute_signature(url, data)
        parts = urlsplit(url)
        reply = self.client.post(parts.path + (f"?{parts.query}" if parts.query else ""), data=data,
                                 headers={"X-Twilio-Signature": signature})
        if not twiml:
            return None
        if reply.status_code != 200 or reply.mimetype not in ("text/xml", "application/xml"):
            self._note(call, f"the line answered {reply.status_code}: Twilio hangs up this phone")
            return None
        doc = ET.fromstring(reply.data)
        check_attributes(doc)
        return doc

    # -- The clock -------------------------------------------------------------------------
    def _at(self, when: float, job: Callable, *args) -> None:
        heapq.heappush(self._events, (when, next(self._order), job, args))

    def _run_until(self, when: float, one: bool = False) -> None:
        while self._events and self._events[0][0] <= when:
            at, _, job, args = heapq.heappop(self._events)
            self.now = max(self.now, at)
            job(*args)
            if one:
                return
        self.now = max(self.now, when)

    def duration(self, verb: ET.Element) -> float:
        """Seconds a verb takes to play (speech at the line's pace)."""
        if verb.tag == "Pause":
            return float(verb.get("length", 1))
        if verb.tag == "Play" and (verb.text or "").strip().endswith(tones.RINGBACK.file):
            return tones.RINGBACK.seconds
        if verb.tag in ("Say", "Play"):
            return max(1.0, len(self._words(verb).split()) / SPEECH_WORDS_A_SECOND)
        return 0.0

    def _words(self, verb: ET.Element) -> str:
        if verb.tag == "Play":
            url = (verb.text or "").strip()
            if url.endswith(tones.RINGBACK.file):
                return "(ringing)"
            return (self.lookup(url) if self.lookup else None) or "[audio] " + url
        return "".join(verb.itertext()).strip()

    def _sid(self, prefix: str) -> str:
        return f"{prefix}{next(self._sids):032x}"

    def _note(self, call: Call | None, text: str) -> None:
        who = "" if call is None else "the caller " if call.direction == "inbound" else \
            f"{self.names.get(call.to, call.to)}'s phone ({call.to}) "
        self.happened.append((self.now, (who + text).strip()))
