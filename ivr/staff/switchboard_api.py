"""The switchboard's REST API: what the line asks of Twilio's Calls and Queue resources, answered
as Twilio documents, through the twilio library's own client (this is its HttpClient).

Calls: create (To, From a number of the account, Url, Timeout 1-600, StatusCallback and its
events), placed at the account's calls-per-second rate; update with Status canceled (queued or
ringing calls only) or completed (any). Queues: delete, only when empty. Credentials are checked
as Twilio does (the account SID and auth token, or an API key and its secret), and `api` makes
the whole API fail the ways a real one can: down, refusing, rate-limited or slow.
"""
from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import requests
from twilio.http import HttpClient
from twilio.http.response import Response as RestResponse

API = re.compile(r"https://api\.twilio\.com/2010-04-01/Accounts/(?P<account>AC\w{32})/"
                 r"(?P<kind>Calls|Queues)(?:/(?P<sid>\w{34}))?\.json")


class RestAPI(HttpClient):
    """Mixed into the Switchboard, whose calls, queues and clock it uses."""

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False) -> RestResponse:
        data = dict(data or {})
        self.requests.append((self.now, method, uri, data))
        waits = timeout or self.timeout
        if self.api == "down":
            self._note(None, f"REST {method} {self._path(uri)}: Twilio's API cannot be reached")
            raise requests.exceptions.ConnectionError("Failed to establish a new connection (stand-in: down)")
        if self.api == "slow":
            self._run_until(self.now + min(self.slow_seconds, waits or self.slow_seconds))
            if waits and self.slow_seconds > waits:
                self._note(None, f"REST {method} {self._path(uri)}: no answer within {waits:g} s")
                raise requests.exceptions.ReadTimeout("Read timed out (stand-in: slow)")
        if self.api == "rate-limited":
            return _error(429, 20429, "Too Many Requests")
        match = API.fullmatch(uri.split("?")[0])
        if self.api == "refuses" or tuple(auth or ()) not in self.credentials or (
                match and match["account"] != self.account_sid):
            return _error(401, 20003, "Authenticate")
        if match is None:
            return _error(404, 20404, "The requested resource was not found")
        kind, sid = match["kind"], match["sid"]
        if kind == "Calls" and sid is None and method == "POST":
            return self._create_call(data)
        if kind == "Calls" and sid and method == "POST":
            return self._update_call(sid, data)
        if kind == "Queues" and sid and method == "DELETE":
            return self._delete_queue(sid)
        return _error(405, 20004, "Method not allowed")

    def _create_call(self, data: dict) -> RestResponse:
        to, from_, url = data.get("To", ""), data.get("From", ""), data.get("Url", "")
        if not to or not url:
            return _error(400, 21201, "No 'To' number is specified" if not to else "Url is required")
        if from_ not in self.numbers:
            return _error(400, 21210, f"The source phone number provided, {from_}, is not yet verified for your account")
        timeout = str(data.get("Timeout", "60"))
        if not timeout.isdigit() or not 1 <= int(timeout) <= 600:
            return _error(400, 21208, "Invalid Timeout")
        events = data.get("StatusCallbackEvent", ["completed"])
        call = self._new_call(to, from_, "outbound-api", url=url, callback=data.get("StatusCallback", ""),
                              events=frozenset([events] if isinstance(events, str) else events), timeout=int(timeout))
        start = max(self.now, self._next_slot)  # "calls beyond your account's CPS limit will be queued"
        self._next_slot = start + 1 / self.calls_per_second
        self._note(call, f"is called through the REST API (rings at {start:.1f} s)")
        self._at(start, self._place, call)
        return _json(201, self._call_json(call))

    def _place(self, call: Call) -> None:
        if call.status == "queued":
            self._ring(call)

    def _update_call(self, sid: str, data: dict) -> RestResponse:
        call = self.calls.get(sid)
        if call is None:
            return _error(404, 20404, f"The requested resource /Calls/{sid}.json was not found")
        status = data.get("Status")
        if status not in ("canceled", "completed"):
            return _error(400, 21220, "Only Status=canceled or completed is played by this stand-in")
        if call.status in ("queued", "ringing"):
            self._end(call, "canceled")
        elif call.status == "in-progress" and status == "completed":
            self._end(call, "completed")
        return _json(200, self._call_json(call))

    def _delete_queue(self, sid: str) -> RestResponse:
        queue = self.queues.get(sid)
        if queue is None:
            return _error(404, 20404, f"The requested resource /Queues/{sid}.json was not found")
        if queue.members:
            return _error(400, 20001, "Only an empty queue can be removed")
        del self.queues[sid]
        self._note(None, "the queue is removed")
        return RestResponse(204, "")

    def _call_json(self, call: Call) -> dict:
        return {"sid": call.sid, "account_sid": self.account_sid, "to": call.to, "from": call.from_,
                "status": call.status, "direction": call.direction, "api_version": "2010-04-01"}

    @staticmethod
    def _path(uri: str) -> str:
        return re.sub(r"Accounts/AC\w+", "Accounts/…", urlsplit(uri).path)


def _json(status: int, body: dict) -> RestResponse:
    return RestResponse(status, json.dumps(body))


def _error(status: int, code: int, message: str) -> RestResponse:
    return _json(status, {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                          "status": status})
