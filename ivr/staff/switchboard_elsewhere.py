"""The switchboard's callers played elsewhere: a caller whose documents another player follows
(the browser phone, through ivr/web/adviser_side.py), waiting in the board's queues.

That player does what Twilio does on the caller's side: it requests each wait page and plays it
(keys live, star's <Leave>), requests the waitUrl again when a page runs out, and requests the
<Enqueue action> once the wait is over. The board does the rest, as for its own callers: the
caller's place in the queue, the advisers' calls the line asks for, an adviser's <Dial><Queue>
taking the caller (with the <Queue url> request Twilio makes for it), the conversation, and how
the wait ends. So the board never requests a wait page for such a caller, nor the action while
the caller is there to hear it: it keeps the fields Twilio would send with them (`standing`), for
the player to send. Once the caller has hung up (`hang_up`), the board requests the action itself.
"""
from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Callable

from .phone import SERVICE

PLAYER = "client:browser-phone"  # the caller's From, as the browser phone sends it


@dataclass(eq=False)
class Elsewhere:
    """Stands in for `phone.Caller` on the board: the board's requests for this caller's own
    documents are kept for the player, and any other (the <Queue url>) is sent as Twilio sends it."""
    send: Callable[[str, dict], ET.Element | None]
    wait_url: str
    action: str
    call_sid: str = ""
    ended: bool = False
    result: dict | None = None  # the fields of the <Enqueue action> request, once the wait is over

    def post(self, url: str, **fields) -> ET.Element | None:
        if url == self.action:
            self.result = fields  # QueueResult and the rest: the player requests the action...
            # ...unless the caller has hung up: then Twilio requests it, and nobody hears the answer.
            return self.send(url, fields) if self.ended else None
        if url == self.wait_url:
            return None  # the player requests the wait pages and plays them
        # A document for this caller that Twilio plays before a join; the line sends none to say.
        return self.send(url, fields) or ET.Element("Response")


class CallersElsewhere:
    """Mixed into the Switchboard, whose calls, queues and clock it uses."""

    def enqueue_elsewhere(self, enqueue: ET.Element) -> Elsewhere:
        """A caller played elsewhere reached `enqueue` (an <Enqueue> element): into its queue, as
        <Enqueue> puts a caller (made if need be; taken at once by an adviser's <Dial> waiting there)."""
        member = Elsewhere(lambda url, fields: self._send(call, url, **fields),
                           enqueue.get("waitUrl", ""), enqueue.get("action", ""))
        call = self._new_call(SERVICE, PLAYER, "inbound", caller=member, status="in-progress")
        member.call_sid = call.sid
        doc = ET.Element("Response")
        doc.append(copy.deepcopy(enqueue))
        call.gen += 1
        self._step(call, doc, 0, call.gen)
        self._run_until(self.now)
        return member

    def leave(self, member: Elsewhere) -> None:
        """The player played <Leave> in a wait page: out of the queue, the action's fields kept."""
        call = self.calls[member.call_sid]
        if call.context == "queue":
            self._out_of_queue(call, "leave")
        self._run_until(self.now)

    def standing(self, member: Elsewhere) -> tuple[str, dict]:
        """How this caller's wait stands, and the fields to send with it: "waiting" (those of the
        waitUrl request), "joining" (an adviser's <Dial><Queue> took it), "talking", or "over"
        (those of the action request; none when the <Enqueue> had no action)."""
        call = self.calls[member.call_sid]
        if call.peer is not None:
            return "talking", {}
        if call.context == "queue":
            return "waiting", self._queue_fields(call)
        if call.context == "bridging":
            return "joining", {}
        return "over", dict(member.result or {})

    def talking_to(self, member: Elsewhere) -> str | None:
        """The name of the adviser this caller is talking to, if any."""
        peer = self.calls[member.call_sid].peer
        return self.names.get(peer.to, peer.to) if peer is not None else None
